// sim/engine/distribution.h: delay and think-time distributions, sampled with the
// project's own code (std:: distributions differ between standard libraries).
//
// Parameters are in milliseconds as users write them; samples are virtual
// nanoseconds, rounded to the nearest ns and never negative.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/types.h"
#include "sim/engine/exp.h"
#include "sim/engine/rng.h"

namespace consim {

struct Distribution {
  enum class Kind : std::uint8_t { constant, uniform, exponential, normal, lognormal, pareto, mixture };
  Kind kind = Kind::constant;
  // constant: a = value_ms
  // uniform: a = min_ms, b = max_ms
  // exponential: a = mean_ms
  // normal: a = mean_ms, b = stddev_ms (truncated at 0 by resampling; see .cpp)
  // lognormal: a = median_ms, b = sigma (of the natural log)
  // pareto: a = scale_ms (the minimum, x_m), b = shape (alpha > 0)
  double a = 0;
  double b = 0;
  // Every type: a constant added to each sample, in ms (>= 0): the
  // propagation floor under a variable tail. 0 leaves samples as they were.
  double shift_ms = 0;
  // mixture: components with weights (normalised at sampling time; > 0)
  std::vector<Distribution> components;
  std::vector<double> weights;

  static Distribution constant_ms(double ms);
  static Distribution uniform_ms(double lo, double hi);
  static Distribution exponential_ms(double mean);
  static Distribution normal_ms(double mean, double stddev);
  static Distribution lognormal_ms(double median, double sigma);
  static Distribution pareto_ms(double scale, double shape);

  // One sample, in nanoseconds (>= 0), shift_ms included. Draws one or more
  // numbers from rng (shift_ms draws none). An unshifted log-normal, nearly
  // every message's delay, is sampled inline (the same arithmetic as out of
  // line, so the same nanoseconds).
  Time sample(Rng& rng) const;

  // The sample, when every sample is the same and sampling draws nothing
  // (a constant, shift_ms included): what sample() returns, without the
  // call. -1 otherwise (anything else draws, even a uniform of zero width).
  Time fixed_ns() const;

  // The distribution's mean in ms (infinity for a Pareto with shape <= 1).
  double mean_ms() const;

  // A short human description, e.g. "lognormal(median 5 ms, sigma 0.8)".
  std::string describe() const;

 private:
  Time sample_unshifted(Rng& rng) const;
  double mean_unshifted_ms() const;
  std::string describe_unshifted() const;
};

// A standard normal variate: the ziggurat method, 256 layers (one draw for
// about 99% of samples; more, each in its own statement, for the rest).
// Inline: the one-draw path is a few instructions and runs for nearly every
// message's delay; the rest is out of line (distribution.cpp).
inline double sample_standard_normal(Rng& rng);

namespace detail {
// The ziggurat's layers (distribution.cpp says how they are built): x[i] is
// layer i's right edge, f[i] the density there; x[256] = 0.
struct ZigguratTable {
  static constexpr int kLayers = 256;
  double x[kLayers + 1];
  double f[kLayers + 1];
  ZigguratTable();
};
// Built once at start-up (no sample is drawn before main), so a sample does
// not pay a function-local static's guard.
inline const ZigguratTable kZigguratTable;
inline const ZigguratTable& ziggurat_table() { return kZigguratTable; }
// One 64-bit draw read as a point of the ziggurat: the layer (its low 8
// bits), the sign (bit 8) and the abscissa (its top 53 bits, scaled to the
// layer's width).
struct ZigguratPoint {
  std::uint64_t bits = 0;
  double x = 0;
  int layer() const { return static_cast<int>(bits & 0xff); }
  bool negative() const { return ((bits >> 8) & 1) != 0; }
  // Left of the next layer's edge: under the curve, accepted at once.
  bool inside(const ZigguratTable& z) const { return x < z.x[layer() + 1]; }
  double value() const { return negative() ? -x : x; }
};
inline ZigguratPoint ziggurat_point(std::uint64_t bits, const ZigguratTable& z) {
  return ZigguratPoint{bits, static_cast<double>(bits >> 11) * 0x1.0p-53 * z.x[bits & 0xff]};
}
// The rest of the ziggurat, for a first point `p` that fell outside its
// layer's inner rectangle (distribution.cpp).
double standard_normal_rest(Rng& rng, ZigguratPoint p);
}  // namespace detail

inline double sample_standard_normal(Rng& rng) {
  const detail::ZigguratTable& z = detail::ziggurat_table();
  const detail::ZigguratPoint p = detail::ziggurat_point(rng.next_u64(), z);
  if (p.inside(z)) return p.value();
  return detail::standard_normal_rest(rng, p);
}

namespace detail {
// 10^15 ns (about 11.6 days of virtual time): the largest sample, so a heavy
// Pareto tail cannot overflow Time arithmetic downstream.
constexpr double kMaxSampleNs = 1e15;
// ms to the nearest ns, halves away from zero (as std::llround does, for
// what it can receive here: 0 < ns < 10^15 < 2^53, where ns - whole is
// exact), clamped to [0, kMaxSampleNs]; NaN gives 0.
inline Time ms_to_ns(double ms) {
  const double ns = ms * 1e6;
  if (!(ns > 0)) return 0;  // NaN too
  if (ns >= kMaxSampleNs) return static_cast<Time>(kMaxSampleNs);
  const Time whole = static_cast<Time>(ns);
  return ns - static_cast<double>(whole) >= 0.5 ? whole + 1 : whole;
}
// median * e^(sigma z): exp_portable, the same bits on every libm.
inline Time lognormal_ns(double median_ms, double sigma, Rng& rng) {
  const double z = sample_standard_normal(rng);
  return ms_to_ns(median_ms * exp_portable(sigma * z));
}
}  // namespace detail

inline Time Distribution::sample(Rng& rng) const {
  if (kind == Kind::lognormal && shift_ms == 0) return detail::lognormal_ns(a, b, rng);
  const Time t = sample_unshifted(rng);
  return shift_ms == 0 ? t : t + detail::ms_to_ns(shift_ms);
}

// Zipf over ranks 0..n-1 with exponent s >= 0 (s = 0 is uniform):
// P(rank k) proportional to 1/(k+1)^s. Built once; a sample is one draw u
// and the first rank whose cumulative probability exceeds u.
// The search starts from a guide table (G buckets, G a power of two near
// 2n): bucket j holds the answer for u = j/G, so for u in [j/G, (j+1)/G)
// the answer lies between buckets j's and j+1's, usually one or two ranks
// apart. This is the same rank a binary search over all n would find, for
// every u, at a cost that does not grow with n.
class ZipfSampler {
 public:
  ZipfSampler() = default;
  ZipfSampler(std::uint32_t n, double s);
  std::uint32_t sample(Rng& rng) const { return rank(rng.next_double()); }
  // The rank for a draw u, REQUIRES 0 <= u < 1: the first whose cumulative
  // probability exceeds u (0 when n is 0).
  std::uint32_t rank(double u) const;
  std::uint32_t size() const { return static_cast<std::uint32_t>(cdf_.size()); }

 private:
  std::vector<double> cdf_;
  std::vector<std::uint32_t> guide_;  // G + 1 entries: the rank for u = j/G
  double buckets_ = 0;                // G, a power of two (so u * G and j / G are exact)
};

}  // namespace consim
