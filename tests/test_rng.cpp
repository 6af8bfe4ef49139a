// tests/test_rng.cpp: splitmix64 known answers and the statistical shape of Rng.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "sim/engine/rng.h"

using consim::Rng;

TEST_CASE("splitmix64 matches the reference implementation's published outputs") {
  // From the splitmix64.c reference test: seed 1234567.
  std::uint64_t state = 1234567;
  const std::uint64_t expected[] = {6457827717110365317ULL, 3203168211198807973ULL,
                                    9817491932198370423ULL, 4593380528125082431ULL,
                                    16408922859458223821ULL};
  for (std::uint64_t e : expected) CHECK(consim::splitmix64(state) == e);
}

TEST_CASE("Rng: same (seed, stream) gives the same sequence") {
  Rng a(42, 7);
  Rng b(42, 7);
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t x = a.next_u64();
    const std::uint64_t y = b.next_u64();
    REQUIRE(x == y);
  }
}

namespace {
int count_equal_prefix(Rng a, Rng b, int n) {
  int same = 0;
  for (int i = 0; i < n; ++i) {
    const std::uint64_t x = a.next_u64();
    const std::uint64_t y = b.next_u64();
    if (x == y) ++same;
  }
  return same;
}
}  // namespace

TEST_CASE("Rng: different streams or seeds give different sequences") {
  CHECK(count_equal_prefix(Rng(42, 0), Rng(42, 1), 1000) == 0);
  CHECK(count_equal_prefix(Rng(42, 1), Rng(43, 1), 1000) == 0);
  CHECK(count_equal_prefix(Rng(0, 0), Rng(0, 1), 1000) == 0);
  CHECK(count_equal_prefix(Rng(1, 0), Rng(0, 1), 1000) == 0);
  // Stream ids from component names are distinct too.
  CHECK(consim::stream_id("network") != consim::stream_id("faults"));
  CHECK(consim::stream_id("client", 0) != consim::stream_id("client", 1));
  CHECK(consim::stream_id("client", 3) == consim::stream_id("client", 3));
}

TEST_CASE("Rng: next_double is in [0, 1) and next_double_open0 in (0, 1]") {
  Rng rng(1, 2);
  double sum = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    const double u = rng.next_double();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    const double v = rng.next_double_open0();
    REQUIRE(v > 0.0);
    REQUIRE(v <= 1.0);
    sum += u;
  }
  // Mean 1/2, sd of the mean sqrt(1/12/n) ~ 0.0009.
  CHECK(std::fabs(sum / n - 0.5) < 0.005);
}

TEST_CASE("Rng: next_below is below the bound and roughly uniform") {
  Rng rng(2024, 3);
  const int buckets = 10;
  const int n = 100000;
  std::vector<int> counts(buckets, 0);
  for (int i = 0; i < n; ++i) {
    const std::uint64_t k = rng.next_below(buckets);
    REQUIRE(k < static_cast<std::uint64_t>(buckets));
    ++counts[static_cast<std::size_t>(k)];
  }
  const double expected = static_cast<double>(n) / buckets;
  double chi2 = 0;
  for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
  // 9 degrees of freedom: P(chi2 > 27.9) = 0.001.
  CHECK(chi2 < 27.9);

  CHECK(rng.next_below(1) == 0);
  // A bound just above 2^63 exercises the rejection path; results stay below it.
  const std::uint64_t big = (std::uint64_t{1} << 63) + 12345;
  int upper_half = 0;
  for (int i = 0; i < 10000; ++i) {
    const std::uint64_t k = rng.next_below(big);
    REQUIRE(k < big);
    if (k >= big / 2) ++upper_half;
  }
  CHECK(upper_half > 4700);
  CHECK(upper_half < 5300);
}

TEST_CASE("Rng: bernoulli frequency") {
  Rng rng(99, 0);
  const int n = 100000;
  for (double p : {0.1, 0.5, 0.9}) {
    int hits = 0;
    for (int i = 0; i < n; ++i) {
      if (rng.bernoulli(p)) ++hits;
    }
    const double sd = std::sqrt(p * (1 - p) / n);
    CHECK(std::fabs(static_cast<double>(hits) / n - p) < 5 * sd);
  }
  for (int i = 0; i < 1000; ++i) {
    const bool never = rng.bernoulli(0.0);
    const bool always = rng.bernoulli(1.0);
    REQUIRE_FALSE(never);
    REQUIRE(always);
  }
}
