// sim/live/live_clock.h: virtual time read from a monotonic clock.
//
// Live mode gives core/ the same Time it gets in the simulator: integer
// nanoseconds since the start of the run. Here they are the steady clock's
// nanoseconds since construction, so a node's timer of virtual instant t
// fires at start() + t on the wall clock. Never goes backwards.
#pragma once

#include <chrono>

#include "core/types.h"

namespace consim::live {

class LiveClock {
 public:
  using clock = std::chrono::steady_clock;

  LiveClock() : start_(clock::now()) {}

  // Nanoseconds since construction.
  Time now() const { return std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - start_).count(); }
  // The steady-clock instant of virtual time t.
  clock::time_point at(Time t) const { return start_ + std::chrono::nanoseconds(t); }
  clock::time_point start() const { return start_; }

 private:
  clock::time_point start_;
};

}  // namespace consim::live
