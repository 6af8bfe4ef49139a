// Tests of the field declarations (sim/scenario/fields.h) and what they
// generate (sim/scenario/schema.h): the committed schema, the docs tables and
// the fuzz dictionary are the generated text. Rewrite all three with
//   CONSIM_REWRITE_DOCS=1 build/consim_tests -tc='fields*'
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/scenario/fields.h"
#include "sim/scenario/load.h"
#include "sim/scenario/schema.h"
#include "files.h"
#include "run_consim.h"

namespace {

bool rewrite() { return std::getenv("CONSIM_REWRITE_DOCS") && std::string(std::getenv("CONSIM_REWRITE_DOCS")) == "1"; }

const char* const kHowTo = "CONSIM_REWRITE_DOCS=1 build/consim_tests -tc='fields*'";

// The committed file equals the generated text (or is rewritten to it).
void check_generated(const std::string& rel, const std::string& want) {
  const std::string path = std::string(CONSIM_SOURCE_DIR) + "/" + rel;
  if (rewrite()) {
    spit(path, want);
    return;
  }
  CHECK_MESSAGE(slurp(path) == want, rel << " is out of date: " << kHowTo);
}

}  // namespace

TEST_CASE("fields: scenarios/consim.schema.json is the output of consim schema") {
  check_generated("scenarios/consim.schema.json", consim::scenario_schema_text());
  const nlohmann::json s = nlohmann::json::parse(consim::scenario_schema_text());
  CHECK(s.at("$schema") == "https://json-schema.org/draft/2020-12/schema");
  // The description quotes every rule between fields.
  for (const consim::fields::Rule& r : consim::fields::rules())
    CHECK(s.at("description").get<std::string>().find(std::string(r.name) + ": " + std::string(r.text)) !=
          std::string::npos);
}

TEST_CASE("fields: the field tables of docs/scenario-format.md are the declarations") {
  const std::string path = std::string(CONSIM_SOURCE_DIR) + "/docs/scenario-format.md";
  std::string doc = slurp(path);
  for (const std::string& name : consim::scenario_doc_tables()) {
    CAPTURE(name);
    const std::string open = "<!-- fields:" + name + " -->\n";
    const std::string close = "<!-- /fields -->";
    const std::size_t a = doc.find(open);
    REQUIRE_MESSAGE(a != std::string::npos, "docs/scenario-format.md has no " << open);
    const std::size_t b = doc.find(close, a);
    REQUIRE(b != std::string::npos);
    const std::string want = consim::scenario_doc_table(name);
    REQUIRE(!want.empty());
    if (rewrite()) {
      doc.replace(a + open.size(), b - a - open.size(), want);
      continue;
    }
    CHECK_MESSAGE(doc.substr(a + open.size(), b - a - open.size()) == want,
                  "docs/scenario-format.md's table " << name << " is out of date: " << kHowTo);
  }
  if (rewrite()) spit(path, doc);
}

TEST_CASE("fields: fuzz/scenario.dict is generated from the declarations") {
  check_generated("fuzz/scenario.dict", consim::scenario_fuzz_dictionary());
}

TEST_CASE("fields: declarations are well formed") {
  using namespace consim::fields;
  std::set<std::string> rule_names;
  for (const Rule& r : rules()) CHECK(rule_names.insert(std::string(r.name)).second);
  for (const Object* o : all_objects()) {
    CAPTURE(o->name);
    std::set<std::string> names;
    for (const Field& f : o->fields) {
      CAPTURE(f.name);
      CHECK(names.insert(f.name).second);  // no field declared twice
      CHECK(!f.doc.empty());
      if (f.type == Type::custom) CHECK(nlohmann::json::accept(f.schema));
      if (!f.default_json.empty()) CHECK(nlohmann::json::accept(f.default_json));
      if (f.mode == Mode::leaderless) CHECK((!f.default_json.empty() || !f.leader_schema.empty()));
    }
  }
}

TEST_CASE("fields: consim schema prints the schema; consim validate prints every error, one line each") {
  const ConsimResult r = run_consim_cmd(std::string(CONSIM_BINARY) + " schema");
  CHECK(r.code == 0);
  CHECK(r.out == consim::scenario_schema_text());
  const std::string f = "/tmp/consim_test_fields_" + std::to_string(::getpid()) + ".json";
  spit(f, R"({"nam": 1, "network": {"loss": 2}, "workload": {"keys": 0}})");
  const ConsimResult v = run_consim("validate " + f);
  CHECK(v.code == 2);
  CHECK(v.out == "consim: " + f + ": $.nam: unknown field \"nam\"; did you mean \"name\"?\n" +
                     "consim: " + f + ": $.network.loss: probability 2 is out of range; expected 0..1\n" +
                     "consim: " + f + ": $.workload.keys: keys is 0 but must be between 1 and 10000000\n");
  std::remove(f.c_str());
}
