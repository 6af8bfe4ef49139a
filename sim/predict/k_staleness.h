// sim/predict/k_staleness.h: PBS's closed form for k-staleness (Bailis et al.,
// "Probabilistically Bounded Staleness for Practical Partial Quorums", VLDB
// 2012, section 3.2), and its analogue for leader mode (docs/predict.md).
//
// Pure functions; they accept any input and never fail (a quorum larger than
// its set is clamped, so a read quorum that covers every replica never misses).
#pragma once

#include <cstdint>

namespace consim {

// P(a read quorum of q replicas, chosen uniformly, misses a write quorum of
// w replicas, chosen uniformly, out of n): C(n-w, q) / C(n, q). 0 when
// q + w > n (every read quorum meets every write quorum).
double quorum_miss_probability(std::uint32_t n, std::uint32_t w, std::uint32_t q);

// Leader mode: P(a read at a follower F, which asks itself and q-1 other nodes
// (the leader among the candidates), misses a write held by the leader and
// w-1 followers chosen uniformly), with n nodes:
//   C(n-2, q-1)/C(n-1, q-1)  (the leader is not among the q-1)
//   x C(n-1-q, w-1)/C(n-1, w-1)  (none of the q followers asked is among the
//   w-1).
// q = 1 is an eventual read of F alone: (n-w)/(n-1). 1 node: 0.
double leader_miss_probability(std::uint32_t n, std::uint32_t w, std::uint32_t q);

// P(within k versions) = 1 - miss^k: the read returns one of the last k
// acknowledged versions when the k writes' quorums are independent. k >= 1.
double p_within_k(double miss, std::uint32_t k);

}  // namespace consim
