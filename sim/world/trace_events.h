// sim/world/trace_events.h: what happens in a run, as typed events.
//
// The world reports every event of a run to the TraceSinks attached to it,
// in the order it processes them, with the virtual time. Sinks write the
// JSON-lines trace (sim/world/trace_jsonl.h), draw diagrams, or record
// histories; the world does not know which. With no sink attached the world
// pays one pointer test per event.
//
// What a sink may rely on:
//   - calls come in processing order; times never go back;
//   - every message put on the wire is `sent`; right after, it may be
//     `dropped` (at send time: loss, partition, cut) or `duplicated` (the
//     network delivers a second copy too); each copy not dropped at send is
//     later `delivered` or `dropped` (node down), unless the run ends first:
//     sent + duplicated = delivered + dropped + in flight at the end;
//   - `local` is an answer a client's own coordinator hands to its client
//     without the network (never sent, not counted as a message);
//   - an operation is `invoked` once and then `completed` or `failed` once,
//     unless the run ends first;
//   - references are valid only during the call.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/message.h"
#include "core/outputs.h"
#include "core/types.h"
#include "sim/check/history.h"
#include "sim/check/metrics.h"
#include "sim/scenario/scenario.h"
#include "sim/world/network.h"

namespace consim {

// A client operation as sinks see it.
struct OpView {
  std::uint32_t client = 0;   // index into the world's clients (workload, scripted, probe)
  std::uint64_t id = 0;       // the operation id (message op field)
  OpType type = OpType::get;
  Level level = Level::eventual;
  Key key = 0;
  Value value = 0;            // the value a put writes
  NodeId node = kNoNode;      // the node it was sent to (kNoNode: the client coordinates)
  Time invoked = 0;
  OpSource source = OpSource::workload;
  std::uint32_t source_index = 0;  // scripted: the script index; probe reads: the probe delay index
};

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  enum class Wire : std::uint8_t { sent, delivered, dropped, duplicated, local };
  // A message event. `reason` is set for Wire::dropped.
  virtual void message(Time t, Wire what, const Message& m, DropReason reason) = 0;
  // Node `node` now holds `version` of `key`.
  virtual void applied(Time t, NodeId node, Key key, Version version) = 0;
  virtual void role(Time t, NodeId node, const RoleChange& rc) = 0;
  // A timer fired at a node, or at client `owner`'s coordinator (client true).
  virtual void timer(Time t, bool client, std::uint32_t owner, std::uint64_t id) = 0;
  // A timeline event (crash, partition, ...) took effect.
  virtual void fault(Time t, const TimelineEvent& te) = 0;
  virtual void invoked(Time t, const OpView& op) = 0;
  // The client got its answer; `stale` for reads judged stale.
  virtual void completed(Time t, const OpView& op, const Message& reply, bool stale, Time latency) = 0;
  virtual void failed(Time t, const OpView& op, FailReason why) = 0;
  // The run is over; `in_flight` messages were still on the wire.
  virtual void ended(Time t, std::uint64_t in_flight) = 0;
};

// The trace's name for a timeline action ("crash", ..., "network").
std::string_view trace_name(TimelineEvent::Kind k);

}  // namespace consim
