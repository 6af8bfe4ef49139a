#include "sim/check/metrics.h"

namespace consim {

std::string_view to_string(FailReason r) {
  switch (r) {
    case FailReason::node_timeout: return "node_timeout";
    case FailReason::client_timeout: return "client_timeout";
    case FailReason::no_leader: return "no_leader";
    case FailReason::behind: return "behind";
  }
  return "?";
}

void prepare_metrics(const Scenario& sc, Metrics& m) {
  const auto& edges = sc.measure.window_edges;
  for (int l = 0; l < kLevelCount; ++l) {
    for (std::size_t i = 0; i < edges.size(); ++i) {
      WindowBucket b;
      b.lo = edges[i];
      b.hi = i + 1 < edges.size() ? edges[i + 1] : kNever;
      m.window[l].push_back(b);
    }
    for (Time d : sc.probe.delays) m.probe[l].push_back(ProbeCell{d, 0, 0, 0});
  }
  if (sc.probe.enabled)
    for (Level l : sc.probe.levels) m.level_used[static_cast<int>(l)] = true;
  if (sc.workload.enabled)
    for (int l = 0; l < kLevelCount; ++l)
      if (sc.workload.level_weights[l] > 0) m.level_used[l] = true;
  for (const ScriptedOp& op : sc.script)
    if (op.op == OpType::get) m.level_used[static_cast<int>(op.level)] = true;
}

}  // namespace consim
