// sim/check/elections.h: who believes it leads, over time (ElectionStats).
//
// Fed with each node's own belief (the RoleChange outputs of core::Node, and
// "not leader" at a crash), it counts leader changes, the most leaders at
// once (more than one: a split brain), and the virtual time during which no
// node believed it led.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/types.h"
#include "sim/check/metrics.h"

namespace consim {

class LeaderTracker {
 public:
  LeaderTracker(std::uint32_t nodes, ElectionStats& stats) : leader_(nodes, false), stats_(stats) {}

  // Node i now believes it leads (or not) at `now`.
  void set(NodeId i, bool is_leader, Time now) {
    if (leader_[i] == is_leader) return;
    leader_[i] = is_leader;
    if (is_leader) {
      if (leaders_ == 0) stats_.time_without_leader += now - no_leader_since_;
      ++leaders_;
      ++stats_.leader_changes;
      stats_.max_simultaneous_leaders = std::max(stats_.max_simultaneous_leaders, leaders_);
    } else {
      --leaders_;
      if (leaders_ == 0) no_leader_since_ = now;
    }
  }
  void saw_term(std::uint64_t term) { stats_.max_term = std::max(stats_.max_term, term); }
  bool leads(NodeId i) const { return leader_[i]; }
  // The run ends at `end`: a leaderless tail counts.
  void finish(Time end) {
    if (leaders_ == 0) stats_.time_without_leader += end - no_leader_since_;
  }

 private:
  std::vector<bool> leader_;
  ElectionStats& stats_;
  std::uint32_t leaders_ = 0;
  Time no_leader_since_ = 0;
};

}  // namespace consim
