// sim/world/transport.h: messages on the simulated wire.
//
// send() decides a message's fate with the Network (sim/world/network.h):
// dropped at once (loss, partition, cut), or held in a pool slot and
// scheduled for delivery after its delay (and maybe a second copy). Every
// message is counted in EngineStats and reported to the trace. The world
// takes a delivered message's slot with at() and gives it back with
// release(). A message's snapshot (core/message.h) is kept alive beside its
// slot, from send() until release().
#pragma once

#include <cassert>
#include <cstdint>

#include <memory>
#include <vector>

#include "core/message.h"
#include "core/outputs.h"
#include "sim/check/metrics.h"
#include "sim/engine/event_queue.h"
#include "sim/engine/pool.h"
#include "sim/world/events.h"
#include "sim/world/network.h"
#include "sim/world/trace_events.h"

namespace consim {

class Transport {
 public:
  Transport(EventQueue& queue, Network& network, EngineStats& stats, TraceSink* const& trace)
      : queue_(queue), network_(network), stats_(stats), trace_(trace) {}

  // Puts m on the wire at queue.now(). This one for a message that carries
  // no snapshot (a client's, a coordinator's); the next for a node's.
  void send(const Message& m) {
    assert(m.snapshot == nullptr && "a snapshot travels with the Outputs that holds it");
    send(m, nullptr);
  }
  // A message of `from` (a node's Outputs), which holds its snapshot if any.
  void send(const Message& m, const Outputs& from) { send(m, m.snapshot ? &from : nullptr); }

  const Message& at(std::uint32_t slot) const { return messages_[slot]; }
  // The slot is free again (its snapshot, if any, is let go).
  void release(std::uint32_t slot) {
    if (messages_[slot].snapshot) held_[slot].reset();
    messages_.release(slot);
  }
  void count_drop(DropReason why) {
    ++stats_.messages_dropped;
    ++stats_.dropped_by[static_cast<int>(why)];
  }
  void count_delivered() { ++stats_.messages_delivered; }
  std::size_t in_flight() const { return messages_.in_use(); }

 private:
  void send(const Message& m, const Outputs* from) {
    ++stats_.messages_sent;
    ++stats_.sent_by_kind[static_cast<int>(m.kind)];
    const Transit t = network_.transit(m.from, m.to, m.kind);
    if (trace_) trace_->message(queue_.now(), TraceSink::Wire::sent, m, DropReason::none);
    if (t.drop != DropReason::none) {
      count_drop(t.drop);
      if (trace_) trace_->message(queue_.now(), TraceSink::Wire::dropped, m, t.drop);
      return;
    }
    const std::uint32_t slot = messages_.acquire();
    messages_[slot] = m;
    if (from) hold(slot, from->holder(m));
    queue_.push(queue_.now() + t.delay, kDeliver, slot);
    if (t.duplicate) {
      ++stats_.messages_duplicated;
      const std::uint32_t dup = messages_.acquire();
      messages_[dup] = m;
      if (from) hold(dup, from->holder(m));
      queue_.push(queue_.now() + t.dup_delay, kDeliver, dup);
      if (trace_) trace_->message(queue_.now(), TraceSink::Wire::duplicated, m, DropReason::none);
    }
  }

  void hold(std::uint32_t slot, std::shared_ptr<const Snapshot> owner) {
    assert(owner && "a message's snapshot is held by the Outputs it came from");
    if (slot >= held_.size()) held_.resize(slot + 1);
    held_[slot] = std::move(owner);
  }

  EventQueue& queue_;
  Network& network_;
  EngineStats& stats_;
  TraceSink* const& trace_;
  Pool<Message> messages_;
  // held_[slot]: the snapshot messages_[slot] points to, while in flight
  // (sized on the first snapshot sent; most runs send none).
  std::vector<std::shared_ptr<const Snapshot>> held_;
};

}  // namespace consim
