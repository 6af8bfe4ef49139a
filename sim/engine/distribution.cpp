// sim/engine/distribution.cpp: sampling, means and descriptions of delay distributions.
//
// Every variate is built here from consim::Rng with one draw per statement, so
// a (seed, stream) gives the same samples with any standard library. No
// <random>. Parameters are milliseconds; samples are nanoseconds, rounded to
// the nearest ns, clamped to [0, kMaxSampleNs].
//
// Conventions:
//  - uniform: a + (b - a) * u, u in [0, 1).
//  - exponential: -mean * log(u), u in (0, 1].
//  - normal "truncated at 0": a sample < 0 is rejected and redrawn, up to
//    kNormalTries times; if every try is negative the sample is 0. mean_ms()
//    gives the mean of the normal conditioned on being >= 0.
//  - lognormal: median * exp(sigma * z), z standard normal.
//  - pareto: scale / u^(1/shape), u in (0, 1] (so every sample >= scale).
//  - mixture: one draw picks a component by weight, then that component is
//    sampled. Weights are normalised; negative weights count as 0; if
//    `weights` is empty every component has weight 1; a component without a
//    weight (weights shorter than components) has weight 0; if all weights are
//    0 the components are equally likely. An empty mixture samples 0.
#include "sim/engine/distribution.h"
#include "sim/engine/exp.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace consim {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kNormalTries = 64;
using detail::ms_to_ns;

// The ziggurat of the standard normal density's right half, f(x) =
// exp(-x^2 / 2), in ZigguratTable::kLayers (256) layers of equal area
// kLayerArea (Marsaglia and Tsang, 2000; this is the project's own
// implementation). Layer 0 is the base:
// the rectangle [0, r] x [0, f(r)] plus the tail beyond r, stretched to width
// x[0] = kLayerArea / f(r). Layer i >= 1 is the rectangle [0, x[i]] x
// [f(x[i]), f(x[i + 1])]; x[kLayers] = 0. A point of a layer left of x[i + 1]
// is under the curve.
constexpr double kZigR = 3.6541528853610088;        // x[1]: where the tail starts
constexpr double kLayerArea = 4.92867323399e-3;     // of each layer, f unnormalised

// The effective weight of mixture component i (before normalisation).
double mixture_weight(const Distribution& d, std::size_t i) {
  if (d.weights.empty()) return 1.0;
  if (i >= d.weights.size()) return 0.0;
  const double w = d.weights[i];
  return (w > 0 && std::isfinite(w)) ? w : 0.0;
}

double mixture_total(const Distribution& d) {
  double total = 0;
  for (std::size_t i = 0; i < d.components.size(); ++i) total += mixture_weight(d, i);
  return total;
}

// Normalised weight of component i (equal weights if all are zero).
double mixture_share(const Distribution& d, std::size_t i, double total) {
  if (total > 0) return mixture_weight(d, i) / total;
  return 1.0 / static_cast<double>(d.components.size());
}

std::string num(double x) { return fmt::format("{:g}", x); }

}  // namespace

namespace {

Distribution with(Distribution::Kind kind, double a, double b = 0) {
  Distribution d;
  d.kind = kind;
  d.a = a;
  d.b = b;
  return d;
}

}  // namespace

Distribution Distribution::constant_ms(double ms) { return with(Kind::constant, ms); }
Distribution Distribution::uniform_ms(double lo, double hi) { return with(Kind::uniform, lo, hi); }
Distribution Distribution::exponential_ms(double mean) { return with(Kind::exponential, mean); }
Distribution Distribution::normal_ms(double mean, double stddev) { return with(Kind::normal, mean, stddev); }
Distribution Distribution::lognormal_ms(double median, double sigma) { return with(Kind::lognormal, median, sigma); }
Distribution Distribution::pareto_ms(double scale, double shape) { return with(Kind::pareto, scale, shape); }

namespace detail {

ZigguratTable::ZigguratTable() {
  x[0] = kLayerArea / std::exp(-0.5 * kZigR * kZigR);
  x[1] = kZigR;
  for (int i = 1; i < kLayers - 1; ++i) {
    const double y = std::exp(-0.5 * x[i] * x[i]) + kLayerArea / x[i];
    x[i + 1] = y < 1 ? std::sqrt(-2.0 * std::log(y)) : 0.0;
  }
  x[kLayers] = 0;
  for (int i = 0; i <= kLayers; ++i) f[i] = std::exp(-0.5 * x[i] * x[i]);
}

// sample_standard_normal (distribution.h) took one draw; about 99% of
// samples end there. This is the rest: the base layer's tail, a layer's
// wedge, and a new draw when a point is rejected.
double standard_normal_rest(Rng& rng, ZigguratPoint p) {
  const ZigguratTable& z = ziggurat_table();
  for (;;) {  // p is outside its layer's inner rectangle
    if (p.layer() == 0) {
      // The tail beyond r (Marsaglia's method): r + a with a from
      // exp(-r a) accepted with probability exp(-a^2 / 2).
      for (;;) {
        const double u1 = rng.next_double_open0();
        const double u2 = rng.next_double_open0();
        const double a = -std::log(u1) / kZigR;
        const double b = -std::log(u2);
        if (b + b >= a * a) return p.negative() ? -(kZigR + a) : kZigR + a;
      }
    }
    // The wedge between the layer's rectangle and the curve.
    const double v = rng.next_double();
    const double y = z.f[p.layer()] + v * (z.f[p.layer() + 1] - z.f[p.layer()]);
    if (y < std::exp(-0.5 * p.x * p.x)) return p.value();
    p = ziggurat_point(rng.next_u64(), z);
    if (p.inside(z)) return p.value();
  }
}

}  // namespace detail

Time Distribution::fixed_ns() const {
  if (kind != Kind::constant) return -1;
  const Time t = ms_to_ns(a);  // as sample() computes it
  return shift_ms == 0 ? t : t + ms_to_ns(shift_ms);
}

Time Distribution::sample_unshifted(Rng& rng) const {
  switch (kind) {
    case Kind::constant:
      return ms_to_ns(a);
    case Kind::uniform: {
      const double u = rng.next_double();
      return ms_to_ns(a + (b - a) * u);
    }
    case Kind::exponential: {
      const double u = rng.next_double_open0();
      return ms_to_ns(-a * std::log(u));
    }
    case Kind::normal: {
      for (int i = 0; i < kNormalTries; ++i) {
        const double z = sample_standard_normal(rng);
        const double x = a + b * z;
        if (x >= 0) return ms_to_ns(x);
      }
      return 0;
    }
    case Kind::lognormal:
      return detail::lognormal_ns(a, b, rng);
    case Kind::pareto: {
      const double u = rng.next_double_open0();
      return ms_to_ns(a / std::pow(u, 1.0 / b));
    }
    case Kind::mixture: {
      const std::size_t n = components.size();
      if (n == 0) return 0;
      const double total = mixture_total(*this);
      const double u = rng.next_double();
      std::size_t pick = n - 1;
      if (total > 0) {
        const double target = u * total;
        double cum = 0;
        for (std::size_t i = 0; i < n; ++i) {
          const double w = mixture_weight(*this, i);
          if (w <= 0) continue;
          cum += w;
          pick = i;  // the last positive-weight component absorbs rounding
          if (target < cum) break;
        }
      } else {
        pick = std::min(n - 1, static_cast<std::size_t>(u * static_cast<double>(n)));
      }
      return components[pick].sample(rng);
    }
  }
  return 0;
}

double Distribution::mean_unshifted_ms() const {
  switch (kind) {
    case Kind::constant:
      return std::max(a, 0.0);
    case Kind::uniform:
      return (a + b) / 2;
    case Kind::exponential:
      return a;
    case Kind::normal: {
      if (!(b > 0)) return std::max(a, 0.0);
      // Mean of N(mu, sigma) conditioned on x >= 0:
      //   mu + sigma * phi(alpha) / (1 - Phi(alpha)),  alpha = -mu / sigma.
      const double alpha = -a / b;
      const double phi = std::exp(-0.5 * alpha * alpha) / std::sqrt(2.0 * kPi);
      const double tail = 0.5 * std::erfc(alpha / std::sqrt(2.0));  // 1 - Phi(alpha)
      if (!(tail > 0)) return 0.0;  // the sampler falls back to 0 here too
      return a + b * phi / tail;
    }
    case Kind::lognormal:
      return a * std::exp(b * b / 2);
    case Kind::pareto:
      return b > 1 ? b * a / (b - 1) : std::numeric_limits<double>::infinity();
    case Kind::mixture: {
      if (components.empty()) return 0.0;
      const double total = mixture_total(*this);
      double m = 0;
      for (std::size_t i = 0; i < components.size(); ++i) {
        const double share = mixture_share(*this, i, total);
        if (share > 0) m += share * components[i].mean_ms();
      }
      return m;
    }
  }
  return 0.0;
}

std::string Distribution::describe_unshifted() const {
  switch (kind) {
    case Kind::constant:
      return "constant " + num(a) + " ms";
    case Kind::uniform:
      return "uniform " + num(a) + ".." + num(b) + " ms";
    case Kind::exponential:
      return "exponential mean " + num(a) + " ms";
    case Kind::normal:
      return "normal mean " + num(a) + " ms sd " + num(b) + " ms (truncated at 0)";
    case Kind::lognormal:
      return "lognormal median " + num(a) + " ms sigma " + num(b);
    case Kind::pareto:
      return "pareto scale " + num(a) + " ms shape " + num(b);
    case Kind::mixture: {
      const double total = mixture_total(*this);
      std::string s = "mixture(";
      for (std::size_t i = 0; i < components.size(); ++i) {
        if (i) s += ", ";
        s += num(mixture_share(*this, i, total)) + ": " + components[i].describe();
      }
      s += ")";
      return s;
    }
  }
  return "?";
}

// shift_ms: added after the type's own sample, so a distribution without a
// shift draws and returns exactly what it did before the field existed.
double Distribution::mean_ms() const { return mean_unshifted_ms() + shift_ms; }

std::string Distribution::describe() const {
  return shift_ms == 0 ? describe_unshifted() : describe_unshifted() + " + " + num(shift_ms) + " ms";
}

ZipfSampler::ZipfSampler(std::uint32_t n, double s) {
  cdf_.resize(n);
  double total = 0;
  for (std::uint32_t k = 0; k < n; ++k) {
    total += (s == 0) ? 1.0 : 1.0 / std::pow(static_cast<double>(k) + 1.0, s);
    cdf_[k] = total;
  }
  for (auto& c : cdf_) c /= total;
  if (n == 0) return;
  cdf_.back() = 1.0;  // so every draw in [0, 1) lands on a rank
  std::uint32_t g = 1;
  while (g < 2 * n && g < (1u << 22)) g *= 2;
  buckets_ = static_cast<double>(g);
  guide_.resize(static_cast<std::size_t>(g) + 1);
  std::uint32_t k = 0;
  for (std::uint32_t j = 0; j <= g; ++j) {
    const double u = static_cast<double>(j) / buckets_;  // exact: g is a power of two
    while (k < n - 1 && cdf_[k] <= u) ++k;
    guide_[j] = k;  // the first rank with cdf > u (n - 1 if none)
  }
}

std::uint32_t ZipfSampler::rank(double u) const {
  assert(u >= 0 && u < 1);
  if (cdf_.empty()) return 0;
  const auto j = static_cast<std::size_t>(u * buckets_);  // exact, < G since u < 1
  // The answer for u lies in [guide_[j], guide_[j + 1]] (the answers are
  // monotone in u), and is found there as it would be among all n ranks.
  const auto lo = cdf_.begin() + guide_[j];
  const auto hi = cdf_.begin() + guide_[j + 1];
  std::size_t k = static_cast<std::size_t>(std::upper_bound(lo, hi, u) - cdf_.begin());
  return static_cast<std::uint32_t>(std::min(k, cdf_.size() - 1));
}

}  // namespace consim
