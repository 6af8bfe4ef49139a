// sim/live/live_history.h: the history of a live run's client operations.
//
// Every request of the HTTP edge on /key/ is one HistoryOp
// (sim/check/history.h): invoked when it arrives, completed when it is
// answered, with the session's number as its process, times in
// nanoseconds since the cluster started. jsonl() is the consim history
// file that `consim check --linearizable FILE` reads, the same format as
// `consim run --history`. Operations still open when it is written are
// unknown with no completion time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/check/history.h"
#include "sim/scenario/scenario.h"

namespace consim::live {

class LiveHistory {
 public:
  explicit LiveHistory(const Scenario& sc);

  // Records an invocation; returns its index for complete().
  std::uint64_t invoke(std::uint32_t process, OpType type, Level level, const std::string& key,
                       const std::string& value, NodeId node, Time now);
  // The answer: outcome ok with found/value/version (reads) or version
  // (writes); fail or unknown with a reason.
  void complete(std::uint64_t index, Time now, Outcome outcome, FailReason reason, bool found, const std::string& value,
                Version version, NodeId served_by);

  // consim load: where an operation came from (the workload, the probe at
  // its delay index), and the probe's delays for the header.
  void set_source(std::uint64_t index, OpSource source, std::int32_t probe_delay);
  void set_probe_delays(const std::vector<Time>& delays) { h_.meta.probe_delays = delays; }
  const HistoryOp& op(std::uint64_t index) const { return h_.ops.at(index); }

  std::size_t size() const { return h_.ops.size(); }
  std::string jsonl() const { return history_jsonl(h_); }

 private:
  History h_;
};

}  // namespace consim::live
