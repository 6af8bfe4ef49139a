// sim/world/events.h: the kinds of event on the world's queue.
//
// An event is (time, sequence, kind, index) (sim/engine/event_queue.h); the
// index names the payload in the pool or list its kind says.
#pragma once

#include <cstdint>

namespace consim {

enum EventKind : std::uint32_t {
  kDeliver,     // index: message slot (Transport)
  kTimer,       // index: timer slot (World)
  kArrival,     // open-loop workload arrival
  kThink,       // index: client (closed loop: its next operation)
  kOpTimeout,   // index: op slot (the client gives up)
  kProbeWrite,  // the next probe write
  kProbeRead,   // index: op slot, prepared when the probe write was acknowledged
  kScript,      // index: scripted operation
  kTimeline,    // index: timeline event
  kEventKindCount
};

}  // namespace consim
