// sim/report.h: the report of a run, as text for people and JSON for programs.
//
// Both are pure functions of the World after run(): no wall-clock figures,
// so the same binary, scenario and seed give byte-identical reports.
// The JSON keys are stable and documented in docs/report-format.md.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace consim {

class World;

nlohmann::ordered_json report_json(const World& world);
std::string report_text(const World& world);

// Milliseconds with up to 3 decimals, trailing zeros trimmed: 1.5, 0.001, 20.
std::string format_ms(long long ns);

}  // namespace consim
