// consim sweep / consim merge: the command line around sim/sweep/sweep.h.
#include <unistd.h>

#include <array>
#include <iostream>
#include <thread>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "sim/cli/commands.h"
#include "sim/cli/common.h"
#include "sim/cli/progress.h"
#include "sim/scenario/load.h"
#include "sim/sweep/provenance.h"
#include "sim/sweep/sweep.h"
#include "sim/io/input.h"
#include "sim/io/output.h"

namespace po = boost::program_options;

namespace consim::cli {

namespace {

int sweep_main(int argc, char** argv) {
  po::options_description desc(
      "consim sweep [FILE] --output FILE.csv [options]\n"
      "Run a scenario over a grid of W, R and any --vary'd fields, K seeds per point;\n"
      "write one CSV row per grid point and level (docs/sweep.md).\n"
      "LIST: 1..5 | 1,2,4 | all (1..N) | majority (N/2+1) | n (N); --vary values are\n"
      "parsed like --set values; a..b ranges only for integers");
  desc.add_options()
      ("help,h", "show this help");
  po::positional_options_description pos;
  add_scenario_options(desc, pos, "PATH=VALUE: change a scenario field before sweeping (repeatable)",
                       "the base seed (default: the scenario's)");
  desc.add_options()
      ("default", "use the built-in default scenario (same as giving no FILE)")
      ("w", po::value<std::string>(), "LIST of write quorums W (default: the scenario's)")
      ("r", po::value<std::string>(), "LIST of read quorums R (default: the scenario's)")
      ("vary", po::value<std::vector<std::string>>()->composing(),
       "PATH=LIST: sweep a scenario field too, e.g. network.loss=0,0.01 or cluster.nodes=3,5,7 (repeatable)")
      ("levels", po::value<std::string>(),
       "levels to write rows for, e.g. eventual,strong or all (default: the levels the scenario reads at)")
      ("seeds", po::value<std::string>()->default_value("3"), "runs (seeds) per grid point")
      ("per-seed", "gone: per-seed rows are their own table, --seeds-output FILE")
      ("jobs,j", po::value<std::string>(), "parallel runs (default: the number of hardware threads)")
      ("shard", po::value<std::string>(), "I/N: run only grid points with index % N == I-1; write a shard file for consim merge")
      ("resume", "continue from OUTPUT.partial left by an interrupted run of the same sweep")
      ("output,o", po::value<std::string>(), "the CSV file to write (required; - for standard output)")
      ("window-output", po::value<std::string>(), "also write the stale-read window, long format, to FILE")
      ("probe-output", po::value<std::string>(), "also write the probe's P(stale) by delay, long format, to FILE")
      ("writes-output", po::value<std::string>(), "also write the writes, one row per grid point, to FILE")
      ("seeds-output", po::value<std::string>(), "also write one row per grid point, level and seed (the seed's own counts) to FILE")
      ("meta-output", po::value<std::string>(),
       "also write the sweep's provenance (version, commit, hash, scenario, every table's columns and types) as JSON to FILE")
      ("force", "replace read-only output files too")
      ("quiet,q", "no progress line and no summary on stderr");
  add_progress_option(desc);
  const po::variables_map vm = parse(desc, pos, argc, argv);
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return kExitOk;
  }
  if (!vm.count("output")) throw InputError("sweep: --output FILE.csv is required");
  const ScenarioArgs args = scenario_args(vm);
  const std::string& file = args.file;
  if (vm.count("default") && !file.empty())
    throw InputError(fmt::format("sweep: give either FILE ({}) or --default, not both", excerpt(file, 200)));
  if (file == "-") throw InputError("sweep: reading the scenario from standard input is not supported; give a FILE");

  // Everything the user gave is checked here, before any run starts.
  sweep::SweepOptions opt;
  opt.source = file.empty() ? "<default>" : file;
  opt.scenario = file.empty() ? parse_scenario_text(default_scenario_text(), opt.source) : read_scenario_file(file);
  for (const std::string& s : args.sets) apply_set(opt.scenario, s, opt.source);
  if (vm.count("w")) opt.w_list = vm["w"].as<std::string>();
  if (vm.count("r")) opt.r_list = vm["r"].as<std::string>();
  if (vm.count("vary"))
    for (const std::string& v : vm["vary"].as<std::vector<std::string>>()) opt.vary.push_back(sweep::parse_vary(v));
  if (vm.count("levels")) opt.levels = sweep::parse_levels(vm["levels"].as<std::string>());
  opt.seeds = static_cast<std::uint32_t>(*whole_option(vm, "seeds", 1, sweep::kMaxSweepRuns));
  if (vm.count("per-seed"))
    throw InputError("--per-seed: per-seed rows are a table of their own now: --seeds-output FILE.csv (docs/sweep.md)");
  opt.per_seed = vm.count("seeds-output") > 0;
  sweep::Shard shard;
  const bool sharded = vm.count("shard") > 0;
  if (sharded) shard = sweep::parse_shard(vm["shard"].as<std::string>());
  unsigned jobs = std::min(std::max(1u, std::thread::hardware_concurrency()), sweep::kMaxJobs);
  if (const auto j = whole_option(vm, "jobs", 1, sweep::kMaxJobs)) jobs = static_cast<unsigned>(*j);
  const bool resume = vm.count("resume") > 0;
  const bool quiet = vm.count("quiet") > 0;

  std::array<std::string, sweep::kTableCount> out_path;
  for (int t = 0; t < sweep::kTableCount; ++t) {
    const std::string_view option = sweep::output_option(static_cast<sweep::Table>(t));
    const std::string name(option.substr(2));
    if (!vm.count(name)) continue;
    out_path[t] = vm[name].as<std::string>();
    if (out_path[t].empty()) throw InputError(fmt::format("{}: an empty file name was given", option));
  }

  const sweep::Grid grid = sweep::expand_grid(opt);
  sweep::FilePlan plan;
  plan.outputs = out_path;
  if (!file.empty()) plan.inputs.emplace_back(file, "the scenario file");
  if (vm.count("meta-output")) {
    plan.meta_output = vm["meta-output"].as<std::string>();
    if (plan.meta_output.empty()) throw InputError("--meta-output: an empty file name was given");
    plan.meta_text = sweep::provenance_json(grid, opt, shard, out_path);
  }
  plan.force = vm.count("force") > 0;
  plan.shard = shard;
  plan.sharded = sharded;
  plan.resume = resume;
  plan.jobs = jobs;
  ProgressLine progress("sweep", progress_mode(vm));
  if (progress.enabled())
    plan.progress = [&progress](std::size_t n, std::size_t total) {
      const std::string detail = fmt::format("{}/{} runs", n, total);
      if (n < total)
        progress.update(static_cast<double>(n) / static_cast<double>(total), detail);
      else
        progress.finish(detail);
    };
  const sweep::SweepSummary sum = sweep::run_sweep_files(grid, plan);
  if (!quiet) {
    if (resume && !sum.found_partial)
      fmt::print(stderr, "consim: sweep: no {}.partial to resume: ran the whole sweep\n", out_path[0]);
    fmt::print(stderr, "consim: sweep {}: {} point(s){} x {} seed(s): {} run(s){} in {:.3f} s wall, {} job(s)\n",
               grid.hash, sum.points,
               sharded ? fmt::format(" of {} (shard {}/{})", grid.points.size(), shard.index, shard.count) : "",
               grid.seeds, sum.runs, sum.resumed ? fmt::format(" ({} point(s) resumed)", sum.resumed) : "",
               sum.wall_seconds, std::min<std::size_t>(jobs, std::max<std::size_t>(1, sum.runs)));
  }
  return kExitOk;
}

int merge_main(int argc, char** argv) {
  po::options_description desc(
      "consim merge SHARD.csv... --output ALL.csv\n"
      "Combine the shard files of one sweep (consim sweep --shard I/N) into the file\n"
      "the unsharded sweep writes, byte for byte");
  desc.add_options()
      ("help,h", "show this help")
      ("files", po::value<std::vector<std::string>>(), "shard files")
      ("output,o", po::value<std::string>(), "the merged CSV (default: standard output)")
      ("force", "replace a read-only output file too");
  po::positional_options_description pos;
  pos.add("files", -1);
  const po::variables_map vm = parse(desc, pos, argc, argv);
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return kExitOk;
  }
  if (!vm.count("files")) throw InputError("merge: no shard files given (consim merge A.csv B.csv ... --output ALL.csv)");
  const std::vector<std::string> names = vm["files"].as<std::vector<std::string>>();
  OutputPlan io(vm.count("force") > 0);
  for (const std::string& f : names) io.input(f, "the shard file");
  Output& out = io.output(vm.count("output") ? vm["output"].as<std::string>() : "-",
                          vm.count("output") ? "--output" : "the merged table");
  std::vector<std::pair<std::string, std::string>> files;
  std::uint64_t total = 0;
  for (const std::string& f : names) {
    files.emplace_back(f, read_input_file(f, kMaxTableBytes, "a sweep shard file"));
    total += files.back().second.size();
    if (total > sweep::kMaxMergeBytes)
      throw InputError(fmt::format("merge: the shard files hold more than {} bytes together (the limit, "
                                   "docs/reliability.md \"Budgets\"); {} is where it is passed",
                                   sweep::kMaxMergeBytes, f));
  }
  out.write(sweep::merge_shards(files));
  io.commit();
  return kExitOk;
}

}  // namespace

int cmd_sweep(int argc, char** argv) { return guarded(sweep_main, argc, argv); }
int cmd_merge(int argc, char** argv) { return guarded(merge_main, argc, argv); }

}  // namespace consim::cli
