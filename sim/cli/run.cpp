// consim run: one scenario, its report, and optionally its trace and diagram.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "sim/check/determinism.h"
#include "sim/check/expect.h"
#include "sim/check/history.h"
#include "sim/check/history_export.h"
#include "sim/cli/commands.h"
#include "sim/cli/common.h"
#include "sim/cli/progress.h"
#include "sim/io/input.h"
#include "sim/io/output.h"
#include "sim/io/trace.h"
#include "sim/io/wallclock.h"
#include "sim/predict/pbs.h"
#include "sim/predict/predict_report.h"
#include "sim/report/html.h"
#include "sim/report/mermaid.h"
#include "sim/report/run_trace.h"
#include "sim/report/report.h"
#include "sim/scenario/load.h"
#include "sim/world/history_sink.h"
#include "sim/world/world.h"

namespace po = boost::program_options;

namespace consim::cli {

namespace {

int run_main(int argc, char** argv) {
  po::options_description desc("consim run [FILE] [options]");
  desc.add_options()
      ("help,h", "show this help");
  po::positional_options_description pos;
  add_scenario_options(desc, pos);
  desc.add_options()
      ("format", po::value<std::string>()->default_value("text"), "report format: text or json")
      ("output,o", po::value<std::string>(), "write the report to FILE (default: standard output)")
      ("trace", po::value<std::string>(), "write one JSON line per event to FILE")
      ("history", po::value<std::string>(), "write the history of client operations to FILE")
      ("history-format", po::value<std::string>()->default_value("consim"),
       "--history as: consim (consim history v1, JSON lines), edn (Jepsen: Knossos, Elle) or porcupine (JSON)")
      ("force", "replace read-only output files too")
      ("quiet,q", "no progress line and no timing line on stderr")
      ("mermaid", po::value<std::string>(), "write the run's messages as a Mermaid sequence diagram to FILE.md")
      ("mermaid-from-ms", po::value<std::string>(), "diagram: start at this virtual time (ms)")
      ("mermaid-to-ms", po::value<std::string>(), "diagram: stop at this virtual time (ms)")
      ("mermaid-heartbeats", "diagram: also draw heartbeat messages and their replies")
      ("mermaid-key", po::value<std::vector<std::string>>()->composing(), "diagram: only this key (repeatable, or a comma list)")
      ("mermaid-client", po::value<std::vector<std::string>>()->composing(), "diagram: only this client, named as in the report: client-K, workload-K, probe (repeatable, or a comma list)")
      ("predict", "probe section: the PBS model's P(stale) beside the measured one (consim predict)")
      ("predict-trials", po::value<std::string>(), "--predict: Monte Carlo trials (100..10000000, default 100000)")
      ("html", po::value<std::string>(), "write one self-contained HTML page to FILE: the report, a time-scaled message diagram, the operations")
      ("html-from-ms", po::value<std::string>(), "page: the diagrams start at this virtual time (ms; default: around the first stale read)")
      ("html-to-ms", po::value<std::string>(), "page: the diagrams stop at this virtual time (ms)")
      ("check-determinism", "run twice, compare a hash of every event, print one line; exit 1 on a difference");
  add_progress_option(desc);
  po::variables_map vm = parse(desc, pos, argc, argv);
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return kExitOk;
  }
  const ProgressMode mode = progress_mode(vm);
  const std::string format = vm["format"].as<std::string>();
  if (format != "text" && format != "json") {
    print_error(fmt::format("--format {}: expected text or json", excerpt(format)));
    return kExitUsage;
  }
  const std::string history_format = vm["history-format"].as<std::string>();
  if (history_format != "consim" && history_format != "edn" && history_format != "porcupine") {
    print_error(fmt::format("--history-format {}: expected consim, edn or porcupine", excerpt(history_format)));
    return kExitUsage;
  }
  const ScenarioArgs args = scenario_args(vm);
  const std::vector<std::string>& sets = args.sets;
  const std::string& file = args.file;

  MermaidOptions mopt;
  // Virtual times of at most kMaxMermaidMs, the longest a scenario can run (duration_ms).
  constexpr double kMaxMermaidMs = 1e9;
  if (const auto from = real_option(vm, "mermaid-from-ms", 0, kMaxMermaidMs)) mopt.from_ms = *from;
  if (const auto to = real_option(vm, "mermaid-to-ms", 0, kMaxMermaidMs)) mopt.to_ms = *to;
  mopt.heartbeats = vm.count("mermaid-heartbeats") > 0;
  if (mopt.to_ms >= 0 && mopt.to_ms < mopt.from_ms)
    throw InputError(fmt::format("--mermaid-to-ms {} is before --mermaid-from-ms {}", mopt.to_ms, mopt.from_ms));
  // --mermaid-key / --mermaid-client: repeatable, each a comma list.
  auto names = [&](const char* o) {
    std::vector<std::string> out;
    if (!vm.count(o)) return out;
    for (const std::string& v : vm[o].as<std::vector<std::string>>()) {
      std::size_t at = 0;
      while (true) {
        const std::size_t comma = v.find(',', at);
        const std::string x = v.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
        if (x.empty()) throw InputError(fmt::format("--{} '{}': an empty name", o, v));
        if (std::find(out.begin(), out.end(), x) == out.end()) out.push_back(x);
        if (comma == std::string::npos) break;
        at = comma + 1;
      }
    }
    return out;
  };
  mopt.keys = names("mermaid-key");
  mopt.clients = names("mermaid-client");
  if (!vm.count("mermaid"))
    for (const char* o : {"mermaid-from-ms", "mermaid-to-ms", "mermaid-heartbeats", "mermaid-key", "mermaid-client"})
      if (vm.count(o)) throw InputError(fmt::format("--{} shapes the diagram of --mermaid FILE.md, which is not given", o));

  HtmlOptions hopt;
  constexpr double kNsPerMs = 1e6;
  if (const auto from = real_option(vm, "html-from-ms", 0, kMaxMermaidMs))
    hopt.from = static_cast<Time>(std::llround(*from * kNsPerMs));
  if (const auto to = real_option(vm, "html-to-ms", 0, kMaxMermaidMs)) hopt.to = static_cast<Time>(std::llround(*to * kNsPerMs));
  if (hopt.from && hopt.to && *hopt.to < *hopt.from)
    throw InputError(fmt::format("--html-to-ms {} is before --html-from-ms {}", vm["html-to-ms"].as<std::string>(),
                                 vm["html-from-ms"].as<std::string>()));
  if (!vm.count("html"))
    for (const char* o : {"html-from-ms", "html-to-ms"})
      if (vm.count(o)) throw InputError(fmt::format("--{} shapes the page of --html FILE, which is not given", o));

  // Inputs and outputs first: a clash, a directory or a read-only file is
  // refused before the scenario is even loaded.
  OutputPlan io(vm.count("force") > 0);
  if (!file.empty()) io.input(file, "the scenario file");
  Output& report = vm.count("output") ? io.output(vm["output"].as<std::string>(), "--output")
                                      : io.output("-", "the report");
  Output* trace_out = vm.count("trace") ? &io.output(vm["trace"].as<std::string>(), "--trace", Writes::streamed) : nullptr;
  Output* history_out = vm.count("history") ? &io.output(vm["history"].as<std::string>(), "--history") : nullptr;
  Output* mermaid_out = vm.count("mermaid") ? &io.output(vm["mermaid"].as<std::string>(), "--mermaid") : nullptr;
  Output* html_out = vm.count("html") ? &io.output(vm["html"].as<std::string>(), "--html") : nullptr;

  Scenario sc = load_scenario(file, sets);
  // A --mermaid-client must name a client of the run, as the reports name them.
  for (const std::string& c : mopt.clients) {
    std::vector<std::string> known;
    const std::uint64_t last = (sc.workload.enabled ? sc.workload.clients : 0) + sc.script.size();
    for (std::uint64_t i = 0; i <= last; ++i) {
      const std::string name = participant_name(sc, sc.cluster.nodes + i);
      if (name.rfind("endpoint-", 0) != 0) known.push_back(name);
    }
    if (std::find(known.begin(), known.end(), c) == known.end()) {
      std::string list;
      for (std::size_t i = 0; i < known.size() && i < 6; ++i) list += (i ? ", " : "") + known[i];
      if (known.size() > 6) list += ", ...";
      throw InputError(fmt::format("--mermaid-client {}: no such client in this run (its clients: {})", c,
                                   known.empty() ? std::string("none") : list));
    }
  }
  // The prediction is made before the run: it refuses its bad input first.
  std::optional<PbsPrediction> prediction;
  if (vm.count("predict-trials") && !vm.count("predict"))
    throw InputError("--predict-trials sets the trials of --predict, which is not given");
  if (vm.count("predict")) {
    if (!sc.probe.enabled)
      throw InputError(fmt::format("--predict: the scenario {} has no probe (\"probe\": {{...}}): the prediction is shown "
                                   "beside the probe's measured staleness",
                                   sc.source));
    PbsOptions popt;
    popt.scenario_quorums = true;
    if (const auto t = whole_option(vm, "predict-trials", kMinPbsTrials, kMaxPbsTrials)) popt.trials = *t;
    prediction = predict_pbs(sc, popt);
  }
  if (vm.count("check-determinism")) {
    const DeterminismResult r = compare_runs(sc, sc);
    fmt::print("{}\n", describe(r));
    return r.identical ? kExitOk : kExitFailure;
  }

  io.open();
  // The diagrams are made from the run's trace, kept in a private scratch file
  // (never a name next to the user's files); with --trace too, the trace
  // goes to both.
  std::unique_ptr<ScratchFile> scratch;
  if (mermaid_out || html_out) scratch = std::make_unique<ScratchFile>();
  struct Tee final : ByteSink {
    ByteSink* a = nullptr;
    ByteSink* b = nullptr;
    void write(std::string_view bytes) override {
      if (a) a->write(bytes);
      if (b) b->write(bytes);
    }
  } tee;
  tee.a = trace_out;
  tee.b = scratch.get();
  std::unique_ptr<TraceWriter> trace;
  if (tee.a || tee.b) trace = std::make_unique<TraceWriter>(tee);

  const double t0 = wall_seconds();
  World world(sc, trace.get());
  std::unique_ptr<HistorySink> history;
  if (history_out) {
    history = std::make_unique<HistorySink>(world);
    world.add_sink(history.get());
  }
  ProgressLine progress("run", mode);
  const Time end = sc.duration + sc.drain;
  auto detail = [&](Time now, std::uint64_t events) {
    const double w = wall_seconds() - t0;
    return fmt::format("virtual {} of {}, {:.2f} M events/s", format_duration(static_cast<double>(now) / 1e9),
                       format_duration(static_cast<double>(end) / 1e9),
                       w > 0 ? static_cast<double>(events) / w / 1e6 : 0.0);
  };
  if (progress.enabled())
    world.set_progress([&](Time now, std::uint64_t events) {
      progress.update(static_cast<double>(now) / static_cast<double>(end), detail(now, events));
    });
  world.run();
  progress.finish(detail(end, world.metrics().engine.events));
  const double wall = wall_seconds() - t0;
  nlohmann::ordered_json rj = report_json(world);
  const std::vector<ExpectResult> expectations = evaluate_expectations(sc.expect, rj);
  // The page shows the same report value, with the expectations whatever --format is.
  nlohmann::ordered_json page_report;
  if (html_out) {
    page_report = rj;
    if (!sc.expect.empty()) page_report["expectations"] = expectations_json(expectations);
  }
  std::string text;
  const nlohmann::ordered_json predicted =
      prediction ? predicted_vs_measured_json(*prediction, rj) : nlohmann::ordered_json();
  if (format == "json") {
    if (!sc.expect.empty()) rj["expectations"] = expectations_json(expectations);
    if (prediction) rj["predicted"] = predicted;
    text = rj.dump(2) + "\n";
  } else {
    text = report_text(world);
    if (prediction) text += predicted_vs_measured_text(predicted);
    if (!sc.expect.empty()) text += expectations_text(expectations);
  }
  if (trace) trace->commit();
  if (history_out) {
    const History h = history->history();
    history_out->write(history_format == "edn"         ? history_edn(h)
                       : history_format == "porcupine" ? history_porcupine_json(h)
                                                       : history_jsonl(h));
  }
  if (mermaid_out) mermaid_out->write(mermaid_from_trace_file(scratch->read_path(), world, mopt));
  if (html_out) html_out->write(html_from_trace_file(scratch->read_path(), world, page_report, hopt));
  report.write(text);
  io.commit();
  if (!vm.count("quiet")) {
    const auto events = world.metrics().engine.events;
    fmt::print(stderr, "consim: {} events in {:.3f} s wall ({:.2f} M events/s)\n", events, wall,
               wall > 0 ? static_cast<double>(events) / wall / 1e6 : 0.0);
  }
  return all_pass(expectations) ? kExitOk : kExitExpectation;
}

}  // namespace

int cmd_run(int argc, char** argv) { return guarded(run_main, argc, argv); }

}  // namespace consim::cli
