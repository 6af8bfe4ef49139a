// sim/engine/exp.h: e^x computed by the project's own code, the same bits
// on every machine.
//
// The log-normal delay (median * e^(sigma z)) is sampled for nearly every
// message. The C library's exp differs between libm versions in the last
// bit, which can move a sample across a nanosecond; this one is plain IEEE
// double arithmetic (the build sets -ffp-contract=off), so a scenario and a
// seed give the same delays wherever the binary is built. It is also about
// half the instructions of glibc's.
//
// Error: within 2 ulp of e^x (tests/test_distribution.cpp checks it
// against the C library's at a million points and exactly at a few). exp_portable(NaN) is NaN; it
// is +inf above 709.78 and 0 below -745.13; results in the subnormal
// range are computed, not flushed.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>

namespace consim {

namespace detail {
// 2^(j/64), j = 0..63, each the double nearest the exact value (computed in
// 60-digit decimal arithmetic, then rounded once).
inline constexpr double kExp2Table[64] = {
    0x1.0000000000000p+0, 0x1.02c9a3e778061p+0, 0x1.059b0d3158574p+0, 0x1.0874518759bc8p+0,
    0x1.0b5586cf9890fp+0, 0x1.0e3ec32d3d1a2p+0, 0x1.11301d0125b51p+0, 0x1.1429aaea92de0p+0,
    0x1.172b83c7d517bp+0, 0x1.1a35beb6fcb75p+0, 0x1.1d4873168b9aap+0, 0x1.2063b88628cd6p+0,
    0x1.2387a6e756238p+0, 0x1.26b4565e27cddp+0, 0x1.29e9df51fdee1p+0, 0x1.2d285a6e4030bp+0,
    0x1.306fe0a31b715p+0, 0x1.33c08b26416ffp+0, 0x1.371a7373aa9cbp+0, 0x1.3a7db34e59ff7p+0,
    0x1.3dea64c123422p+0, 0x1.4160a21f72e2ap+0, 0x1.44e086061892dp+0, 0x1.486a2b5c13cd0p+0,
    0x1.4bfdad5362a27p+0, 0x1.4f9b2769d2ca7p+0, 0x1.5342b569d4f82p+0, 0x1.56f4736b527dap+0,
    0x1.5ab07dd485429p+0, 0x1.5e76f15ad2148p+0, 0x1.6247eb03a5585p+0, 0x1.6623882552225p+0,
    0x1.6a09e667f3bcdp+0, 0x1.6dfb23c651a2fp+0, 0x1.71f75e8ec5f74p+0, 0x1.75feb564267c9p+0,
    0x1.7a11473eb0187p+0, 0x1.7e2f336cf4e62p+0, 0x1.82589994cce13p+0, 0x1.868d99b4492edp+0,
    0x1.8ace5422aa0dbp+0, 0x1.8f1ae99157736p+0, 0x1.93737b0cdc5e5p+0, 0x1.97d829fde4e50p+0,
    0x1.9c49182a3f090p+0, 0x1.a0c667b5de565p+0, 0x1.a5503b23e255dp+0, 0x1.a9e6b5579fdbfp+0,
    0x1.ae89f995ad3adp+0, 0x1.b33a2b84f15fbp+0, 0x1.b7f76f2fb5e47p+0, 0x1.bcc1e904bc1d2p+0,
    0x1.c199bdd85529cp+0, 0x1.c67f12e57d14bp+0, 0x1.cb720dcef9069p+0, 0x1.d072d4a07897cp+0,
    0x1.d5818dcfba487p+0, 0x1.da9e603db3285p+0, 0x1.dfc97337b9b5fp+0, 0x1.e502ee78b3ff6p+0,
    0x1.ea4afa2a490dap+0, 0x1.efa1bee615a27p+0, 0x1.f50765b6e4540p+0, 0x1.fa7c1819e90d8p+0,
};
inline double from_bits(std::uint64_t b) {
  double d;
  std::memcpy(&d, &b, sizeof d);
  return d;
}
}  // namespace detail

// e^x. With k the integer nearest x 64 / ln 2, e = floor(k / 64) and j =
// k mod 64: x = k ln2/64 + r with |r| <= ln2/128, so e^x = 2^e 2^(j/64) e^r,
// and e^r - 1 is a degree-5 Taylor polynomial (the terms it leaves out are
// below 2^-54 at |r| <= ln2/128).
inline double exp_portable(double x) {
  if (!(x > -745.1332191019412)) return x != x ? x : 0.0;  // NaN stays NaN
  if (x > 709.782712893384) return std::numeric_limits<double>::infinity();
  constexpr double kInvLn2N = 0x1.71547652b82fep+6;       // 64 / ln 2
  // ln 2 / 64 in two parts: its top 32 bits (so kd * kLn2NHi is exact), then the rest.
  constexpr double kLn2NHi = 0x1.62e42fee00000p-7;
  constexpr double kLn2NLo = 0x1.a39ef35793c76p-39;
  constexpr double kShifter = 0x1.8p52;                    // adding it rounds to an integer
  const double kd = (x * kInvLn2N + kShifter) - kShifter;  // nearest integer to x 64 / ln 2
  const double r = (x - kd * kLn2NHi) - kd * kLn2NLo;
  const auto k = static_cast<std::int64_t>(kd);
  const double p = r + r * r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120))));
  const double t = detail::kExp2Table[k & 63];
  const double m = t + t * p;  // 2^(j/64) e^r, in [0.99, 2.02)
  std::int64_t e = k >> 6;     // arithmetic shift: floor(k / 64)
  if (e > 1023) return m * detail::from_bits(static_cast<std::uint64_t>(e - 1 + 1023) << 52) * 2.0;
  if (e >= -1021) return m * detail::from_bits(static_cast<std::uint64_t>(e + 1023) << 52);
  // Subnormal results: scale in two steps so no step underflows early.
  e += 600;
  return m * detail::from_bits(static_cast<std::uint64_t>(e + 1023) << 52) * 0x1p-600;
}

}  // namespace consim
