// consim compare: two settings of one scenario, the same seeds, side by side.
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "run_consim.h"
#include "sim/compare/compare.h"

namespace {

nlohmann::json compare_json(const std::string& args) {
  const ConsimResult r = run_consim_cmd(std::string(CONSIM_BINARY) + " compare " + args + " --format json -q 2>&1");
  REQUIRE_MESSAGE(r.code == 0, r.out);
  return nlohmann::json::parse(r.out);
}

const nlohmann::json& metric(const nlohmann::json& c, const std::string& name) {
  for (const auto& m : c["metrics"])
    if (m["metric"] == name) return m;
  FAIL("no metric " << name);
  static nlohmann::json none;
  return none;
}

}  // namespace

TEST_CASE("compare: Newcombe's interval of a difference of proportions, against the worked example") {
  // Newcombe (1998), Statistics in Medicine 17, 873-890, Table II example (a):
  // 56/70 against 48/80, difference 0.2000, method 10 (hybrid score): 0.0524 to 0.3339.
  const consim::DiffInterval d = consim::newcombe_interval(48, 80, 56, 70);
  CHECK(d.lo == doctest::Approx(0.0524).epsilon(0.002));
  CHECK(d.hi == doctest::Approx(0.3339).epsilon(0.002));
  // Swapping the sides mirrors the interval.
  const consim::DiffInterval m = consim::newcombe_interval(56, 70, 48, 80);
  CHECK(m.lo == doctest::Approx(-d.hi));
  CHECK(m.hi == doctest::Approx(-d.lo));
  // Student's t: decreasing in the degrees of freedom, never below the normal's quantile.
  for (int df = 1; df < 200; ++df) {
    CHECK(consim::t_quantile_975(df) >= consim::t_quantile_975(df + 1));
    CHECK(consim::t_quantile_975(df) >= 1.96);
  }
}

TEST_CASE("compare: a side against itself differs in nothing, seed for seed") {
  // The default scenario has W=2: --vs-set W=2 is the same setting.
  const nlohmann::json c = compare_json("--set duration_ms=8000 --vs-set cluster.write_quorum=2 --seeds 3");
  CHECK(c["seeds"].size() == 3);
  REQUIRE(c["metrics"].size() > 20);
  for (const auto& m : c["metrics"]) {
    CAPTURE(m.dump());
    CHECK(m["a"] == m["b"]);
    if (!m["beyond_noise"].is_null()) CHECK(m["beyond_noise"] == false);
    if (m["kind"] == "rate") CHECK(m["a_count"] == m["b_count"]);
  }
}

TEST_CASE("compare: the chapter's Step 5, W=1 against W=3, and side A is consim run's report") {
  const nlohmann::json c =
      compare_json("--set cluster.write_quorum=1 --vs-set cluster.write_quorum=3 --seeds 4");
  CHECK(c["a"] == "cluster.write_quorum=1");
  CHECK(c["b"] == "cluster.write_quorum=3");
  // W = N: every follower holds an acknowledged write, no read is stale; W=1 has stale reads.
  const auto& stale = metric(c, "eventual: stale rate");
  CHECK(stale["b"] == 0.0);
  CHECK(stale["a"].get<double>() > 0.0);
  CHECK(stale["beyond_noise"] == true);
  CHECK(stale["ci_high"].get<double>() < 0.0);
  // ...and writes wait for the slowest follower.
  const auto& p50 = metric(c, "writes: put p50 ms");
  CHECK(p50["difference"].get<double>() > 0.0);
  CHECK(p50["beyond_noise"] == true);

  // With one seed, side A's counts are `consim run`'s report of the same setting.
  const nlohmann::json one = compare_json("--set cluster.write_quorum=1 --vs-set cluster.write_quorum=3");
  const ConsimResult run = run_consim_cmd(std::string(CONSIM_BINARY) +
                                          " run --set cluster.write_quorum=1 --format json -q 2>/dev/null");
  REQUIRE(run.code == 0);
  const nlohmann::json rep = nlohmann::json::parse(run.out);
  const auto& s1 = metric(one, "strong: stale rate");
  CHECK(s1["a_count"][0] == rep["levels"]["strong"]["stale_reads"]);
  CHECK(s1["a_count"][1] == rep["levels"]["strong"]["answered"]);
  CHECK(metric(one, "strong: read p99 ms")["a"].get<double>() ==
        doctest::Approx(rep["levels"]["strong"]["latency_ms"]["p99"].get<double>()));
  // One seed: no interval for values.
  CHECK(metric(one, "strong: read p99 ms")["ci_low"].is_null());
}

TEST_CASE("compare: the HTML page holds the JSON's rows, beyond noise marked, nothing fetched") {
  const std::string args = "--set duration_ms=8000 --set cluster.write_quorum=1 --vs-set cluster.write_quorum=3 --seeds 2";
  const nlohmann::json c = compare_json(args);
  const ConsimResult page = run_consim_cmd(std::string(CONSIM_BINARY) + " compare " + args + " --format html -q 2>/dev/null");
  REQUIRE(page.code == 0);
  std::size_t rows = 0, beyond = 0;
  for (std::size_t at = 0; (at = page.out.find("<tr", at)) != std::string::npos; ++at) ++rows;
  for (std::size_t at = 0; (at = page.out.find("<tr class=\"beyond\"", at)) != std::string::npos; ++at) ++beyond;
  std::size_t want_beyond = 0;
  for (const auto& m : c["metrics"]) want_beyond += m["beyond_noise"] == true;
  CHECK(rows == c["metrics"].size() + 1);  // and the header row
  CHECK(beyond == want_beyond);
  CHECK(want_beyond > 0);
  for (const char* bad : {"http://", "https://", "src=", "<link"}) CHECK(page.out.find(bad) == std::string::npos);
}

TEST_CASE("compare: bad input is refused, exit 2") {
  for (const char* args : {"", "--vs-set cluster.write_quorum=3 --seeds 0", "--vs-set cluster.write_quorum=3 --seeds 1001",
                           "--vs-set cluster.write_quorm=3", "--vs-set cluster.write_quorum=9",
                           "--vs-set cluster.write_quorum=3 --format xml"}) {
    CAPTURE(args);
    const ConsimResult r = run_consim(std::string("compare ") + args);
    CHECK(r.code == 2);
    CHECK(r.out.find("consim:") != std::string::npos);
  }
}
