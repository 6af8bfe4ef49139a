// sim/scenario/load.h: JSON scenario -> validated Scenario, with errors a user can act on.
//
// A bad scenario is user input, not a bug: every failure throws InputError
// whose what() is one line naming the file, the JSON path and the problem,
// and for an unknown field the nearest valid name, e.g.
//   scenarios/x.json: $.cluster.write_quorun: unknown field; did you mean "write_quorum"?
//   scenarios/x.json:4:17: syntax error: expected '}' ...
// The CLI prints it and exits with code 2.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/io/input.h"
#include "sim/scenario/json_text.h"  // parse_scenario_text, read_scenario_file, apply_set
#include "sim/scenario/scenario.h"

namespace consim {

// Every problem the loader found in one scenario, in the order found, each
// one line as above; what() is the first. The loader reads on after a bad
// field (it takes the default) and reports the next one, except that a bad
// field of the top level or of the cluster ends the reading after the
// cluster: the rest would be judged against values that are not the file's.
class ScenarioError : public InputError {
 public:
  explicit ScenarioError(std::vector<std::string> errors)
      : InputError(errors.at(0)), errors_(std::move(errors)) {}
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::vector<std::string> errors_;
};

// The built-in default scenario (scenarios/default.json, compiled in).
const std::string& default_scenario_text();

// Validate and convert. `source` names the input in messages. Throws
// ScenarioError (an InputError) listing every problem found.
Scenario scenario_from_json(const nlohmann::json& j, const std::string& source);

// Convenience: read (or take the default when path is empty), apply the
// --set assignments in order, override the seed if given, validate.
Scenario load_scenario(const std::string& path, const std::vector<std::string>& sets);

// The nearest candidate to `word` by edit distance, or "" when none is close.
std::string nearest_name(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace consim
