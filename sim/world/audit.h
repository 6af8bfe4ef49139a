// sim/world/audit.h: the books closed at the end of a run.
//
// After the last event: lost writes (acknowledged writes missing from the
// final state: in leader mode the state of the live node that leads with the
// highest term, or else the live node with the most up-to-date log; in
// leaderless mode, per key, the newest version any live replica holds),
// whether the live replicas converged, what the leaderless coordinators and
// replicas did, and the script's results in script order.
#pragma once

#include "sim/check/checker.h"
#include "sim/check/elections.h"
#include "sim/check/metrics.h"
#include "sim/scenario/scenario.h"
#include "sim/world/clients.h"
#include "sim/world/host.h"

namespace consim {

void audit_final_state(const Scenario& sc, const Host& host, const LeaderTracker& leaders, const Checker& checker,
                       ConvergenceTracker& convergence, const Clients& clients, std::uint32_t keys, Metrics& m);

}  // namespace consim
