// The "expect" block: loading (shape errors) and evaluation against a report.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "sim/check/expect.h"
#include "sim/scenario/load.h"

using namespace consim;
using ojson = nlohmann::ordered_json;

namespace {

const ojson kReport = ojson::parse(R"({
  "levels": {"eventual": {"stale_reads": 7, "stale_rate": 0.25}, "strong": {"stale_reads": 0, "stale_rate": 0}},
  "probe": {"eventual": [{"delay_ms": 0, "stale_rate": 0.9}, {"delay_ms": 50, "stale_rate": 0}]},
  "scenario": {"strict_quorum": true, "election": "majority"},
  "window": {"eventual": [{"hi_ms": null}]}
})");

Expectation ex(const std::string& path, Expectation::Op op, double v) {
  Expectation e;
  e.path = path;
  e.op = op;
  e.number = v;
  return e;
}

std::string load_error(const std::string& expect_json) {
  try {
    scenario_from_json(nlohmann::json::parse("{\"expect\": " + expect_json + "}"), "x.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("expectations compare numbers with every operator") {
  using O = Expectation::Op;
  CHECK(evaluate_expectation(ex("levels.strong.stale_reads", O::eq, 0), kReport).pass);
  CHECK_FALSE(evaluate_expectation(ex("levels.strong.stale_reads", O::ne, 0), kReport).pass);
  CHECK(evaluate_expectation(ex("levels.eventual.stale_rate", O::gt, 0.2), kReport).pass);
  CHECK(evaluate_expectation(ex("levels.eventual.stale_rate", O::ge, 0.25), kReport).pass);
  CHECK_FALSE(evaluate_expectation(ex("levels.eventual.stale_rate", O::lt, 0.25), kReport).pass);
  CHECK(evaluate_expectation(ex("levels.eventual.stale_rate", O::le, 0.25), kReport).pass);
  CHECK(evaluate_expectation(ex("levels.eventual.stale_reads", O::lt, 8), kReport).pass);
}

TEST_CASE("expectation paths index arrays by number") {
  using O = Expectation::Op;
  const ExpectResult r = evaluate_expectation(ex("probe.eventual.0.stale_rate", O::gt, 0.5), kReport);
  CHECK(r.pass);
  CHECK(r.actual == "0.9");
  CHECK(evaluate_expectation(ex("probe.eventual.1.stale_rate", O::eq, 0), kReport).pass);
  const ExpectResult out = evaluate_expectation(ex("probe.eventual.2.stale_rate", O::eq, 0), kReport);
  CHECK_FALSE(out.pass);
  CHECK(out.message.find("no such report value") == 0);
  CHECK(out.message.find("2 element(s)") != std::string::npos);
}

TEST_CASE("a missing path fails with a clear message naming what exists") {
  const ExpectResult r = evaluate_expectation(ex("levels.causal.stale_reads", Expectation::Op::eq, 0), kReport);
  CHECK_FALSE(r.pass);
  CHECK_FALSE(r.found);
  CHECK(r.message.find("no such report value") == 0);
  CHECK(r.message.find("\"causal\"") != std::string::npos);
  CHECK(r.message.find("eventual, strong") != std::string::npos);
  CHECK_FALSE(evaluate_expectation(ex("levels.strong.stale_reads.x", Expectation::Op::eq, 0), kReport).pass);
}

TEST_CASE("booleans, strings, nulls and type mismatches") {
  Expectation b;
  b.path = "scenario.strict_quorum";
  b.kind = Expectation::Kind::boolean;
  b.boolean = true;
  CHECK(evaluate_expectation(b, kReport).pass);
  Expectation s;
  s.path = "scenario.election";
  s.kind = Expectation::Kind::string;
  s.text = "majority";
  s.op = Expectation::Op::ne;
  CHECK_FALSE(evaluate_expectation(s, kReport).pass);
  const ExpectResult n = evaluate_expectation(ex("window.eventual.0.hi_ms", Expectation::Op::eq, 0), kReport);
  CHECK_FALSE(n.pass);
  CHECK(n.message.find("null") != std::string::npos);
  CHECK_FALSE(evaluate_expectation(ex("scenario.election", Expectation::Op::eq, 0), kReport).pass);
}

TEST_CASE("text and JSON renderings of the results") {
  std::vector<Expectation> es = {ex("levels.strong.stale_reads", Expectation::Op::eq, 0),
                                 ex("levels.nope", Expectation::Op::gt, 1)};
  es[0].note = "R+W>N";
  const auto rs = evaluate_expectations(es, kReport);
  CHECK_FALSE(all_pass(rs));
  const std::string t = expectations_text(rs);
  CHECK(t.find("Expectations: 1 of 2 hold") != std::string::npos);
  CHECK(t.find("PASS  levels.strong.stale_reads == 0  (actual 0)  # R+W>N") != std::string::npos);
  CHECK(t.find("FAIL  levels.nope > 1: no such report value") != std::string::npos);
  const ojson j = expectations_json(rs);
  REQUIRE(j.size() == 2);
  CHECK(j[0]["pass"] == true);
  CHECK(j[0]["note"] == "R+W>N");
  CHECK(j[1]["actual"].is_null());
  CHECK(j[1]["op"] == ">");
}

TEST_CASE("the expect block is validated at load time") {
  CHECK(load_error(R"([{"path": "levels.strong.stale_reads", "op": "==", "value": 0, "note": "x"}])").empty());
  CHECK(load_error(R"([{"path": "scenario.election", "op": "!=", "value": "majority"}])").empty());
  CHECK(load_error(R"({"path": "a"})").find("$.expect: expected an array") != std::string::npos);
  CHECK(load_error(R"([{"path": "a", "op": "==", "value": 0, "nots": ""}])")
            .find("$.expect[0].nots: unknown field \"nots\"; did you mean \"note\"?") != std::string::npos);
  CHECK(load_error(R"([{"op": "==", "value": 0}])").find("missing required field \"path\"") != std::string::npos);
  CHECK(load_error(R"([{"path": "a", "op": "=", "value": 0}])").find("$.expect[0].op: op \"=\" is not valid") !=
        std::string::npos);
  CHECK(load_error(R"([{"path": "a", "op": ">", "value": "x"}])").find("needs a number") != std::string::npos);
  CHECK(load_error(R"([{"path": "a", "op": "==", "value": [1]}])").find("$.expect[0].value") != std::string::npos);
  CHECK(load_error(R"([{"path": "a..b", "op": "==", "value": 1}])").find("dot-separated") != std::string::npos);
  const Scenario sc = scenario_from_json(
      nlohmann::json::parse(R"({"expect": [{"path": "lost_writes.lost", "op": ">", "value": 0}]})"), "x.json");
  REQUIRE(sc.expect.size() == 1);
  CHECK(sc.expect[0].op == Expectation::Op::gt);
  CHECK(describe(sc.expect[0]) == "lost_writes.lost > 0");
}
