#include "sim/world/audit.h"

#include <algorithm>
#include <tuple>

#include "core/placement.h"

namespace consim {

void audit_final_state(const Scenario& sc, const Host& host, const LeaderTracker& leaders, const Checker& checker,
                       ConvergenceTracker& convergence, const Clients& clients, std::uint32_t keys, Metrics& m) {
  const std::uint32_t n = host.size();
  auto owners_of = [&](Key k) { return replica_mask(k, n, sc.cluster.replicas); };
  if (sc.cluster.replication == Replication::leaderless) {
    // No node's state is the reference: a key's final version is the
    // newest any live replica of it holds (what a read of all would find).
    m.lost = checker.lost_writes([&](Key k) {
      Version v;
      const std::uint64_t owners = owners_of(k);
      for (NodeId i = 0; i < n; ++i)
        if (host.up(i) && ((owners >> i) & 1)) v = std::max(v, host.node(i).record(k).version);
      return v;
    });
    m.lost.reference = kNoNode;
    for (NodeId i = 0; i < n; ++i) m.leaderless.add(host.node(i).leaderless_counters());
    m.leaderless.add(clients.coordinator_counters());
  } else {
    // The live node that leads with the highest term, or else the live node
    // with the most up-to-date log.
    NodeId ref = kNoNode;
    NodeStatus best{};
    auto rank = [](const NodeStatus& s, bool leader) {
      return std::tuple<bool, std::uint64_t, std::uint64_t, std::uint64_t>(leader, leader ? s.term : 0, s.last_term,
                                                                            s.last_index);
    };
    for (NodeId i = 0; i < n; ++i) {
      if (!host.up(i)) continue;
      const NodeStatus st = host.node(i).status();
      if (ref == kNoNode || rank(st, leaders.leads(i)) > rank(best, leaders.leads(ref))) {
        ref = i;
        best = st;
      }
    }
    if (ref != kNoNode) {
      const Node& rn = host.node(ref);
      m.lost = checker.lost_writes([&](Key k) { return rn.record(k).version; });
      m.lost.reference = ref;
    }
  }
  // Did the live replicas converge?
  std::uint32_t diverged = 0;
  for (Key k = 0; k < keys; ++k) {
    Version v0;
    bool first = true;
    const std::uint64_t owners = owners_of(k);
    for (NodeId i = 0; i < n; ++i) {
      if (!host.up(i) || !((owners >> i) & 1)) continue;
      const Version v = host.node(i).record(k).version;
      if (first) {
        v0 = v;
        first = false;
      } else if (v != v0) {
        ++diverged;
        break;
      }
    }
  }
  m.convergence.keys_diverged = diverged;
  m.convergence.cluster_converged = diverged == 0;
  convergence.finish(m.convergence);
  std::stable_sort(m.script.begin(), m.script.end(),
                   [](const ScriptResult& a, const ScriptResult& b) { return a.index < b.index; });
}

}  // namespace consim
