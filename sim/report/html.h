// sim/report/html.h: a run as one self-contained HTML page (`consim run --html
// FILE`).
//
// The page holds, with all style and script inline and nothing fetched (it
// opens from a file, with no server and no network):
//   - the report's numbers, rendered from the JSON report value that the
//     text and JSON reports are made of (report_json(), sim/report/report.h),
//     never recomputed from the run: per level reads, stale rate with its
//     95% Wilson interval (wilson_interval(), sim/report/derived.h) and
//     sample size, latency; the stale-read window and the probe curve as
//     charts with intervals; writes; scripted operations; expectations; the
//     text report itself;
//   - the space-time diagram and the operation timeline of one window of the
//     run (sim/report/html_svg.h), made from the run's trace
//     (sim/report/run_trace.h). The counts drawn are data- attributes of
//     the two <svg> elements; the page's script counts the elements the
//     browser rendered into the data- attributes of #rendered-counts.
//
// Same report, trace and options: the same bytes.
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/types.h"
#include "sim/report/run_trace.h"

namespace consim {

class RunView;

struct HtmlOptions {
  // The window drawn, virtual ns. Neither: scan_trace()'s default window
  // (around the first stale read, else the first fault). One: the other is
  // 50 ms away.
  std::optional<Time> from, to;
  std::size_t max_messages = 1500;  // arrows drawn at most; the page says how many more there were
  std::size_t max_ops = 1000;       // operations drawn at most
};

// The page of a run: `report` is report_json(world) (with "expectations"
// when the scenario has some), `trace_path` the trace the run wrote.
// Throws std::runtime_error if the trace cannot be read.
// REQUIRES: from <= to when both are given.
std::string html_from_trace_file(const std::string& trace_path, const RunView& world,
                                 const nlohmann::ordered_json& report, const HtmlOptions& opt);

// The page from a report and a window read already; `window_note` says how
// the window was chosen; `latency` the run's latencies (scan_trace()), drawn
// as histograms (none: not drawn). Does not fail.
std::string html_page(const nlohmann::ordered_json& report, const RunView& world, const RunWindow& window,
                      const std::string& window_note, const std::map<std::string, LatencyBins>& latency = {});

}  // namespace consim
