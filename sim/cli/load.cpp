// consim load: the scenario's workload and probe over HTTP at a live cluster (sim/live/load.h).
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "sim/cli/commands.h"
#include "sim/cli/common.h"
#include "sim/cli/live_options.h"
#include "sim/io/input.h"
#include "sim/io/output.h"
#include "sim/live/load.h"
#include "sim/scenario/load.h"

namespace po = boost::program_options;

namespace consim::cli {

namespace {

int load_main(int argc, char** argv) {
  po::options_description desc(
      "consim load [FILE] --target URLS [options]: the scenario's workload and probe, over HTTP, at a live cluster\n"
      "(consim serve, started separately), every operation recorded for consim check (docs/live.md)");
  desc.add_options()
      ("help,h", "show this help");
  po::positional_options_description pos;
  add_scenario_options(desc, pos, nullptr, nullptr,
                       "scenario file (default: the built-in default scenario); its workload and probe are played, "
                       "its cluster must match the target's");
  desc.add_options()
      ("target", po::value<std::string>(), "the nodes' URLs, comma-separated, in node order "
                                           "(e.g. http://127.0.0.1:4001,http://127.0.0.1:4002,http://127.0.0.1:4003)")
      ("history", po::value<std::string>(), "write every operation to FILE (consim history v1: consim check FILE)")
      ("force", "replace a read-only history file too")
      ("duration-ms", po::value<std::string>(), "start operations for this long (default: the scenario's duration_ms)")
      ("request-timeout-ms", po::value<std::string>(), "give up on a request after this long (default: the "
                                                       "scenario's request_timeout_ms)")
      ("max-connections", po::value<std::string>(), "open connections at most (default 64)");
  po::variables_map vm = parse(desc, pos, argc, argv);
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return kExitOk;
  }
  const ScenarioArgs args = scenario_args(vm);
  live::LoadOptions opt;
  if (!vm.count("target")) throw InputError("load: no --target given; e.g. --target http://127.0.0.1:4001,...");
  opt.targets = url_list(vm["target"].as<std::string>());
  if (opt.targets.empty()) throw InputError("--target: no URL given");
  if (const auto t = milliseconds_option(vm, "duration-ms", std::uint64_t{1} << 40)) opt.duration = *t;
  if (const auto t = milliseconds_option(vm, "request-timeout-ms", std::uint64_t{1} << 30)) opt.request_timeout = *t;
  if (const auto c = max_connections_option(vm, 10000)) opt.max_connections = *c;

  OutputPlan io(vm.count("force") > 0);
  if (!args.file.empty()) io.input(args.file, "the scenario file");
  Output* history_out = vm.count("history") ? &io.output(vm["history"].as<std::string>(), "--history") : nullptr;
  const Scenario sc = load_scenario(args.file, args.sets);

  std::string history;
  opt.record_history = history_out != nullptr;
  opt.history_text = &history;
  live::LoadCounts c;
  try {
    c = live::load(sc, opt, std::cout);
  } catch (const live::TargetError& e) {
    throw InputError(e.what());
  }
  std::cout << fmt::format(
      "consim load: stopped{} after {:.3f} s: {} operations invoked: {} ok, {} failed, {} unknown "
      "({} refused, {} timed out, {} redirects)\n",
      c.interrupted ? ", interrupted," : "", static_cast<double>(c.elapsed) / 1e9, c.invoked, c.ok, c.failed, c.unknown, c.refused, c.timed_out,
      c.redirects);
  if (history_out) {
    io.open();
    history_out->write(history);
    io.commit();
    std::cout << fmt::format("consim load: history written to {}\n", vm["history"].as<std::string>());
  }
  return kExitOk;
}

}  // namespace

int cmd_load(int argc, char** argv) { return guarded(load_main, argc, argv); }

}  // namespace consim::cli
