#include "sim/cli/bench.h"

namespace consim {

nlohmann::json bench_scenario_json(std::uint64_t ops, std::uint32_t nodes, bool leaderless) {
  const double rate = 10000.0;  // operations per virtual second
  const double duration_ms = static_cast<double>(ops) / rate * 1000.0;
  nlohmann::json j = {
      {"name", "bench"},
      {"description", "consim bench: a fixed mixed workload for measuring the engine"},
      {"seed", 7},
      {"duration_ms", duration_ms},
      {"drain_ms", 2000},
      {"cluster",
       {{"nodes", nodes},
        {"write_quorum", "majority"},
        {"read_quorum", nodes >= 2 ? 2 : 1},
        {"election", "majority"},
        {"heartbeat_interval_ms", 50},
        {"election_timeout_ms", 300}}},
      {"network", {{"delay", {{"type", "lognormal"}, {"median_ms", 1}, {"sigma", 0.5}}}, {"loss", 0.001}}},
      {"workload",
       {{"mode", "open"},
        {"rate_per_s", rate},
        {"clients", 100},
        {"read_fraction", 0.7},
        {"write_fraction", 0.25},
        {"delete_fraction", 0.05},
        {"keys", 1000},
        {"zipf", 0.9},
        {"levels", {{"eventual", 1}, {"strong", 1}, {"read_your_writes", 1}, {"monotonic_reads", 1}, {"causal", 1}, {"leader", 1}}},
        {"routing", "random"}}},
  };
  if (leaderless) {
    auto& c = j["cluster"];
    c.erase("election");
    c["replication"] = "leaderless";
    c["read_repair"] = "async";
    c["anti_entropy_interval_ms"] = 1000;
    j["workload"]["levels"].erase("leader");
  }
  return j;
}

}  // namespace consim
