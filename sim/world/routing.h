// sim/world/routing.h: which node a client's operation goes to.
//
// One rule for the simulator's clients (sim/world/clients.cpp) and for
// `consim load`'s (sim/live/load.cpp), so that a live load issues the
// simulator's operations to the simulator's nodes, draw for draw.
#pragma once

#include <cstdint>

#include "core/types.h"
#include "sim/engine/rng.h"
#include "sim/scenario/scenario.h"

namespace consim {

// The node for one operation of client `client` among `nodes` nodes (>= 1),
// whose leader hint is `leader_hint` (< nodes). Draws from `rng` exactly
// once for random and followers (with more than one node), never otherwise.
// Routing::client returns kNoNode: the client coordinates itself.
NodeId route_node(Routing routing, std::uint32_t client, NodeId nodes, NodeId leader_hint, Rng& rng);

}  // namespace consim
