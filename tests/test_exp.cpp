// tests/test_exp.cpp: exp_portable (sim/engine/exp.h) against the C
// library's exp, and exactly where the answer is known.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "sim/engine/exp.h"
#include "sim/engine/rng.h"

namespace {

// How many representable doubles lie between a and b (both finite, same sign).
std::int64_t ulps_apart(double a, double b) {
  std::int64_t ia, ib;
  std::memcpy(&ia, &a, sizeof a);
  std::memcpy(&ib, &b, sizeof b);
  return ia > ib ? ia - ib : ib - ia;
}

}  // namespace

TEST_CASE("exp_portable: within 2 ulp of the C library's over the whole finite range") {
  consim::Rng rng(1, 2);
  std::int64_t worst = 0;
  double worst_x = 0;
  for (int i = 0; i < 1000000; ++i) {
    // Half the points where delays live (|x| < 10), half over every x whose
    // e^x is a normal double.
    const double u = rng.next_double();
    const double x = i % 2 ? (u - 0.5) * 20.0 : -708.0 + u * (709.7 + 708.0);
    const std::int64_t d = ulps_apart(consim::exp_portable(x), std::exp(x));
    if (d > worst) {
      worst = d;
      worst_x = x;
    }
  }
  INFO("worst at x = " << worst_x);
  CHECK(worst <= 2);
}

TEST_CASE("exp_portable: exact values, limits and the edges of the range") {
  CHECK(consim::exp_portable(0.0) == 1.0);
  CHECK(consim::exp_portable(-0.0) == 1.0);
  CHECK(ulps_apart(consim::exp_portable(1.0), 2.718281828459045) <= 1);  // e, the double nearest it
  CHECK(ulps_apart(consim::exp_portable(std::log(2.0)), 2.0) <= 1);
  CHECK(std::isnan(consim::exp_portable(std::numeric_limits<double>::quiet_NaN())));
  CHECK(consim::exp_portable(std::numeric_limits<double>::infinity()) == std::numeric_limits<double>::infinity());
  CHECK(consim::exp_portable(-std::numeric_limits<double>::infinity()) == 0.0);
  CHECK(consim::exp_portable(710.0) == std::numeric_limits<double>::infinity());
  CHECK(consim::exp_portable(-746.0) == 0.0);
  // The largest finite results and the subnormal ones agree with the C
  // library's to within 2 ulp of the result.
  for (double x = 709.0; x < 709.78; x += 0.01) CHECK(ulps_apart(consim::exp_portable(x), std::exp(x)) <= 2);
  for (double x = -745.0; x < -700.0; x += 0.37) {
    const double got = consim::exp_portable(x);
    const double want = std::exp(x);
    CHECK(got > 0);
    CHECK(ulps_apart(got, want) <= 2);
  }
  // Increasing where it should be.
  double prev = 0;
  for (double x = -20; x <= 20; x += 0.001) {
    const double y = consim::exp_portable(x);
    CHECK(y >= prev);
    prev = y;
  }
}
