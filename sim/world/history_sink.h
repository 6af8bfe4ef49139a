// sim/world/history_sink.h: a run's history of client operations, recorded
// as it happens (sim/check/history.h).
//
// Attach it to a World with add_sink() before run(); after run(), history()
// gives every operation in invocation order with real key names and values.
// Memory: one record per operation of the run (a history cannot stream the
// way the stale-read checker does).
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "sim/check/history.h"
#include "sim/world/trace_events.h"

namespace consim {

class World;

class HistorySink final : public TraceSink {
 public:
  explicit HistorySink(const World& world) : world_(world) {}

  // REQUIRES: the world's run() has returned.
  History history() const;

  void message(Time, Wire, const Message&, DropReason) override {}
  void applied(Time, NodeId, Key, Version) override {}
  void role(Time, NodeId, const RoleChange&) override {}
  void timer(Time, bool, std::uint32_t, std::uint64_t) override {}
  void fault(Time, const TimelineEvent&) override {}
  void invoked(Time t, const OpView& op) override;
  void completed(Time t, const OpView& op, const Message& reply, bool stale, Time latency) override;
  void failed(Time t, const OpView& op, FailReason why) override;
  void ended(Time, std::uint64_t) override {}

 private:
  struct Raw {
    OpView op;
    Time completed = -1;
    Outcome outcome = Outcome::unknown;
    FailReason reason = FailReason::client_timeout;
    Record rec;          // ok: the record read or the version written
    bool found = false;
    bool stale = false;
    NodeId served_by = kNoNode;
  };
  Raw* open(const OpView& op);

  const World& world_;
  std::vector<Raw> ops_;
  std::unordered_map<std::uint64_t, std::size_t> open_;  // op id -> ops_ index; looked up only, never iterated
};

}  // namespace consim
