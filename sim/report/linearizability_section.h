// sim/report/linearizability_section.h: the "linearizability" section of the
// report (sim/report/section.h), shared by `consim run` (measure.linearizability)
// and `consim check --linearizable`.
//
// JSON (docs/report-format.md, "linearizability"): `ops`, `limits`, then
// `all` and `levels.<level>`, each {keys_checked, linearizable,
// not_linearizable, unknown, violations: [{key, ops, states,
// witness_minimal, witness: [history operations]}], unknown_keys: [{key,
// why}]}. At most kMaxViolationsListed violations per scope are listed
// (`violations_listed` says how many are); the counts are exact.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/check/linearizability.h"

namespace consim {

constexpr std::size_t kMaxViolationsListed = 20;   // per scope, in the JSON
constexpr std::size_t kMaxViolationsShown = 3;     // per scope, in the text

nlohmann::ordered_json linearizability_json(const LinearizabilityResult& r);
// The section's text, from its JSON value. Throws nlohmann::json::exception
// when a key it needs is missing.
void linearizability_text(const nlohmann::ordered_json& v, std::string& out);

}  // namespace consim
