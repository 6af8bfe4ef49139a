// sim/scenario/schema.h: what the field declarations (fields.h) generate.
//
// All three are pure functions of the declarations and the name tables:
//   - the JSON Schema (Draft 2020-12) of a scenario, printed by
//     `consim schema` and committed as scenarios/consim.schema.json;
//   - the field tables of docs/scenario-format.md, between
//     "<!-- fields:NAME -->" and "<!-- /fields -->";
//   - the fuzzer's dictionary, fuzz/scenario.dict.
// Tests compare each committed file with its generated text; rewrite them
// with CONSIM_REWRITE_DOCS=1 build/consim_tests -tc='fields*'.
#pragma once

#include <string>
#include <vector>

namespace consim {

// The schema as `consim schema` prints it (2-space indent, final newline).
std::string scenario_schema_text();

// The markdown table of one docs section; names: scenario_doc_tables().
std::string scenario_doc_table(const std::string& name);
std::vector<std::string> scenario_doc_tables();

// libFuzzer dictionary: every field name, enum name and message kind, quoted as JSON.
std::string scenario_fuzz_dictionary();

}  // namespace consim
