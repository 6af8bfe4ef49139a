// sim/world/timers.h: timers on the world's queue.
//
// A timer belongs to a node (owner < N, with the node's incarnation: see
// sim/world/host.h) or to client owner - N's coordinator (incarnation 0).
// schedule() keeps it in a pool slot and queues a kTimer event for it.
#pragma once

#include <cstdint>

#include "sim/check/metrics.h"
#include "sim/engine/event_queue.h"
#include "sim/engine/pool.h"
#include "sim/world/events.h"
#include "sim/world/host.h"

namespace consim {

class Timers {
 public:
  Timers(EventQueue& queue, EngineStats& stats) : queue_(queue), stats_(stats) {}

  void schedule(Time at, const HostTimer& t) {
    const std::uint32_t slot = pool_.acquire();
    pool_[slot] = t;
    queue_.push(at, kTimer, slot);
    ++stats_.timers;
  }
  const HostTimer& at(std::uint32_t slot) const { return pool_[slot]; }
  void release(std::uint32_t slot) { pool_.release(slot); }

 private:
  EventQueue& queue_;
  EngineStats& stats_;
  Pool<HostTimer> pool_;
};

}  // namespace consim
