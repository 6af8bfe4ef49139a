// core/placement.h: which nodes replicate a key in leaderless mode.
//
// The nodes sit on a ring in id order. A key's preference list is the
// `replicas` consecutive nodes starting at home(key) = mix(key) mod nodes;
// its fallbacks (sloppy quorum) are the nodes after them, in ring order.
// Pure functions of (key, nodes, replicas): every coordinator, replica and
// the checker agree without talking. With replicas == nodes every node holds
// every key (the default).
#pragma once

#include <cstdint>

#include "core/types.h"

namespace consim {

// A fixed integer mix (not randomness: the same key always maps the same way).
inline std::uint32_t placement_home(Key key, std::uint32_t nodes) {
  std::uint64_t z = static_cast<std::uint64_t>(key) + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<std::uint32_t>(z % nodes);
}

// The j-th node on the ring from the key's home (j = 0 .. nodes-1):
// j < replicas are the key's replicas in preference order, the rest fallbacks.
inline NodeId ring_node(Key key, std::uint32_t nodes, std::uint32_t j) {
  return (placement_home(key, nodes) + j) % nodes;
}

// Bit i set: node i replicates the key.
inline std::uint64_t replica_mask(Key key, std::uint32_t nodes, std::uint32_t replicas) {
  if (replicas >= nodes) return nodes >= 64 ? ~0ULL : (1ULL << nodes) - 1;
  std::uint64_t m = 0;
  for (std::uint32_t j = 0; j < replicas; ++j) m |= 1ULL << ring_node(key, nodes, j);
  return m;
}

}  // namespace consim
