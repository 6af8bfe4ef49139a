// tests/test_histogram.cpp: quantiles within the advertised ~3% of exact
// nearest-rank quantiles; exact count/min/max/mean; merge.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "sim/engine/histogram.h"
#include "sim/engine/rng.h"

using consim::Histogram;
using consim::Rng;
using consim::Time;

namespace {

// The exact nearest-rank quantile of sorted data.
Time exact_quantile(const std::vector<Time>& sorted, double q) {
  const auto n = sorted.size();
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(n) - 1e-9));
  if (rank < 1) rank = 1;
  if (rank > n) rank = n;
  return sorted[rank - 1];
}

const double kQs[] = {0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999, 1};

}  // namespace

TEST_CASE("histogram: 1..100000 ns uniform") {
  Histogram h;
  for (Time v = 1; v <= 100000; ++v) h.record(v);
  CHECK(h.count() == 100000);
  CHECK(h.min() == 1);
  CHECK(h.max() == 100000);
  CHECK(h.mean() == doctest::Approx(50000.5));
  CHECK(std::fabs(static_cast<double>(h.quantile(0.5)) - 50000) <= 0.03 * 50000);
  CHECK(std::fabs(static_cast<double>(h.quantile(0.99)) - 99000) <= 0.03 * 99000);
  CHECK(std::fabs(static_cast<double>(h.quantile(0.9)) - 90000) <= 0.03 * 90000);
  CHECK(h.quantile(1.0) == 100000);
  CHECK(h.quantile(0.0) == 1);
  CHECK(h.quantile(0.00001) == 1);  // rank 1
}

TEST_CASE("histogram: the bucket midpoint is unbiased on dense data") {
  // Over 1..100000 each once, the signed relative error averaged over many
  // quantiles is near 0 (reporting a bucket's low or high end would bias it
  // by about half a bucket, ~1%).
  Histogram h;
  std::vector<Time> data;
  for (Time v = 1; v <= 100000; ++v) {
    h.record(v);
    data.push_back(v);
  }
  double bias = 0, worst = 0;
  const int m = 999;
  for (int i = 1; i <= m; ++i) {
    const double q = i / 1000.0;
    const double exact = static_cast<double>(exact_quantile(data, q));
    const double rel = (static_cast<double>(h.quantile(q)) - exact) / exact;
    bias += rel / m;
    worst = std::max(worst, std::fabs(rel));
  }
  INFO("bias " << bias << " worst " << worst);
  CHECK(std::fabs(bias) < 0.002);
  CHECK(worst <= 1.0 / 64);
}

TEST_CASE("histogram: small values are exact") {
  Histogram h;
  for (Time v = 0; v < 64; ++v) h.record(v);
  // Nearest rank over 0..63: rank ceil(q*64), value rank-1.
  CHECK(h.quantile(0.5) == 31);
  CHECK(h.quantile(0.25) == 15);
  CHECK(h.quantile(0.75) == 47);
  CHECK(h.quantile(1) == 63);
  CHECK(h.quantile(0) == 0);
  for (int k = 1; k <= 64; ++k) {
    const double q = k / 64.0;
    CHECK(h.quantile(q) == k - 1);
  }
}

TEST_CASE("histogram: a nearest-rank quantile that is a float product") {
  Histogram h;
  for (Time v = 1; v <= 100; ++v) h.record(v);
  // 0.07 * 100 is 7.000000000000001 in binary; the rank is still 7.
  CHECK(h.quantile(0.07) == 7);
  CHECK(h.quantile(0.5) == 50);
  CHECK(h.quantile(0.505) == 51);
}

TEST_CASE("histogram: random heavy-tailed data within 3.2% of the exact quantiles") {
  Rng rng(77, 1);
  Histogram h;
  std::vector<Time> data;
  for (int i = 0; i < 100000; ++i) {
    // Log-uniform over [1 ns, ~2^40 ns] so every bucket size is exercised.
    const double u = rng.next_double();
    const Time v = static_cast<Time>(std::exp(u * 40 * std::log(2.0)));
    data.push_back(v);
    h.record(v);
  }
  std::sort(data.begin(), data.end());
  CHECK(h.min() == data.front());
  CHECK(h.max() == data.back());
  for (double q : kQs) {
    const Time exact = exact_quantile(data, q);
    const Time got = h.quantile(q);
    INFO("q=" << q << " exact=" << exact << " got=" << got);
    CHECK(std::fabs(static_cast<double>(got - exact)) <= 0.032 * static_cast<double>(exact));
    // Reporting the bucket midpoint is tighter still: half a bucket, <= 1/64.
    CHECK(std::fabs(static_cast<double>(got - exact)) <= static_cast<double>(exact) / 64 + 0.5);
    CHECK(got >= h.min());
    CHECK(got <= h.max());
  }
  // Quantiles are monotone in q.
  Time prev = h.quantile(0);
  for (int i = 1; i <= 1000; ++i) {
    const Time t = h.quantile(i / 1000.0);
    REQUIRE(t >= prev);
    prev = t;
  }
}

TEST_CASE("histogram: empty") {
  Histogram h;
  CHECK(h.count() == 0);
  CHECK(h.min() == 0);
  CHECK(h.max() == 0);
  CHECK(h.mean() == 0.0);
  CHECK(h.quantile(0.5) == 0);
  CHECK(h.quantile(1) == 0);
}

TEST_CASE("histogram: a single value") {
  Histogram h;
  h.record(123456789);
  for (double q : kQs) CHECK(h.quantile(q) == 123456789);
  CHECK(h.mean() == 123456789.0);
}

TEST_CASE("histogram: merge equals recording into one") {
  Rng rng(88, 2);
  Histogram all, a, b, empty;
  for (int i = 0; i < 50000; ++i) {
    const std::uint64_t r = rng.next_below(10'000'000);
    const Time v = static_cast<Time>(r);
    all.record(v);
    if (i % 3 == 0) {
      a.record(v);
    } else {
      b.record(v);
    }
  }
  Histogram merged;
  merged.merge(empty);  // merging an empty histogram changes nothing
  CHECK(merged.count() == 0);
  merged.merge(a);  // into an empty one: takes min/max from `a`
  CHECK(merged.min() == a.min());
  CHECK(merged.max() == a.max());
  merged.merge(b);
  merged.merge(empty);
  CHECK(merged.count() == all.count());
  CHECK(merged.min() == all.min());
  CHECK(merged.max() == all.max());
  CHECK(merged.mean() == all.mean());
  for (int i = 0; i <= 1000; ++i) {
    const double q = i / 1000.0;
    REQUIRE(merged.quantile(q) == all.quantile(q));
  }
}

TEST_CASE("histogram: zero, negative and huge values") {
  Histogram h;
  const Time huge = std::numeric_limits<Time>::max();
  h.record(0);
  h.record(-5);  // recorded as 0
  h.record(huge);
  h.record(huge);
  CHECK(h.count() == 4);
  CHECK(h.min() == 0);
  CHECK(h.max() == huge);
  CHECK(h.quantile(0) == 0);
  CHECK(h.quantile(0.5) == 0);
  CHECK(h.quantile(1) == huge);
  // rank 3 is in the top bucket; its midpoint is within 3% of the max.
  const Time q75 = h.quantile(0.75);
  CHECK(q75 <= huge);
  CHECK(static_cast<double>(q75) >= 0.97 * static_cast<double>(huge));
  // The sum does not overflow: mean = 2 * (2^63 - 1) / 4.
  CHECK(h.mean() == doctest::Approx(static_cast<double>(huge) / 2));

  // Powers of two and their neighbours land in sensible buckets.
  for (int e = 6; e < 63; ++e) {
    const Time v = Time{1} << e;
    for (Time x : {v - 1, v, v + 1}) {
      Histogram one;
      one.record(x);
      one.record(x);
      one.record(0);
      // rank 2 of {0, x, x}: x, reported within 1/32 of x (and clamped to it).
      const Time got = one.quantile(0.5);
      INFO("x=" << x << " got=" << got);
      CHECK(got <= x);
      CHECK(static_cast<double>(got) >= static_cast<double>(x) * (1 - 1.0 / 32));
    }
  }
}
