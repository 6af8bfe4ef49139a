// core/lww.h: last-writer-wins versions and the node clocks that stamp them.
//
// A leaderless write's version is the triple (timestamp, coordinator,
// counter), ordered lexicographically, packed in a Version:
//   term  = timestamp: the coordinator's clock reading in nanoseconds, >= 1;
//   index = (coordinator + 1) * 2^40 + counter.
// The coordinator is an endpoint id (a node, or a client coordinating for
// itself); the counter counts that coordinator's writes. A coordinator never
// stamps a timestamp below its previous one (like Cassandra's monotonic
// server timestamps), so its own writes are ordered as it issued them.
// Replicas keep the record with the greatest version: a later write whose
// coordinator's clock is behind loses to an earlier one (the LWW anomaly).
//
// A clock is a pure function of virtual time (no clock is read in core/):
//   clock(now) = now + offset + now * drift_ppb / 10^9.
#pragma once

#include <cstdint>

#include "core/types.h"

namespace consim {

constexpr int kLwwCoordinatorShift = 40;

struct NodeClock {
  Time offset = 0;               // ns; may be negative
  std::int64_t drift_ppb = 0;    // parts per billion; +1000 = 1 us fast per second

  // The clock's reading at virtual time `now` (exact integer arithmetic).
  Time read(Time now) const {
    const Time secs = now / kSecond;
    const Time rem = now % kSecond;
    return now + offset + secs * drift_ppb + (rem * drift_ppb) / kSecond;
  }
};

// REQUIRES: counter < 2^40.
inline Version lww_version(Time timestamp, EndpointId coordinator, std::uint64_t counter) {
  const std::uint64_t ts = timestamp < 1 ? 1 : static_cast<std::uint64_t>(timestamp);
  return Version{ts, ((static_cast<std::uint64_t>(coordinator) + 1) << kLwwCoordinatorShift) | counter};
}

}  // namespace consim
