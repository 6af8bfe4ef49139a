// The schema agrees with the loader: every scenario of tests/schema/cases.json
// goes through python3-jsonschema (tests/schema/check_schema.py, against
// scenarios/consim.schema.json) and through `consim validate`. Where the
// verdicts differ, the case must be tagged with the rule between fields
// that explains it (sim/scenario/fields.h, rules()); an untagged case must
// agree, and a tagged one must differ (so no tag goes stale). Each case also
// records consim's verdict ("valid"), so a change in the loader shows here.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/scenario/fields.h"
#include "files.h"
#include "run_consim.h"

namespace {

}  // namespace

TEST_CASE("schema corpus: python3-jsonschema and consim validate agree outside the listed rules") {
  const std::string src = CONSIM_SOURCE_DIR;
  const nlohmann::json cases = nlohmann::json::parse(slurp(src + "/tests/schema/cases.json"));
  REQUIRE(cases.size() >= 200);

  // CONSIM_PYTHON: Debian's python3 (CMakeLists.txt), where tools/install-deps.sh puts python3-jsonschema.
  const ConsimResult py = run_consim_cmd(fmt::format("'{}' '{}/tests/schema/check_schema.py' '{}/scenarios/consim.schema.json' "
                                                     "'{}/tests/schema/cases.json' 2>/dev/null",
                                                     CONSIM_PYTHON, src, src, src));
  REQUIRE_MESSAGE(py.code != 3, CONSIM_PYTHON << " lacks python3-jsonschema: run tools/install-deps.sh");
  REQUIRE_MESSAGE(py.code == 0, "python3 tests/schema/check_schema.py failed: " << py.out);
  std::vector<bool> schema_ok;
  std::istringstream lines(py.out);
  for (std::string l; std::getline(lines, l);) schema_ok.push_back(l == "1");
  REQUIRE(schema_ok.size() == cases.size());

  // Every case in its own file, all through one `consim validate`.
  const std::string dir = fmt::format("/tmp/consim_test_schema_corpus_{}", ::getpid());
  std::filesystem::create_directories(dir);
  std::string args = "validate";
  std::vector<std::string> files;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    files.push_back(fmt::format("{}/case-{}.json", dir, i));
    std::ofstream(files.back()) << cases[i].at("scenario").dump();
    args += " '" + files.back() + "'";
  }
  const ConsimResult v = run_consim(args);
  std::set<std::string> rejected;  // "consim: FILE: $.path: ..." per error
  std::istringstream err(v.out);
  for (std::string l; std::getline(err, l);) {
    const std::size_t a = l.find(": ");
    const std::size_t b = l.find(": ", a + 2);
    if (a != std::string::npos && b != std::string::npos) rejected.insert(l.substr(a + 2, b - a - 2));
  }
  CHECK(v.code == (rejected.empty() ? 0 : 2));

  int agree = 0, tagged = 0, untagged_disagree = 0;
  std::set<std::string> rules_seen;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const nlohmann::json& c = cases[i];
    const std::string name = c.at("name").get<std::string>();
    CAPTURE(name);
    const bool consim_ok = rejected.count(files[i]) == 0;
    CHECK(consim_ok == c.at("valid").get<bool>());
    if (c.contains("rule")) {
      const std::string rule = c.at("rule").get<std::string>();
      CAPTURE(rule);
      CHECK(consim::fields::is_rule(rule));
      rules_seen.insert(rule);
      CHECK_MESSAGE(consim_ok != schema_ok[i], "tagged with a rule, but the schema and consim agree");
      ++tagged;
    } else if (consim_ok == schema_ok[i]) {
      ++agree;
    } else {
      ++untagged_disagree;
      FAIL_CHECK("consim says " << (consim_ok ? "valid" : "invalid") << ", the schema "
                                << (schema_ok[i] ? "valid" : "invalid") << " (tag the case with a rule, or fix one)");
    }
  }
  // Every listed rule is shown by at least one case.
  for (const consim::fields::Rule& r : consim::fields::rules()) CHECK_MESSAGE(rules_seen.count(std::string(r.name)), r.name);
  MESSAGE(fmt::format("schema corpus: {} cases, {} agree, {} differ by a listed rule, {} untagged disagreements",
                      cases.size(), agree, tagged, untagged_disagree));
  std::filesystem::remove_all(dir);
}
