// sim/engine/rng.h: the project's own pseudo-random numbers.
//
// splitmix64 derives seeds; xoshiro256** generates streams. Each component of
// the world (the network, each client, the fault injector, each node's timer
// jitter) owns one Rng derived from (scenario seed, component identity), so
// adding a client does not reshuffle the network's delays.
// Rule: one draw per statement (argument evaluation order is unspecified).
#pragma once

#include <cstdint>
#include <string_view>

namespace consim {

inline std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A stable 64-bit hash of a component name (FNV-1a), for stream derivation.
inline std::uint64_t stream_id(std::string_view name, std::uint64_t index = 0) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  h ^= index + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}

class Rng {
 public:
  // A stream for component `stream` of a run with seed `seed`.
  Rng(std::uint64_t seed, std::uint64_t stream) {
    std::uint64_t sm = seed ^ (stream * 0xd1342543de82ef95ULL);
    for (auto& w : s_) w = splitmix64(sm);
  }

  std::uint64_t next_u64() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double next_double() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

  // Uniform in (0, 1]: safe to take the logarithm of.
  double next_double_open0() { return static_cast<double>((next_u64() >> 11) + 1) * 0x1.0p-53; }

  // Uniform integer in [0, bound), bound > 0, without modulo bias (Lemire).
  std::uint64_t next_below(std::uint64_t bound) {
    unsigned __int128 m = static_cast<unsigned __int128>(next_u64()) * bound;
    std::uint64_t low = static_cast<std::uint64_t>(m);
    if (low < bound) {
      const std::uint64_t threshold = (0 - bound) % bound;
      while (low < threshold) {
        m = static_cast<unsigned __int128>(next_u64()) * bound;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  // True with probability p (p <= 0: never; p >= 1: always, no draw skipped).
  bool bernoulli(double p) { return next_double() < p; }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

}  // namespace consim
