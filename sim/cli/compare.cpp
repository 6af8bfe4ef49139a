// consim compare: one scenario under two settings, the same seeds, every metric side by side.
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "sim/cli/commands.h"
#include "sim/cli/common.h"
#include "sim/compare/compare.h"
#include "sim/io/input.h"
#include "sim/io/output.h"
#include "sim/io/wallclock.h"
#include "sim/report/report.h"
#include "sim/scenario/load.h"
#include "sim/sweep/grid.h"
#include "sim/world/world.h"

namespace po = boost::program_options;

namespace consim::cli {

namespace {

constexpr std::uint64_t kMaxCompareSeeds = 1000;

std::string joined(const std::vector<std::string>& v, const std::string& none) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : " ") + x;
  return s.empty() ? none : s;
}

int compare_main(int argc, char** argv) {
  po::options_description desc(
      "consim compare [FILE] [--set PATH=VALUE]... --vs-set PATH=VALUE... [options]\n"
      "Run a scenario twice per seed, as given (A) and with --vs-set on top (B), with the\n"
      "same seeds, and print every metric side by side: B - A, its 95% interval, and\n"
      "whether the difference is beyond noise. E.g. the chapter's Step 5, W=1 against W=3:\n"
      "  consim compare --set cluster.write_quorum=1 --vs-set cluster.write_quorum=3 --seeds 5");
  desc.add_options()
      ("help,h", "show this help");
  po::positional_options_description pos;
  add_scenario_options(desc, pos, "PATH=VALUE: change a field on both sides (repeatable)",
                       "the first seed (default: the scenario's)");
  desc.add_options()
      ("vs-set", po::value<std::vector<std::string>>()->composing(),
       "PATH=VALUE: change a field on side B only, after --set (repeatable; at least one)")
      ("seeds", po::value<std::string>()->default_value("1"),
       "runs per side (1..1000): the first seed, then seeds derived from it; 2 or more give intervals for values")
      ("format", po::value<std::string>()->default_value("text"), "text, json or html (one self-contained page)")
      ("output,o", po::value<std::string>(), "write the comparison to FILE (default: standard output)")
      ("force", "replace a read-only output file too")
      ("quiet,q", "no timing line on stderr");
  const po::variables_map vm = parse(desc, pos, argc, argv);
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return kExitOk;
  }
  const std::string format = vm["format"].as<std::string>();
  if (format != "text" && format != "json" && format != "html")
    throw InputError(fmt::format("--format {}: expected text, json or html", excerpt(format)));
  if (!vm.count("vs-set"))
    throw InputError("compare: --vs-set PATH=VALUE is required: what side B changes (e.g. --vs-set cluster.write_quorum=3)");
  const ScenarioArgs args = scenario_args(vm);
  const std::string& file = args.file;
  const std::vector<std::string>& sets = args.sets;
  const std::vector<std::string> vs = vm["vs-set"].as<std::vector<std::string>>();
  const std::uint64_t k = *whole_option(vm, "seeds", 1, kMaxCompareSeeds);

  OutputPlan io(vm.count("force") > 0);
  if (!file.empty()) io.input(file, "the scenario file");
  Output& out = vm.count("output") ? io.output(vm["output"].as<std::string>(), "--output") : io.output("-", "the comparison");

  // Both sides load (and are checked, budgets included) before anything runs.
  std::vector<std::string> sets_b = sets;
  sets_b.insert(sets_b.end(), vs.begin(), vs.end());
  const Scenario base_a = load_scenario(file, sets);
  load_scenario(file, sets_b);
  CompareInput in;
  in.label_a = joined(args.user_sets, "the scenario as given");
  // B's settings: A's, less those --vs-set replaces, then --vs-set's.
  std::vector<std::string> label_b;
  auto path_of = [](const std::string& s) { return s.substr(0, s.find('=')); };
  for (const std::string& s : args.user_sets) {
    bool replaced = false;
    for (const std::string& v : vs) replaced = replaced || path_of(v) == path_of(s);
    if (!replaced) label_b.push_back(s);
  }
  label_b.insert(label_b.end(), vs.begin(), vs.end());
  in.label_b = joined(label_b, "");
  for (std::uint64_t i = 0; i < k; ++i)
    in.seeds.push_back(i == 0 ? base_a.seed : sweep::run_seed(base_a.seed, "compare", static_cast<std::uint32_t>(i - 1)));
  const double t0 = wall_seconds();
  for (std::uint64_t s : in.seeds) {
    for (int side = 0; side < 2; ++side) {
      std::vector<std::string> with_seed = side == 0 ? sets : sets_b;
      with_seed.push_back(fmt::format("seed={}", s));
      const Scenario sc = load_scenario(file, with_seed);
      World world(sc, nullptr);
      world.run();
      (side == 0 ? in.a : in.b).push_back(report_json(world));
    }
  }
  const nlohmann::ordered_json c = compare_reports(in);
  out.write(format == "json" ? c.dump(2) + "\n" : format == "html" ? compare_html(c) : compare_text(c));
  io.commit();
  if (!vm.count("quiet"))
    fmt::print(stderr, "consim: compare: {} run(s) in {:.3f} s wall\n", 2 * k, wall_seconds() - t0);
  return kExitOk;
}

}  // namespace

int cmd_compare(int argc, char** argv) { return guarded(compare_main, argc, argv); }

}  // namespace consim::cli
