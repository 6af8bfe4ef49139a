// sim/report/section.h: the report as a table of sections.
//
// A section is one key of the JSON report ("scenario", "levels", ...) with,
// side by side, the function that builds its value from the finished run (RunView)
// and the function that renders that value as text. The JSON report is the
// builders' values in table order (report_json()); the text report is the
// renderers' output in text order (render_text()), and reads nothing but the
// JSON value, so a later format (HTML, a comparison of two runs) is one more
// renderer per section over the same value.
//
// Adding a report metric: its key in the section's builder, its words in the
// section's text renderer (sections.cpp), its line in docs/report-format.md.
//
// Contract of every section:
// - build(world) is a pure function of the finished run (a RunView: the World after run(), or a replayed history); it returns the
//   section's value, or nullopt when the section does not apply to this run
//   (then the report has no such key: "elections" in leaderless mode, ...).
// - text(value, report, out) appends the section's text to `out`. `value` is
//   report[key]; a renderer may also read other sections of `report` (the
//   scenario's mode, the levels reported), never the RunView. It is called only
//   when the key is present. It throws nlohmann::json::exception when a key
//   it needs is missing or of another type (a report not made by report_json()).
//   nullptr: the section's value is shown by another section's text.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/types.h"

namespace consim {

class RunView;

struct ReportSection {
  std::string_view key;  // its key in the JSON report
  std::optional<nlohmann::ordered_json> (*build)(const RunView& world);
  void (*text)(const nlohmann::ordered_json& value, const nlohmann::ordered_json& report, std::string& out);
  int text_order;  // place in the text report (ascending), which reads in an order of its own
};

// Every section, in the JSON report's order (which is stable: expectations
// and programs rely on it; new sections go where docs/report-format.md says).
const std::vector<ReportSection>& report_sections();

// Times in the JSON report: milliseconds, rounded to the nanosecond, as
// double(ns) / 1e6.
double ms_json(Time ns);
// A JSON time as the text report writes it: format_ms_json(ms_json(ns)) ==
// format_ms(ns) for every ns (format_ms() is defined by it).
std::string format_ms_json(double ms);
// The inverse of ms_json(), exact for |ns| < 2^51 (26 days; every time of a
// run is below 2 x kMaxTimeMs = 2e15 ns, sim/scenario/load.cpp).
Time ns_from_ms_json(double ms);

}  // namespace consim
