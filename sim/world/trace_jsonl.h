// sim/world/trace_jsonl.h: the trace as JSON lines (consim run --trace FILE).
//
// One JSON object per event, keys in a fixed order, virtual time "t" in
// nanoseconds first (docs/report-format.md, "The trace"). Byte-identical for
// the same binary, scenario and seed.
#pragma once

#include "sim/io/trace.h"
#include "sim/world/trace_events.h"

namespace consim {

class JsonlTrace final : public TraceSink {
 public:
  explicit JsonlTrace(TraceWriter& out) : out_(out) {}
  void message(Time t, Wire what, const Message& m, DropReason reason) override;
  void applied(Time t, NodeId node, Key key, Version version) override;
  void role(Time t, NodeId node, const RoleChange& rc) override;
  void timer(Time t, bool client, std::uint32_t owner, std::uint64_t id) override;
  void fault(Time t, const TimelineEvent& te) override;
  void invoked(Time t, const OpView& op) override;
  void completed(Time t, const OpView& op, const Message& reply, bool stale, Time latency) override;
  void failed(Time t, const OpView& op, FailReason why) override;
  void ended(Time t, std::uint64_t in_flight) override;

 private:
  template <typename... Args>
  void line(Time t, fmt::format_string<Args...> f, Args&&... args);
  TraceWriter& out_;
};

}  // namespace consim
