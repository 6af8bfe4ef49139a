// sim/predict/k_staleness.cpp: closed forms (sim/predict/k_staleness.h).
#include "sim/predict/k_staleness.h"

namespace consim {

namespace {

// C(a - d, q) / C(a, q) as a product of q ratios (no overflow): the share of
// q-subsets of a items that avoid d given items. 0 when a - d < q.
double avoid_ratio(std::uint32_t a, std::uint32_t d, std::uint32_t q) {
  if (d > a || q > a - d) return 0.0;
  double p = 1.0;
  for (std::uint32_t i = 0; i < q; ++i) {
    const double num = static_cast<double>(a - d - i);
    const double den = static_cast<double>(a - i);
    p *= num / den;
  }
  return p;
}

}  // namespace

double quorum_miss_probability(std::uint32_t n, std::uint32_t w, std::uint32_t q) {
  if (n == 0) return 0.0;
  return avoid_ratio(n, w > n ? n : w, q > n ? n : q);
}

double leader_miss_probability(std::uint32_t n, std::uint32_t w, std::uint32_t q) {
  if (n <= 1 || w == 0 || q == 0) return 0.0;
  if (w > n) w = n;
  if (q > n) q = n;
  const double leader_not_asked = avoid_ratio(n - 1, 1, q - 1);
  const double followers_miss = avoid_ratio(n - 1, q, w - 1);
  return leader_not_asked * followers_miss;
}

double p_within_k(double miss, std::uint32_t k) {
  double m = 1.0;
  for (std::uint32_t i = 0; i < k; ++i) m *= miss;
  return 1.0 - m;
}

}  // namespace consim
