// consim check: judge a saved history (sim/check/history.h) without running anything.
#include <iostream>
#include <string>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "sim/check/history.h"
#include "sim/check/history_staleness.h"
#include "sim/check/linearizability.h"
#include "sim/cli/commands.h"
#include "sim/cli/common.h"
#include "sim/io/input.h"
#include "sim/io/output.h"
#include "sim/report/linearizability_section.h"

namespace po = boost::program_options;

namespace consim::cli {

namespace {

int check_main(int argc, char** argv) {
  po::options_description desc(
      "consim check HISTORY.jsonl [--linearizable] [options]: stale reads, the window, the probe and sessions\n"
      "of a saved history (consim run, serve or load --history), and with --linearizable its linearizability,\n"
      "key by key");
  desc.add_options()
      ("help,h", "show this help")
      ("history", po::value<std::string>(), "the history file (consim history v1, as consim run --history writes it)")
      ("linearizable", "check the history for linearizability too, key by key")
      ("format", po::value<std::string>()->default_value("text"), "report format: text or json")
      ("output,o", po::value<std::string>(), "write the report to FILE (default: standard output)")
      ("force", "replace read-only output files too")
      ("max-ops-per-key", po::value<std::string>(), "a key with more operations is unknown (default 100000)")
      ("max-states-per-key", po::value<std::string>(), "a key whose search explores more states is unknown (default 1000000)");
  po::positional_options_description pos;
  pos.add("history", 1);
  po::variables_map vm = parse(desc, pos, argc, argv);
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return kExitOk;
  }
  if (!vm.count("history"))
    throw InputError(
        "check: no history file given; usage: consim check [--linearizable] HISTORY.jsonl (a history written by "
        "consim run, serve or load --history)");
  const bool linearizable = vm.count("linearizable") > 0;
  const std::string format = vm["format"].as<std::string>();
  if (format != "text" && format != "json") {
    print_error(fmt::format("--format {}: expected text or json", excerpt(format)));
    return kExitUsage;
  }
  LinearizabilityLimits lim;
  if (const auto n = whole_option(vm, "max-ops-per-key", 1, std::uint64_t{1} << 24)) lim.max_ops_per_key = *n;
  if (const auto n = whole_option(vm, "max-states-per-key", 1, std::uint64_t{1} << 32)) lim.max_states_per_key = *n;
  const std::string file = vm["history"].as<std::string>();
  if (file.empty()) throw InputError("check: an empty history file name was given");

  OutputPlan io(vm.count("force") > 0);
  io.input(file, "the history file");
  Output& report = vm.count("output") ? io.output(vm["output"].as<std::string>(), "--output")
                                      : io.output("-", "the report");
  const History h = parse_history_jsonl(read_input_file(file, kMaxTableBytes, "a history file"), file);
  const HistoryStaleness st = judge_staleness(h);
  LinearizabilityResult r;
  if (linearizable) r = check_linearizability(h, lim);

  std::string text;
  if (format == "json") {
    nlohmann::ordered_json j;
    j["consim_version"] = CONSIM_VERSION;
    j["history"] = {{"file", file},
                    {"scenario", h.meta.scenario},
                    {"source", h.meta.source},
                    {"seed", std::to_string(h.meta.seed)},
                    {"ops", h.ops.size()}};
    j["staleness"] = staleness_json(st);
    if (linearizable) j["linearizability"] = linearizability_json(r);
    text = j.dump(2) + "\n";
  } else {
    text = fmt::format("consim {}: history {} (scenario \"{}\", seed {}, {} operations)\n", CONSIM_VERSION, file,
                       h.meta.scenario, h.meta.seed, h.ops.size());
    staleness_text(st, text);
    if (linearizable) linearizability_text(linearizability_json(r), text);
  }
  io.open();
  report.write(text);
  io.commit();
  if (!linearizable) return kExitOk;
  return r.all.not_linearizable == 0 && r.all.unknown == 0 ? kExitOk : kExitExpectation;
}

}  // namespace

int cmd_check(int argc, char** argv) { return guarded(check_main, argc, argv); }

}  // namespace consim::cli
