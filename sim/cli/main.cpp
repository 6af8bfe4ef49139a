// consim: the command line.
//
// Exit codes: 0 success; 1 a run-time failure (an output file could not be
// written); 2 bad input from the user (command line or scenario), with one
// clear message on stderr and no output file written; 3 the run finished but
// an expectation of the scenario's "expect" block failed (sim/check/expect.h).
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "sim/cli/bench.h"
#include "sim/io/wallclock.h"
#include "sim/check/expect.h"
#include "sim/report/mermaid.h"
#include "sim/check/determinism.h"
#include "sim/report/report.h"
#include "sim/scenario/load.h"
#include "sim/sweep/sweep.h"
#include "sim/io/trace.h"
#include "sim/world/world.h"

namespace po = boost::program_options;
using namespace consim;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitExpectation = 3;

const char* kUsage = R"(consim: a deterministic simulator of the course chapter's replicated key-value
store (leader, followers, write quorum W, read quorum R, consistency levels),
measuring how often reads are stale, for how long, and at what cost.

Usage:
  consim run [FILE] [options]      run a scenario (the built-in default without FILE)
  consim sweep [FILE] --w LIST --r LIST [options] --output FILE.csv
                                   run a grid of W x R (x levels x any --vary field) to CSV
  consim merge SHARD.csv... --output ALL.csv   combine the shards of a sweep
  consim validate FILE...          check scenario files; print nothing else on success
  consim bench [--ops N] [--nodes N] [--replication leader|leaderless]
                                     measure the engine's speed and memory
  consim --help | --version

Examples:
  consim run                                   the chapter's cluster: 3 nodes, W=2, R=1
  consim run --set cluster.write_quorum=3      the chapter's "try W=3"
  consim run scenarios/partition-majority.json --seed 7 --format json --output report.json
  consim run --trace trace.jsonl               one JSON line per event
  consim run scenarios/classroom/01-step2-exercise1-eventual.json --mermaid ex1.md --mermaid-to-ms 300
                                               the run as a Mermaid sequence diagram
  consim sweep --w all --r all --seeds 5 --output grid.csv    W x R for the default scenario
  consim run --set cluster.replication=leaderless          the same cluster, Dynamo-style
  consim sweep scenarios/leaderless.json --w all --r all --probe-output probe.csv --output ll.csv
  consim validate scenarios/*.json

Run 'consim run --help' for the options of run.
Documentation: docs/ (README.md, architecture.md, scenario-format.md, consistency.md).
)";

void print_error(const std::string& msg) { fmt::print(stderr, "consim: {}\n", msg); }

po::variables_map parse(const po::options_description& desc, const po::positional_options_description& pos,
                        int argc, char** argv) {
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(desc).positional(pos).run(), vm);
  po::notify(vm);
  return vm;
}

int cmd_run(int argc, char** argv) {
  po::options_description desc("consim run [FILE] [options]");
  desc.add_options()
      ("help,h", "show this help")
      ("file", po::value<std::string>(), "scenario file (default: the built-in default scenario)")
      ("seed", po::value<std::uint64_t>(), "override the scenario's seed")
      ("set", po::value<std::vector<std::string>>()->composing(),
       "PATH=VALUE: change one scenario field, e.g. --set cluster.write_quorum=3 (repeatable)")
      ("format", po::value<std::string>()->default_value("text"), "report format: text or json")
      ("output,o", po::value<std::string>(), "write the report to FILE (default: standard output)")
      ("trace", po::value<std::string>(), "write one JSON line per event to FILE")
      ("quiet,q", "do not print the timing line on stderr")
      ("mermaid", po::value<std::string>(), "write the run's messages as a Mermaid sequence diagram to FILE.md")
      ("mermaid-from-ms", po::value<double>(), "diagram: start at this virtual time (ms)")
      ("mermaid-to-ms", po::value<double>(), "diagram: stop at this virtual time (ms)")
      ("mermaid-heartbeats", "diagram: also draw heartbeat messages and their replies")
      ("check-determinism", "run twice, compare a hash of every event, print one line; exit 1 on a difference");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm = parse(desc, pos, argc, argv);
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return kExitOk;
  }
  const std::string format = vm["format"].as<std::string>();
  if (format != "text" && format != "json") {
    print_error(fmt::format("--format {}: expected text or json", format));
    return kExitUsage;
  }
  std::vector<std::string> sets;
  if (vm.count("set")) sets = vm["set"].as<std::vector<std::string>>();
  if (vm.count("seed")) sets.push_back(fmt::format("seed={}", vm["seed"].as<std::uint64_t>()));
  const std::string file = vm.count("file") ? vm["file"].as<std::string>() : "";
  Scenario sc = load_scenario(file, sets);
  if (vm.count("check-determinism")) {
    const DeterminismResult r = compare_runs(sc, sc);
    fmt::print("{}\n", describe(r));
    return r.identical ? kExitOk : kExitFailure;
  }

  MermaidOptions mopt;
  if (vm.count("mermaid-from-ms")) mopt.from_ms = vm["mermaid-from-ms"].as<double>();
  if (vm.count("mermaid-to-ms")) mopt.to_ms = vm["mermaid-to-ms"].as<double>();
  mopt.heartbeats = vm.count("mermaid-heartbeats") > 0;
  if (!(mopt.from_ms >= 0) || (mopt.to_ms >= 0 && mopt.to_ms < mopt.from_ms)) {
    print_error("--mermaid-from-ms must be >= 0 and --mermaid-to-ms >= --mermaid-from-ms");
    return kExitUsage;
  }
  const std::string mermaid_out = vm.count("mermaid") ? vm["mermaid"].as<std::string>() : "";
  std::unique_ptr<TraceWriter> trace;
  // The diagram is made from the trace: the user's --trace file, or a temporary one.
  std::string trace_path = vm.count("trace") ? vm["trace"].as<std::string>() : "";
  const bool temp_trace = !mermaid_out.empty() && trace_path.empty();
  if (temp_trace) trace_path = mermaid_out + ".trace-tmp";
  if (!trace_path.empty()) trace = std::make_unique<TraceWriter>(trace_path);
  const double t0 = wall_seconds();
  World world(sc, trace.get());
  world.run();
  const double wall = wall_seconds() - t0;
  nlohmann::ordered_json rj = report_json(world);
  const std::vector<ExpectResult> expectations = evaluate_expectations(sc.expect, rj);
  std::string text;
  if (format == "json") {
    if (!sc.expect.empty()) rj["expectations"] = expectations_json(expectations);
    text = rj.dump(2) + "\n";
  } else {
    text = report_text(world);
    if (!sc.expect.empty()) text += expectations_text(expectations);
  }
  if (trace) trace->commit();
  if (!mermaid_out.empty()) {
    std::string diagram;
    try {
      diagram = mermaid_from_trace_file(trace_path, world, mopt);
    } catch (...) {
      if (temp_trace) std::remove(trace_path.c_str());
      throw;
    }
    if (temp_trace) std::remove(trace_path.c_str());
    write_file_atomically(mermaid_out, diagram);
  }
  write_file_atomically(vm.count("output") ? vm["output"].as<std::string>() : "-", text);
  if (!vm.count("quiet")) {
    const auto events = world.metrics().engine.events;
    fmt::print(stderr, "consim: {} events in {:.3f} s wall ({:.2f} M events/s)\n", events, wall,
               wall > 0 ? static_cast<double>(events) / wall / 1e6 : 0.0);
  }
  return all_pass(expectations) ? kExitOk : kExitExpectation;
}

int cmd_validate(int argc, char** argv) {
  po::options_description desc("consim validate FILE...");
  desc.add_options()("help,h", "show this help")("files", po::value<std::vector<std::string>>(), "scenario files");
  po::positional_options_description pos;
  pos.add("files", -1);
  po::variables_map vm = parse(desc, pos, argc, argv);
  if (vm.count("help") || !vm.count("files")) {
    std::cout << desc << "\n";
    return vm.count("help") ? kExitOk : kExitUsage;
  }
  int rc = kExitOk;
  for (const std::string& f : vm["files"].as<std::vector<std::string>>()) {
    try {
      load_scenario(f, {});
    } catch (const InputError& e) {
      print_error(e.what());
      rc = kExitUsage;
    }
  }
  return rc;
}

int cmd_bench(int argc, char** argv) {
  po::options_description desc("consim bench [options]");
  desc.add_options()
      ("help,h", "show this help")
      ("ops", po::value<std::uint64_t>()->default_value(1000000), "client operations to simulate")
      ("nodes", po::value<std::uint32_t>()->default_value(5), "cluster size")
      ("replication", po::value<std::string>()->default_value("leader"), "leader or leaderless")
      ("repeat", po::value<int>()->default_value(1), "runs; the best is reported");
  po::variables_map vm = parse(desc, {}, argc, argv);
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return kExitOk;
  }
  const auto ops = vm["ops"].as<std::uint64_t>();
  const auto nodes = vm["nodes"].as<std::uint32_t>();
  if (ops == 0 || nodes == 0 || nodes > kMaxNodes) {
    print_error(fmt::format("bench: --ops must be > 0 and --nodes within 1..{}", kMaxNodes));
    return kExitUsage;
  }
  const std::string mode = vm["replication"].as<std::string>();
  if (mode != "leader" && mode != "leaderless") {
    print_error(fmt::format("bench: --replication {}: expected leader or leaderless", mode));
    return kExitUsage;
  }
  Scenario sc = scenario_from_json(bench_scenario_json(ops, nodes, mode == "leaderless"), "<bench>");
  double best = 1e300;
  std::uint64_t events = 0;
  std::uint64_t reads = 0, writes = 0;
  for (int r = 0; r < std::max(1, vm["repeat"].as<int>()); ++r) {
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

int main(int argc, char** argv) {
  try {
    if (argc < 2) {
      std::cout << kUsage;
      return kExitUsage;
    }
    const std::string cmd = argv[1];
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      std::cout << kUsage;
      return kExitOk;
    }
    if (cmd == "--version" || cmd == "version") {
      std::cout << "consim " << CONSIM_VERSION << "\n";
      return kExitOk;
    }
    if (cmd == "run") return cmd_run(argc - 1, argv + 1);
    if (cmd == "validate") return cmd_validate(argc - 1, argv + 1);
    if (cmd == "bench") return cmd_bench(argc - 1, argv + 1);
    if (cmd == "sweep") return cmd_sweep(argc - 1, argv + 1);
    if (cmd == "merge") return cmd_merge(argc - 1, argv + 1);
    print_error(fmt::format("unknown command \"{}\"; expected run, sweep, merge, validate or bench (see consim --help)", cmd));
    return kExitUsage;
  } catch (const InputError& e) {
    print_error(e.what());
    return kExitUsage;
  } catch (const po::error& e) {
    print_error(fmt::format("{} (see consim --help)", e.what()));
    return kExitUsage;
  } catch (const std::exception& e) {
    print_error(e.what());
    return kExitFailure;
  }
}
