// sim/world/routing.cpp: see routing.h.
#include "sim/world/routing.h"

namespace consim {

NodeId route_node(Routing routing, std::uint32_t client, NodeId nodes, NodeId leader_hint, Rng& rng) {
  switch (routing) {
    case Routing::random: return static_cast<NodeId>(rng.next_below(nodes));
    case Routing::sticky: return static_cast<NodeId>(client % nodes);
    case Routing::leader: return leader_hint;
    case Routing::followers: {
      if (nodes == 1) return 0;
      const auto pick = static_cast<NodeId>(rng.next_below(nodes - 1));
      return pick >= leader_hint ? pick + 1 : pick;
    }
    case Routing::client: return kNoNode;
  }
  return 0;
}

}  // namespace consim
