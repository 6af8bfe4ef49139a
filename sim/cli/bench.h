// sim/cli/bench.h: the built-in benchmark's scenario (consim bench).
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace consim {

// The benchmark scenario: `nodes` nodes (W = majority, R = 2), a mixed
// workload of `ops` operations, log-normal delays, 0.1% loss. Leader mode:
// every level, majority election. Leaderless: every level but `leader`,
// async read repair, anti-entropy every second.
nlohmann::json bench_scenario_json(std::uint64_t ops, std::uint32_t nodes, bool leaderless = false);

}  // namespace consim
