// sim/live/live_history.cpp: recording a live run (live_history.h).
#include "sim/live/live_history.h"

namespace consim::live {

LiveHistory::LiveHistory(const Scenario& sc) { h_.meta = history_meta(sc, "live"); }

std::uint64_t LiveHistory::invoke(std::uint32_t process, OpType type, Level level, const std::string& key,
                                  const std::string& value, NodeId node, Time now) {
  HistoryOp op;
  op.index = h_.ops.size();
  op.process = process;
  op.type = type;
  op.level = type == OpType::get ? level : Level::eventual;
  op.key = key;
  if (type == OpType::put) op.value = value;
  op.invoked = now;
  op.node = node;
  op.source = OpSource::script;
  h_.ops.push_back(op);
  return op.index;
}

void LiveHistory::complete(std::uint64_t index, Time now, Outcome outcome, FailReason reason, bool found,
                           const std::string& value, Version version, NodeId served_by) {
  HistoryOp& op = h_.ops.at(index);
  op.completed = now;
  op.outcome = outcome;
  op.reason = reason;
  op.served_by = served_by;
  if (outcome != Outcome::ok) return;
  op.version = version;
  if (op.type == OpType::get) {
    op.found = found;
    if (found) op.value = value;
  }
}

void LiveHistory::set_source(std::uint64_t index, OpSource source, std::int32_t probe_delay) {
  HistoryOp& op = h_.ops.at(index);
  op.source = source;
  op.probe_delay = probe_delay;
}

}  // namespace consim::live
