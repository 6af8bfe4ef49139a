// sim/report/report.h: the report of a run, as text for people and JSON for programs.
//
// Both are pure functions of the finished run (a RunView): no wall-clock figures,
// so the same binary, scenario and seed give byte-identical reports. The
// text is rendered from the JSON value, section by section
// (sim/report/section.h), so the two cannot disagree.
// The JSON keys are stable and documented in docs/report-format.md.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/types.h"
#include "sim/scenario/scenario.h"

namespace consim {

class RunView;

// The JSON report (docs/report-format.md): one key per section, in a stable order.
nlohmann::ordered_json report_json(const RunView& world);
// The text report of a JSON report made by report_json(), or loaded back from
// its output (with ordered_json: the order of the levels is the order shown).
// It reads nothing else, and ignores keys it does not know ("expectations").
// Throws nlohmann::json::exception when a key it needs is missing.
std::string render_text(const nlohmann::ordered_json& report);
// render_text(report_json(world)).
std::string report_text(const RunView& world);

// Milliseconds with up to 3 decimals, trailing zeros trimmed: 1.5, 0.001, 20.
std::string format_ms(long long ns);

// A version as people read it. Leader mode: v(term,index). Leaderless: the
// LWW triple v(timestamp ms,coordinator,counter), the coordinator N1.. for
// nodes and C1.. for clients coordinating for themselves. v(0,0): never written.
std::string version_text(const Version& v, const Scenario& sc);

}  // namespace consim
