// consim bench: the engine's speed and memory on a fixed scenario.
#include "sim/cli/bench.h"

#include <algorithm>
#include <iostream>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "sim/cli/commands.h"
#include "sim/cli/common.h"
#include "sim/io/input.h"
#include "sim/io/wallclock.h"
#include "sim/scenario/load.h"
#include "sim/world/world.h"

namespace po = boost::program_options;

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

namespace cli {

namespace {

int bench_main(int argc, char** argv) {
  po::options_description desc("consim bench [options]");
  desc.add_options()
      ("help,h", "show this help")
      ("ops", po::value<std::string>()->default_value("1000000"), "client operations to simulate (1..1000000000)")
      ("nodes", po::value<std::string>()->default_value("5"), "cluster size (1..64)")
      ("replication", po::value<std::string>()->default_value("leader"), "leader or leaderless")
      ("repeat", po::value<std::string>()->default_value("1"), "runs; the best is reported (1..1000)")
      ("print-scenario", "print the scenario these options give, as JSON, and exit (for `consim run` with --set)");
  po::variables_map vm = parse(desc, {}, argc, argv);
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return kExitOk;
  }
  // At most the loader's operation budget (rate x duration <= 1e9).
  const std::uint64_t ops = *whole_option(vm, "ops", 1, 1'000'000'000);
  const auto nodes = static_cast<std::uint32_t>(*whole_option(vm, "nodes", 1, kMaxNodes));
  const auto repeat = static_cast<int>(*whole_option(vm, "repeat", 1, 1000));
  const std::string mode = vm["replication"].as<std::string>();
  if (mode != "leader" && mode != "leaderless") {
    print_error(fmt::format("bench: --replication {}: expected leader or leaderless", excerpt(mode)));
    return kExitUsage;
  }
  const nlohmann::json scenario = bench_scenario_json(ops, nodes, mode == "leaderless");
  if (vm.count("print-scenario")) {
    fmt::print("{}\n", scenario.dump(2));
    return kExitOk;
  }
  Scenario sc = scenario_from_json(scenario, "<bench>");
  double best = 1e300;
  std::uint64_t events = 0;
  std::uint64_t reads = 0, writes = 0;
  for (int r = 0; r < repeat; ++r) {
    World world(sc);
    const double t0 = wall_seconds();
    world.run();
    best = std::min(best, wall_seconds() - t0);
    events = world.metrics().engine.events;
    reads = writes = 0;
    for (const auto& rs : world.metrics().reads) reads += rs.reads;
    for (const auto& ws : world.metrics().writes) writes += ws.writes;
  }
  fmt::print("bench: {} nodes ({}), {} operations ({} reads, {} writes), {} events\n", nodes, mode, reads + writes, reads, writes,
             events);
  fmt::print("bench: {:.3f} s wall, {:.2f} M events/s, {:.0f} k ops/s, peak memory {} MiB\n", best,
             static_cast<double>(events) / best / 1e6, static_cast<double>(reads + writes) / best / 1e3,
             peak_rss_kib() / 1024);
  return kExitOk;
}

}  // namespace

int cmd_bench(int argc, char** argv) { return guarded(bench_main, argc, argv); }

}  // namespace cli
}  // namespace consim
