// sim/check/expect.h: a scenario's "expect" block, checked against the JSON report.
//
// Each Expectation (sim/scenario/scenario.h) names a report value by a dot path
// ("levels.strong.stale_reads", "probe.eventual.0.stale_rate": array elements
// by index), an operator and a value. A path that does not exist in the
// report makes the expectation fail with "no such report value". `consim run`
// prints the results and exits 3 when one fails (docs/scenario-format.md).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/scenario/scenario.h"

namespace consim {

struct ExpectResult {
  Expectation expectation;
  bool pass = false;
  bool found = false;      // the path exists in the report
  std::string actual;      // the report value as compact JSON ("" when not found)
  std::string message;     // why it failed ("" when it holds)
};

// Looks up a dot path in `report`; nullptr when it does not exist.
// `why` (optional) receives the reason when it does not.
const nlohmann::ordered_json* report_value(const nlohmann::ordered_json& report, const std::string& path,
                                           std::string* why = nullptr);

ExpectResult evaluate_expectation(const Expectation& e, const nlohmann::ordered_json& report);
std::vector<ExpectResult> evaluate_expectations(const std::vector<Expectation>& es,
                                                const nlohmann::ordered_json& report);
bool all_pass(const std::vector<ExpectResult>& rs);

// "levels.strong.stale_reads == 0"
std::string describe(const Expectation& e);
std::string_view to_string(Expectation::Op op);

// The text report's "Expectations" section (starts with a blank line).
std::string expectations_text(const std::vector<ExpectResult>& rs);
// The JSON report's "expectations" array: {path, op, value, note?, actual, pass, message?}.
nlohmann::ordered_json expectations_json(const std::vector<ExpectResult>& rs);

}  // namespace consim
