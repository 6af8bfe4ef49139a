// tests/test_distribution.cpp: each distribution against its textbook moments.
//
// Expected values come from closed forms (or, for the truncated normal, a
// numerical integration done here), never from the code under test. Seeds
// are fixed, so the tolerances (about 5 standard errors) are deterministic.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "sim/engine/distribution.h"

using consim::Distribution;
using consim::Rng;
using consim::Time;

namespace {

constexpr int kN = 200000;
constexpr double kPi = 3.14159265358979323846;

struct Stats {
  double mean = 0;
  double var = 0;
  Time min = std::numeric_limits<Time>::max();
  Time max = std::numeric_limits<Time>::min();
  std::vector<double> ms;  // every sample, in ms
};

Stats collect(const Distribution& d, std::uint64_t seed, int n = kN) {
  Rng rng(seed, 1);
  Stats s;
  s.ms.reserve(static_cast<std::size_t>(n));
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    const Time t = d.sample(rng);
    if (t < s.min) s.min = t;
    if (t > s.max) s.max = t;
    const double ms = static_cast<double>(t) / 1e6;
    s.ms.push_back(ms);
    sum += ms;
  }
  s.mean = sum / n;
  double sq = 0;
  for (double x : s.ms) sq += (x - s.mean) * (x - s.mean);
  s.var = sq / (n - 1);
  return s;
}

// |observed mean - mu| within 5 standard errors for variance `var`.
void check_mean(const Stats& s, double mu, double var, int n = kN) {
  const double se = std::sqrt(var / n);
  INFO("observed mean " << s.mean << ", expected " << mu << ", se " << se);
  CHECK(std::fabs(s.mean - mu) < 5 * se);
}

void check_var(const Stats& s, double var, double rel_tol) {
  INFO("observed variance " << s.var << ", expected " << var);
  CHECK(std::fabs(s.var - var) < rel_tol * var);
}

double fraction_at_most(const Stats& s, double ms) {
  std::size_t k = 0;
  for (double x : s.ms) {
    if (x <= ms) ++k;
  }
  return static_cast<double>(k) / static_cast<double>(s.ms.size());
}

// The mean and variance of N(mu, sigma) conditioned on x >= 0, by numerical
// integration (Simpson's rule), independent of the closed form in the code.
void truncated_normal_moments(double mu, double sigma, double& mean, double& var) {
  const double lo = 0;
  const double hi = mu + 12 * sigma;
  const int steps = 200000;  // even
  const double h = (hi - lo) / steps;
  double z = 0, m1 = 0, m2 = 0;
  for (int i = 0; i <= steps; ++i) {
    const double x = lo + h * i;
    const double w = (i == 0 || i == steps) ? 1 : (i % 2 ? 4 : 2);
    const double f = std::exp(-0.5 * ((x - mu) / sigma) * ((x - mu) / sigma));
    z += w * f;
    m1 += w * f * x;
    m2 += w * f * x * x;
  }
  mean = m1 / z;
  var = m2 / z - mean * mean;
}

}  // namespace

TEST_CASE("sample_standard_normal has mean 0, variance 1 and the 68% rule") {
  Rng rng(7, 7);
  double sum = 0, sq = 0;
  int within1 = 0;
  for (int i = 0; i < kN; ++i) {
    const double z = consim::sample_standard_normal(rng);
    sum += z;
    sq += z * z;
    if (std::fabs(z) < 1) ++within1;
  }
  CHECK(std::fabs(sum / kN) < 5 * std::sqrt(1.0 / kN));
  CHECK(std::fabs(sq / kN - 1) < 5 * std::sqrt(2.0 / kN));
  const double p1 = std::erf(1 / std::sqrt(2.0));  // 0.6827
  CHECK(std::fabs(static_cast<double>(within1) / kN - p1) < 5 * std::sqrt(p1 * (1 - p1) / kN));
}

TEST_CASE("sample_standard_normal: its CDF is the normal's everywhere, the tail beyond the ziggurat's base included") {
  // 2 M samples: the empirical CDF at every quarter from -4.5 to 4.5 (the
  // ziggurat's base ends at 3.654, so the last points are in its tail) within
  // 5 binomial standard errors of Phi, a Kolmogorov-Smirnov distance below
  // its 0.1% critical value, and the third and fourth moments 0 and 3.
  constexpr int n = 2000000;
  Rng rng(2026, 12);
  std::vector<double> z(n);
  for (double& v : z) v = consim::sample_standard_normal(rng);
  std::sort(z.begin(), z.end());
  const auto phi = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
  for (double x = -4.5; x <= 4.5; x += 0.25) {
    const double observed =
        static_cast<double>(std::upper_bound(z.begin(), z.end(), x) - z.begin()) / n;
    const double p = phi(x);
    INFO("x = " << x << ": observed " << observed << ", Phi " << p);
    CHECK(std::fabs(observed - p) <= 5 * std::sqrt(p * (1 - p) / n) + 1.0 / n);
  }
  double d = 0;
  for (int i = 0; i < n; ++i) {
    const double p = phi(z[static_cast<std::size_t>(i)]);
    d = std::max(d, std::max(std::fabs(p - static_cast<double>(i) / n), std::fabs(static_cast<double>(i + 1) / n - p)));
  }
  CHECK(d < 1.95 / std::sqrt(static_cast<double>(n)));
  double m3 = 0, m4 = 0;
  for (double v : z) {
    m3 += v * v * v;
    m4 += v * v * v * v;
  }
  CHECK(std::fabs(m3 / n) < 5 * std::sqrt(15.0 / n));       // Var(z^3) = 15
  CHECK(std::fabs(m4 / n - 3) < 5 * std::sqrt(96.0 / n));   // Var(z^4) = 105 - 9
  const double beyond = static_cast<double>(z.end() - std::upper_bound(z.begin(), z.end(), 3.6541528853610088)) / n;
  const double p_tail = 1 - phi(3.6541528853610088);
  CHECK(beyond > 0);
  CHECK(std::fabs(beyond - p_tail) < 5 * std::sqrt(p_tail / n));
}

TEST_CASE("samples are rounded to the nearest ns, halves away from zero, as llround rounds") {
  Rng rng(99, 1);
  Rng unused(1, 1);
  for (int i = 0; i < 100000; ++i) {
    // Whole and half nanoseconds (exact ties), and arbitrary values.
    const std::uint64_t k = rng.next_below(2000000000);
    const double ms = (i % 3 == 0) ? (static_cast<double>(k) + 0.5) / 1e6
                      : (i % 3 == 1) ? static_cast<double>(k) / 1e6
                                     : rng.next_double() * 1e4;
    const Time expected = static_cast<Time>(std::llround(ms * 1e6));
    REQUIRE(Distribution::constant_ms(ms).sample(unused) == expected);
  }
  CHECK(Distribution::constant_ms(-1).sample(unused) == 0);
  CHECK(Distribution::constant_ms(std::nan("")).sample(unused) == 0);
  CHECK(Distribution::constant_ms(1e300).sample(unused) == 1000000000000000);
}

TEST_CASE("constant") {
  const auto d = Distribution::constant_ms(5);
  Rng rng(1, 1);
  for (int i = 0; i < 100; ++i) CHECK(d.sample(rng) == 5'000'000);
  CHECK(d.mean_ms() == 5);
  CHECK(Distribution::constant_ms(0.0000004).sample(rng) == 0);   // rounds to 0 ns
  CHECK(Distribution::constant_ms(0.0000006).sample(rng) == 1);   // rounds to 1 ns
  CHECK(Distribution::constant_ms(-3).sample(rng) == 0);          // never negative
}

TEST_CASE("fixed_ns: a constant's sample, shift included, drawn from nothing; -1 for every type that draws") {
  std::vector<Distribution> constants;
  for (double ms : {0.0, 1.0, 0.0000004, 0.0000006, 2.5, -3.0, 1e300, std::nan("")}) {
    constants.push_back(Distribution::constant_ms(ms));
    Distribution shifted = Distribution::constant_ms(ms);
    shifted.shift_ms = 0.75;
    constants.push_back(shifted);
  }
  for (const Distribution& d : constants) {
    Rng rng(7, 3), untouched(7, 3);
    const Time fixed = d.fixed_ns();
    CHECK(fixed >= 0);
    for (int i = 0; i < 10; ++i) CHECK(d.sample(rng) == fixed);
    CHECK(rng.next_u64() == untouched.next_u64());  // sample() drew nothing, so skipping it changes no stream
  }
  Distribution zero_width = Distribution::uniform_ms(3, 3);
  for (const Distribution& d : {zero_width, Distribution::exponential_ms(1), Distribution::normal_ms(1, 0),
                                Distribution::lognormal_ms(1, 0), Distribution::pareto_ms(1, 2)})
    CHECK(d.fixed_ns() == -1);
  Distribution mix;
  mix.kind = Distribution::Kind::mixture;
  mix.components = {Distribution::constant_ms(1)};
  CHECK(mix.fixed_ns() == -1);  // picking the component draws
}

TEST_CASE("uniform: within bounds, mean and variance") {
  const auto d = Distribution::uniform_ms(1, 10);
  const Stats s = collect(d, 11);
  CHECK(s.min >= 1'000'000);
  CHECK(s.max <= 10'000'000);
  const double var = 81.0 / 12;
  check_mean(s, 5.5, var);
  check_var(s, var, 0.02);
  CHECK(d.mean_ms() == doctest::Approx(5.5));
  // Roughly flat: a quarter of the mass below 3.25 ms.
  CHECK(std::fabs(fraction_at_most(s, 3.25) - 0.25) < 0.005);
}

TEST_CASE("exponential: mean, variance, memoryless tail") {
  const auto d = Distribution::exponential_ms(5);
  const Stats s = collect(d, 12);
  CHECK(s.min >= 0);
  check_mean(s, 5, 25);
  check_var(s, 25, 0.03);
  CHECK(d.mean_ms() == doctest::Approx(5));
  // P(X <= mean) = 1 - 1/e.
  CHECK(std::fabs(fraction_at_most(s, 5) - (1 - std::exp(-1.0))) < 0.005);
}

TEST_CASE("normal truncated at 0: never negative, mean matches the truncated formula") {
  SUBCASE("barely truncated") {
    const auto d = Distribution::normal_ms(5, 1);
    const Stats s = collect(d, 13);
    CHECK(s.min >= 0);
    check_mean(s, 5, 1);
    check_var(s, 1, 0.02);
    CHECK(d.mean_ms() == doctest::Approx(5).epsilon(1e-6));
  }
  SUBCASE("heavily truncated") {
    const double mu = 1, sigma = 2;
    double mean = 0, var = 0;
    truncated_normal_moments(mu, sigma, mean, var);
    const auto d = Distribution::normal_ms(mu, sigma);
    CHECK(d.mean_ms() == doctest::Approx(mean).epsilon(1e-6));
    const Stats s = collect(d, 14);
    CHECK(s.min >= 0);
    check_mean(s, mean, var);
    check_var(s, var, 0.03);
    // Clearly above the untruncated mean.
    CHECK(s.mean > mu + 0.5);
  }
  SUBCASE("mean below zero") {
    const double mu = -1, sigma = 1;
    double mean = 0, var = 0;
    truncated_normal_moments(mu, sigma, mean, var);
    const auto d = Distribution::normal_ms(mu, sigma);
    CHECK(d.mean_ms() == doctest::Approx(mean).epsilon(1e-6));
    const Stats s = collect(d, 15);
    CHECK(s.min >= 0);
    // With P(x >= 0) = 0.159, 64 tries fail with probability 0.841^64 ~ 2e-5,
    // which shifts the mean by far less than the tolerance.
    check_mean(s, mean, var);
  }
  SUBCASE("hopeless: gives 0, never negative") {
    const auto d = Distribution::normal_ms(-1000, 1);
    Rng rng(3, 3);
    for (int i = 0; i < 100; ++i) CHECK(d.sample(rng) == 0);
  }
  SUBCASE("zero stddev") {
    const auto d = Distribution::normal_ms(5, 0);
    Rng rng(3, 3);
    CHECK(d.sample(rng) == 5'000'000);
    CHECK(d.mean_ms() == 5);
  }
}

TEST_CASE("lognormal: median, mean and variance") {
  const double median = 5, sigma = 0.5;
  const auto d = Distribution::lognormal_ms(median, sigma);
  const Stats s = collect(d, 16);
  CHECK(s.min >= 0);
  const double e = std::exp(sigma * sigma);
  const double mean = median * std::sqrt(e);
  const double var = median * median * e * (e - 1);
  check_mean(s, mean, var);
  check_var(s, var, 0.05);
  CHECK(d.mean_ms() == doctest::Approx(mean));
  CHECK(std::fabs(fraction_at_most(s, median) - 0.5) < 0.005);
}

TEST_CASE("pareto: minimum is the scale, mean, tail, variance") {
  SUBCASE("shape 2.5") {
    const double scale = 1, shape = 2.5;
    const auto d = Distribution::pareto_ms(scale, shape);
    const Stats s = collect(d, 17);
    CHECK(s.min >= 1'000'000);
    const double mean = shape * scale / (shape - 1);
    const double var = scale * scale * shape / ((shape - 1) * (shape - 1) * (shape - 2));
    check_mean(s, mean, var);
    CHECK(d.mean_ms() == doctest::Approx(mean));
    // P(X > 2 scale) = 2^-shape.
    const double tail = 1 - fraction_at_most(s, 2 * scale);
    CHECK(std::fabs(tail - std::pow(2.0, -shape)) < 0.005);
  }
  SUBCASE("shape 5 (finite fourth moment): variance") {
    const double scale = 2, shape = 5;
    const auto d = Distribution::pareto_ms(scale, shape);
    const Stats s = collect(d, 18);
    CHECK(s.min >= 2'000'000);
    const double mean = shape * scale / (shape - 1);
    const double var = scale * scale * shape / ((shape - 1) * (shape - 1) * (shape - 2));
    check_mean(s, mean, var);
    check_var(s, var, 0.05);
  }
  SUBCASE("shape <= 1: infinite mean, samples clamped, never negative") {
    CHECK(std::isinf(Distribution::pareto_ms(1, 1).mean_ms()));
    CHECK(std::isinf(Distribution::pareto_ms(1, 0.5).mean_ms()));
    const auto d = Distribution::pareto_ms(1, 0.05);
    Rng rng(19, 1);
    Time biggest = 0;
    for (int i = 0; i < 10000; ++i) {
      const Time t = d.sample(rng);
      REQUIRE(t >= 1'000'000);
      REQUIRE(t <= 1'000'000'000'000'000);  // 10^15 ns cap
      if (t > biggest) biggest = t;
    }
    CHECK(biggest == 1'000'000'000'000'000);  // u^-20 exceeds 10^9 for u < 0.35
  }
}

TEST_CASE("mixture: picks components in proportion to weights") {
  Distribution m;
  m.kind = Distribution::Kind::mixture;
  m.components = {Distribution::constant_ms(1), Distribution::constant_ms(100)};
  m.weights = {9, 1};  // normalised to 0.9 / 0.1
  const Stats s = collect(m, 20);
  std::size_t slow = 0;
  for (double x : s.ms) {
    REQUIRE((x == 1 || x == 100));
    if (x == 100) ++slow;
  }
  const double p = static_cast<double>(slow) / kN;
  CHECK(std::fabs(p - 0.1) < 5 * std::sqrt(0.1 * 0.9 / kN));
  CHECK(m.mean_ms() == doctest::Approx(0.9 * 1 + 0.1 * 100));
  CHECK(m.describe() == "mixture(0.9: constant 1 ms, 0.1: constant 100 ms)");

  SUBCASE("zero-weight components are never picked; nested distributions sample") {
    Distribution m3;
    m3.kind = Distribution::Kind::mixture;
    m3.components = {Distribution::constant_ms(1), Distribution::constant_ms(2),
                     Distribution::exponential_ms(10)};
    m3.weights = {0.25, 0, 0.75};
    const Stats s3 = collect(m3, 21, 100000);
    std::size_t ones = 0;
    for (double x : s3.ms) {
      REQUIRE(x != 2);
      if (x == 1) ++ones;
    }
    // The exponential almost never gives exactly 1.000000 ms.
    CHECK(std::fabs(static_cast<double>(ones) / 100000 - 0.25) < 0.007);
    CHECK(m3.mean_ms() == doctest::Approx(0.25 * 1 + 0.75 * 10));
    check_mean(s3, m3.mean_ms(), 0.25 * 1 + 0.75 * 200 - m3.mean_ms() * m3.mean_ms(), 100000);
  }
}

TEST_CASE("determinism: the same seed gives the same samples") {
  Distribution m;
  m.kind = Distribution::Kind::mixture;
  m.components = {Distribution::normal_ms(5, 2), Distribution::lognormal_ms(3, 1),
                  Distribution::pareto_ms(1, 1.5), Distribution::uniform_ms(0, 4),
                  Distribution::exponential_ms(2)};
  m.weights = {1, 1, 1, 1, 1};
  Rng a(555, 9), b(555, 9), c(556, 9);
  int differ = 0;
  for (int i = 0; i < 10000; ++i) {
    const Time x = m.sample(a);
    const Time y = m.sample(b);
    const Time z = m.sample(c);
    REQUIRE(x == y);
    REQUIRE(x >= 0);
    if (x != z) ++differ;
  }
  CHECK(differ > 9000);
}

TEST_CASE("describe") {
  CHECK(Distribution::constant_ms(5).describe() == "constant 5 ms");
  CHECK(Distribution::uniform_ms(1, 10).describe() == "uniform 1..10 ms");
  CHECK(Distribution::exponential_ms(5).describe() == "exponential mean 5 ms");
  CHECK(Distribution::normal_ms(5, 1).describe() == "normal mean 5 ms sd 1 ms (truncated at 0)");
  CHECK(Distribution::lognormal_ms(5, 0.8).describe() == "lognormal median 5 ms sigma 0.8");
  CHECK(Distribution::pareto_ms(1, 2.5).describe() == "pareto scale 1 ms shape 2.5");
  CHECK(Distribution::constant_ms(0.25).describe() == "constant 0.25 ms");
}

TEST_CASE("Zipf") {
  SUBCASE("s = 0 is uniform") {
    const consim::ZipfSampler z(10, 0);
    CHECK(z.size() == 10);
    Rng rng(30, 0);
    std::vector<int> counts(10, 0);
    const int n = 100000;
    for (int i = 0; i < n; ++i) {
      const std::uint32_t k = z.sample(rng);
      REQUIRE(k < 10);
      ++counts[k];
    }
    double chi2 = 0;
    for (int c : counts) chi2 += (c - n / 10.0) * (c - n / 10.0) / (n / 10.0);
    CHECK(chi2 < 27.9);  // 9 dof, p = 0.001
  }
  SUBCASE("s = 1: rank 0 has probability 1/H_n; frequencies non-increasing") {
    const std::uint32_t n = 100;
    const consim::ZipfSampler z(n, 1);
    double h = 0;
    for (std::uint32_t k = 1; k <= n; ++k) h += 1.0 / k;
    Rng rng(31, 0);
    std::vector<int> counts(n, 0);
    const int draws = 200000;
    for (int i = 0; i < draws; ++i) {
      const std::uint32_t k = z.sample(rng);
      REQUIRE(k < n);
      ++counts[k];
    }
    const double p0 = 1 / h;
    CHECK(std::fabs(static_cast<double>(counts[0]) / draws - p0) < 5 * std::sqrt(p0 * (1 - p0) / draws));
    const double p1 = 0.5 / h;
    CHECK(std::fabs(static_cast<double>(counts[1]) / draws - p1) < 5 * std::sqrt(p1 * (1 - p1) / draws));
    for (std::uint32_t k = 1; k < n; ++k) {
      // Non-increasing up to sampling noise (5 sd of the difference).
      const double tol = 5 * std::sqrt(static_cast<double>(counts[k] + counts[k - 1]));
      INFO("rank " << k);
      CHECK(counts[k] <= counts[k - 1] + tol);
    }
    // Strongly skewed: the first 10 ranks carry H_10/H_100 of the mass.
    int top10 = 0;
    for (std::uint32_t k = 0; k < 10; ++k) top10 += counts[k];
    double h10 = 0;
    for (int k = 1; k <= 10; ++k) h10 += 1.0 / k;
    CHECK(std::fabs(static_cast<double>(top10) / draws - h10 / h) < 0.01);
  }
  SUBCASE("s = 2: probabilities 1/((k+1)^2 zeta_n(2))") {
    const std::uint32_t n = 1000;
    const consim::ZipfSampler z(n, 2);
    double zeta = 0;
    for (std::uint32_t k = 1; k <= n; ++k) zeta += 1.0 / (static_cast<double>(k) * k);
    Rng rng(33, 0);
    std::vector<int> counts(4, 0);
    const int draws = 200000;
    for (int i = 0; i < draws; ++i) {
      const std::uint32_t k = z.sample(rng);
      REQUIRE(k < n);
      if (k < 4) ++counts[k];
    }
    for (std::uint32_t k = 0; k < 4; ++k) {
      const double p = 1.0 / ((k + 1.0) * (k + 1.0) * zeta);
      INFO("rank " << k);
      CHECK(std::fabs(static_cast<double>(counts[k]) / draws - p) < 5 * std::sqrt(p * (1 - p) / draws));
    }
  }
  SUBCASE("every draw's rank is the first whose cumulative probability exceeds it, as a search over all ranks finds") {
    // The guide table only shortens the search: at bucket boundaries
    // (u = j / G exactly, and the doubles either side), at the cumulative
    // probabilities themselves and either side of them, and at random draws.
    for (const auto& [n, s] : std::vector<std::pair<std::uint32_t, double>>{
             {1, 0}, {2, 0.5}, {3, 1}, {10, 0}, {100, 0.9}, {1000, 0.9}, {1000, 2}, {4097, 1.2}, {20000, 0.5}}) {
      const consim::ZipfSampler z(n, s);
      std::vector<double> cdf(n);
      double total = 0;
      for (std::uint32_t k = 0; k < n; ++k) cdf[k] = total += s == 0 ? 1.0 : 1.0 / std::pow(k + 1.0, s);
      for (auto& c : cdf) c /= total;
      cdf.back() = 1.0;
      const auto reference = [&](double u) {
        const auto k = static_cast<std::uint32_t>(std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
        return std::min(k, n - 1);
      };
      std::vector<double> us = {0.0, std::nextafter(1.0, 0.0)};
      for (double g = 1; g <= (1 << 23); g *= 2)
        for (double j = 0; j < g && j < 64; ++j) us.push_back(j / g);
      for (double j = 0; j < 1 << 16; ++j) us.push_back(j / (1 << 16));
      for (const double c : cdf) {
        us.push_back(c);
        us.push_back(std::nextafter(c, 0.0));
        us.push_back(std::nextafter(c, 2.0));
      }
      Rng rng(34, n);
      for (int i = 0; i < 100000; ++i) us.push_back(rng.next_double());
      std::size_t wrong = 0;
      for (double u : us) {
        if (!(u >= 0 && u < 1)) continue;
        const std::size_t before = wrong;
        if (z.rank(u) != reference(u)) ++wrong;
        if (wrong > before && wrong <= 3) FAIL_CHECK("n " << n << " s " << s << " u " << u << ": rank " << z.rank(u) << ", first exceeding " << reference(u));
      }
      INFO("n " << n << " s " << s);
      CHECK(wrong == 0);
    }
  }
  SUBCASE("degenerate sizes") {
    const consim::ZipfSampler one(1, 1.2);
    Rng rng(32, 0);
    for (int i = 0; i < 100; ++i) CHECK(one.sample(rng) == 0);
    const consim::ZipfSampler none;
    CHECK(none.size() == 0);
  }
}

TEST_CASE("shift_ms: every sample moves by the shift, the draws stay the same") {
  // A wide-area link: 75 ms of propagation under an exponential queueing tail.
  Distribution base = Distribution::exponential_ms(4);
  Distribution shifted = base;
  shifted.shift_ms = 75;
  const Stats b = collect(base, 11);
  const Stats s = collect(shifted, 11);
  CHECK(s.min >= 75 * 1000000);
  check_mean(s, 75 + 4, 16);  // exponential variance mean^2
  check_var(s, 16, 0.05);     // a shift leaves the spread alone
  // Same seed, same draws: each sample is the unshifted one plus 75 ms exactly.
  for (std::size_t i = 0; i < b.ms.size(); i += 997) CHECK(std::llround((s.ms[i] - b.ms[i]) * 1e6) == 75000000);
  CHECK(shifted.mean_ms() == doctest::Approx(79));
  CHECK(shifted.describe() == base.describe() + " + 75 ms");

  // In a mixture, each level's shift adds: the component's, then the mixture's.
  Distribution m;
  m.kind = Distribution::Kind::mixture;
  Distribution c1 = Distribution::constant_ms(1);
  c1.shift_ms = 2;
  m.components = {c1, Distribution::constant_ms(10)};
  m.weights = {1, 1};
  m.shift_ms = 100;
  const Stats ms = collect(m, 3, 20000);
  CHECK(ms.min == 103 * 1000000);
  CHECK(ms.max == 110 * 1000000);
  // Omitted (0), runs are byte-identical to before: the goldens check that.
}
