// sim/bench.h: wall-clock and memory readings, and the built-in benchmark.
//
// The only place in sim/ that reads a real clock. Nothing here feeds back into
// a simulation: wall time is printed on stderr, never into a report.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace consim {

double wall_seconds();            // monotonic, arbitrary origin
long peak_rss_kib();              // this process's high-water resident memory

// The benchmark scenario: `nodes` nodes (W = majority, R = 2), a mixed
// workload of `ops` operations, log-normal delays, 0.1% loss. Leader mode:
// every level, majority election. Leaderless: every level but `leader`,
// async read repair, anti-entropy every second.
nlohmann::json bench_scenario_json(std::uint64_t ops, std::uint32_t nodes, bool leaderless = false);

}  // namespace consim
