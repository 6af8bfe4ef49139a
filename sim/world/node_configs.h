// sim/world/node_configs.h: the nodes' configurations, as a scenario sets them.
//
// The simulator (sim/world/world.cpp) and the real-time driver (sim/live/)
// build their Host from the same configs, so a scenario means the same
// cluster in both. Entry i is node i's config (id i); `key_space` is the
// hint of NodeConfig::key_space (0: the store grows as keys come).
// REQUIRES: `sc` was validated by scenario_from_json().
#pragma once

#include <cstdint>
#include <vector>

#include "core/node.h"
#include "sim/scenario/scenario.h"

namespace consim {

std::vector<NodeConfig> node_configs(const Scenario& sc, std::uint32_t key_space);

}  // namespace consim
