// sim/scenario/json_text.h: a scenario's JSON text, read and parsed within
// bounds, and --set assignments applied to it.
//
// This is the layer under the loader (sim/scenario/load.h): it knows JSON,
// not scenarios. What it accepts is what every JSON reader would, minus
// what could hurt consim or hide a mistake (docs/reliability.md):
//   - files are read through read_input_file(), at most kMaxScenarioBytes;
//   - nesting deeper than kMaxJsonDepth is refused before parsing (the
//     JSON library recurses when it copies or prints a value, and crashed
//     at about 65 000 levels);
//   - a NUL byte, or anything after the value, is an error;
//   - a field that appears twice in one object is an error (the library
//     would silently keep the last one), in files and in --set values alike.
// Every failure is an InputError naming the source, line:column or JSON
// path, what is wrong and what would be right.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sim/io/input.h"

namespace consim {

// Deepest nesting of arrays and objects in a scenario file or a --set
// value. Scenarios need 5; the JSON library's recursion crashed at ~65 000.
constexpr std::size_t kMaxJsonDepth = 64;

// Parse text as JSON; InputError with line:column on a syntax error, a NUL
// byte, nesting past kMaxJsonDepth or a duplicate field (with its path).
nlohmann::json parse_scenario_text(const std::string& text, const std::string& source);

// Read a file (at most kMaxScenarioBytes; "-" is standard input) and parse it.
nlohmann::json read_scenario_file(const std::string& path);

// Apply "a.b.c=VALUE": VALUE is parsed as JSON if it can be, else taken as a
// string. Intermediate objects are created; array elements are addressed by
// number ("timeline.0.at_ms=5"). InputError on a malformed assignment, and
// on a VALUE that is JSON but breaks the rules above.
void apply_set(nlohmann::json& j, std::string_view assignment, const std::string& source);

// InputError, as apply_set() gives, when `assignment` is not PATH=VALUE at
// all: checked before the scenario file is read, so that
// `--set cluster.write_quorum 3` names the --set, not a file "3".
void check_set_syntax(std::string_view assignment);

// JSON paths and values as messages show them.
namespace json_path {
// base.key, or base["key"] when key is not an identifier.
std::string key(const std::string& base, std::string_view key);
// base[i]
std::string index(const std::string& base, std::size_t i);
// A JSON string literal of s (invalid UTF-8 replaced).
std::string quoted(std::string_view s);
// A short description of a value for "expected X, got Y": "number 3",
// "string \"ab...\"", "an object".
std::string describe(const nlohmann::json& v);
}  // namespace json_path

}  // namespace consim
