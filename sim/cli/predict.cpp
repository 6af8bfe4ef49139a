// consim predict: the PBS model of a scenario (sim/predict/pbs.h), without
// running it.
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "sim/cli/commands.h"
#include "sim/cli/common.h"
#include "sim/io/input.h"
#include "sim/io/output.h"
#include "sim/predict/pbs.h"
#include "sim/predict/predict_report.h"
#include "sim/scenario/load.h"

namespace po = boost::program_options;

namespace consim::cli {

namespace {

int predict_main(int argc, char** argv) {
  po::options_description desc("consim predict [FILE] [options]");
  // clang-format off
  desc.add_options()
      ("help,h", "show this help");
  po::positional_options_description pos;
  add_scenario_options(desc, pos, "PATH=VALUE: change one scenario field, e.g. --set cluster.nodes=5 (repeatable)");
  desc.add_options()
      ("trials", po::value<std::string>(), "Monte Carlo trials (100..10000000, default 100000)")
      ("quorums", po::value<std::string>()->default_value("all"),
       "all: every (R, W) in 1..N; scenario: the scenario's read_quorum and write_quorum only")
      ("format", po::value<std::string>()->default_value("text"), "output format: text, json or csv")
      ("output,o", po::value<std::string>(), "write the prediction to FILE (default: standard output)")
      ("force", "replace read-only output files too");
  // clang-format on
  po::variables_map vm = parse(desc, pos, argc, argv);
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return kExitOk;
  }
  const std::string format = vm["format"].as<std::string>();
  if (format != "text" && format != "json" && format != "csv") {
    print_error(fmt::format("--format {}: expected text, json or csv", excerpt(format)));
    return kExitUsage;
  }
  const std::string quorums = vm["quorums"].as<std::string>();
  if (quorums != "all" && quorums != "scenario") {
    print_error(fmt::format("--quorums {}: expected all or scenario", excerpt(quorums)));
    return kExitUsage;
  }
  PbsOptions opt;
  opt.scenario_quorums = quorums == "scenario";
  if (const auto t = whole_option(vm, "trials", kMinPbsTrials, kMaxPbsTrials)) opt.trials = *t;
  const ScenarioArgs args = scenario_args(vm);
  const std::vector<std::string>& sets = args.sets;
  const std::string& file = args.file;

  OutputPlan io(vm.count("force") > 0);
  if (!file.empty()) io.input(file, "the scenario file");
  Output& out =
      vm.count("output") ? io.output(vm["output"].as<std::string>(), "--output") : io.output("-", "the prediction");
  const Scenario sc = load_scenario(file, sets);
  const PbsPrediction p = predict_pbs(sc, opt);
  const std::string text = format == "json"  ? predict_json(sc, p).dump(2) + "\n"
                           : format == "csv" ? predict_csv(p)
                                             : predict_text(sc, p);
  io.open();
  out.write(text);
  io.commit();
  return kExitOk;
}

}  // namespace

int cmd_predict(int argc, char** argv) { return guarded(predict_main, argc, argv); }

}  // namespace consim::cli
