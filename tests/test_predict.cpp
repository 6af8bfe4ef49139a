// consim predict (sim/predict/): the PBS model's properties, its closed forms
// against hand counts and brute-force enumeration, determinism, bad input,
// and the prediction against the probe of `consim run` on the same scenario.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "run_consim.h"
#include "sim/io/input.h"
#include "sim/predict/k_staleness.h"
#include "sim/predict/pbs.h"
#include "sim/scenario/load.h"

using namespace consim;

namespace {

const std::string kSrc = CONSIM_SOURCE_DIR;

// Every q-subset of {0..n-1} as a bit mask.
std::vector<std::uint64_t> subsets(std::uint32_t n, std::uint32_t q) {
  std::vector<std::uint64_t> out;
  for (std::uint64_t m = 0; m < (std::uint64_t{1} << n); ++m)
    if (static_cast<std::uint32_t>(__builtin_popcountll(m)) == q) out.push_back(m);
  return out;
}

// The Wilson score interval of k out of n at z standard deviations.
std::pair<double, double> wilson(std::uint64_t k, std::uint64_t n, double z) {
  const double nn = static_cast<double>(n), p = static_cast<double>(k) / nn, z2 = z * z;
  const double denom = 1.0 + z2 / nn;
  const double centre = (p + z2 / (2.0 * nn)) / denom;
  const double half = z / denom * std::sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn));
  return {centre - half, centre + half};
}

}  // namespace

TEST_CASE(
    "predict: the k-staleness closed form matches hand counts and "
    "enumeration") {
  // Hand counts, N = 3: a single-replica read misses a single-replica write
  // 2 times in 3; W = 2: 1 in 3; R = 2, W = 1: C(2,2)/C(3,2) = 1/3; strict: 0.
  CHECK(quorum_miss_probability(3, 1, 1) == doctest::Approx(2.0 / 3));
  CHECK(quorum_miss_probability(3, 2, 1) == doctest::Approx(1.0 / 3));
  CHECK(quorum_miss_probability(3, 1, 2) == doctest::Approx(1.0 / 3));
  CHECK(quorum_miss_probability(3, 2, 2) == 0.0);
  CHECK(quorum_miss_probability(5, 2, 2) == doctest::Approx(3.0 / 10));  // C(3,2)/C(5,2)
  // Within k: 1 - miss^k. N = 3, R = W = 1, k = 2: 1 - 4/9.
  CHECK(p_within_k(quorum_miss_probability(3, 1, 1), 1) == doctest::Approx(1.0 / 3));
  CHECK(p_within_k(quorum_miss_probability(3, 1, 1), 2) == doctest::Approx(5.0 / 9));
  CHECK(p_within_k(quorum_miss_probability(3, 1, 1), 3) == doctest::Approx(19.0 / 27));
  // Leader mode, by hand: W = 1 is the leader alone, so a follower's own
  // store misses it; N = 3, W = 2: the one acknowledging follower is the
  // reader half the time; N = 5, R = W = 2: leader not asked 3/4, then the
  // acknowledging follower is neither the reader nor the one asked 2/4.
  CHECK(leader_miss_probability(3, 1, 1) == doctest::Approx(1.0));
  CHECK(leader_miss_probability(3, 2, 1) == doctest::Approx(0.5));
  CHECK(leader_miss_probability(5, 2, 2) == doctest::Approx(3.0 / 8));
  CHECK(leader_miss_probability(3, 2, 2) == 0.0);

  // Brute force: every write quorum against every read quorum, equally likely.
  for (std::uint32_t n = 1; n <= 6; ++n) {
    for (std::uint32_t w = 1; w <= n; ++w) {
      for (std::uint32_t q = 1; q <= n; ++q) {
        CAPTURE(n);
        CAPTURE(w);
        CAPTURE(q);
        double miss = 0, total = 0;
        for (std::uint64_t wm : subsets(n, w))
          for (std::uint64_t rm : subsets(n, q)) {
            total += 1;
            if ((wm & rm) == 0) miss += 1;
          }
        CHECK(quorum_miss_probability(n, w, q) == doctest::Approx(miss / total));
        if (n < 2) continue;
        // Leader mode: node 0 leads and holds the write with w-1 of the
        // followers; the reader F (any follower) asks itself and q-1 of the
        // others.
        miss = total = 0;
        for (std::uint64_t wm : subsets(n, w)) {
          if (!(wm & 1)) continue;
          for (std::uint32_t f = 1; f < n; ++f)
            for (std::uint64_t rest : subsets(n, q - 1)) {
              if (rest & (std::uint64_t{1} << f)) continue;
              const std::uint64_t rm = rest | (std::uint64_t{1} << f);
              total += 1;
              if ((wm & rm) == 0) miss += 1;
            }
        }
        if (total > 0) CHECK(leader_miss_probability(n, w, q) == doctest::Approx(miss / total));
      }
    }
  }
}

TEST_CASE(
    "predict: P(consistent) is 1 for strict quorums, monotone in t, R "
    "and W, in both modes") {
  for (const std::string set : {"cluster.replication=leaderless", "cluster.replication=leader"}) {
    for (const std::string routing : {"random", "client", "random, fanout r", "random, 3 replicas of 4"}) {
      if (set == "cluster.replication=leader" && routing != "random") continue;
      CAPTURE(set);
      CAPTURE(routing);
      std::vector<std::string> sets = {set, "probe.levels=[\"eventual\",\"strong\"]", "cluster.nodes=4"};
      if (set == "cluster.replication=leaderless")
        sets.push_back(routing == "client" ? "probe.routing=\"client\"" : "probe.routing=\"random\"");
      if (routing == "random, fanout r") sets.push_back("cluster.read_fanout=\"r\"");
      if (routing == "random, 3 replicas of 4") sets.push_back("cluster.replicas=3");
      const Scenario sc = load_scenario(kSrc + "/scenarios/leaderless.json", sets);
      PbsOptions opt;
      opt.trials = 4000;
      const PbsPrediction p = predict_pbs(sc, opt);
      const std::uint32_t n = routing == "random, 3 replicas of 4" ? 3 : 4;
      REQUIRE(p.n == n);
      REQUIRE(p.cells.size() == 2 * n * n);
      bool some_stale = false;
      for (const PbsCell& c : p.cells) {
        CAPTURE(c.r);
        CAPTURE(c.w);
        REQUIRE(c.p_consistent.size() == p.delays.size());
        for (std::size_t d = 0; d < c.p_consistent.size(); ++d) {
          CHECK(c.p_consistent[d] >= 0.0);
          CHECK(c.p_consistent[d] <= 1.0);
          if (d > 0) CHECK(c.p_consistent[d] >= c.p_consistent[d - 1]);
          if (c.p_consistent[d] < 1.0) some_stale = true;
        }
        if (c.level == Level::strong && c.strict) {
          for (double v : c.p_consistent) CHECK(v == 1.0);
          CHECK(c.t_target == 0);
          CHECK(c.k_miss == 0.0);
        }
        // Common random numbers: a larger W or R is never worse, trial by
        // trial.
        for (const PbsCell& o : p.cells) {
          if (o.level != c.level || !(o.r >= c.r && o.w >= c.w)) continue;
          if (c.level == Level::eventual && o.r != c.r) continue;
          for (std::size_t d = 0; d < c.p_consistent.size(); ++d) CHECK(o.p_consistent[d] >= c.p_consistent[d]);
        }
        // Latencies are ordered and a larger W never writes faster.
        CHECK(c.read_latency.p50 <= c.read_latency.p99);
        CHECK(c.read_latency.p99 <= c.read_latency.p999);
        CHECK(c.write_latency.p50 <= c.write_latency.p999);
      }
      CHECK(some_stale);  // R = W = 1 at 0 ms is stale sometimes with these delays
    }
  }
}

TEST_CASE("predict: deterministic bytes; another seed, other bytes") {
  const std::string cmd = "predict scenarios/pbs/lnkd-disk.json --trials 3000 --format ";
  for (const std::string f : {"text", "json", "csv"}) {
    const ConsimResult a = run_consim_in(kSrc, cmd + f + " 2>&1");
    const ConsimResult b = run_consim_in(kSrc, cmd + f + " 2>&1");
    CHECK(a.code == 0);
    CHECK(a.out == b.out);
    const ConsimResult c = run_consim_in(kSrc, cmd + f + " --seed 2 2>&1");
    CHECK(c.code == 0);
    CHECK(c.out != a.out);
  }
  const ConsimResult j = run_consim_in(kSrc, cmd + "json 2>/dev/null");
  const nlohmann::json v = nlohmann::json::parse(j.out);
  CHECK(v.at("cells").size() == 9);
  CHECK(v.at("model").at("coordinators") == "client");
}

TEST_CASE("predict: bad input is refused with one message, exit 2, nothing written") {
  namespace fs = std::filesystem;
  const fs::path out = fs::temp_directory_path() / ("consim_predict_refused_" + std::to_string(::getpid()) + ".txt");
  fs::remove(out);
  struct Case {
    std::string args, says;
  };
  for (const Case& c : {Case{"--trials 5", "--trials"}, Case{"--trials 1e9", "--trials"},
                        Case{"--format xml", "--format"}, Case{"--quorums some", "--quorums"},
                        Case{"--set cluster.nodes=64 --set cluster.replication=leaderless", "more than the bound"},
                        Case{"scenarios/no-such-file.json", "no-such-file"}}) {
    CAPTURE(c.args);
    const ConsimResult r = run_consim_in(kSrc, "predict " + c.args + " --output " + out.string() + " 2>&1");
    CHECK(r.code == 2);
    CHECK(r.out.find(c.says) != std::string::npos);
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
    CHECK(!fs::exists(out));
  }
  // A hostile size in the API too.
  Scenario sc = load_scenario("", {"cluster.nodes=64", "cluster.replication=leaderless"});
  CHECK_THROWS_AS(predict_pbs(sc, PbsOptions{}), InputError);
  PbsOptions few;
  few.trials = 10;
  CHECK_THROWS_AS(predict_pbs(sc, few), InputError);
  // run --predict needs a probe.
  const ConsimResult r = run_consim_in(kSrc, "run scenarios/chapter-step2.json --predict --quiet 2>&1");
  CHECK(r.code == 2);
  CHECK(r.out.find("no probe") != std::string::npos);
}

// The model against the simulator, where the model's assumptions hold: one
// write at a time (the probe alone, or a workload too slow to matter, and an
// interval far above the delays), no repair, no loss, no failures. Five
// settings, one code path of the model each: client coordinators (PBS's own
// setting), node coordinators with fanout all and with fanout r, leader
// mode's eventual reads and its quorum reads. Each probe delay's measured
// stale count is binomial(n, p), n the answered reads there (4800 to 6000);
// the prediction is itself a mean of 200000 trials. The prediction must lie
// in the measured count's Wilson interval at z = 3.89 (two-sided 1e-4 per
// delay, so under 1% for the 50 or so delays together if the model is right),
// widened by 4 standard errors of the prediction's own Monte Carlo estimate.
TEST_CASE("predict: predicted against consim run's measured probe staleness") {
  struct Case {
    std::string args;
    std::vector<std::string> levels;
  };
  const std::string quiet = " --set workload.rate_per_s=0.01";
  for (const Case& c : {
           Case{"scenarios/pbs/lnkd-disk.json --set duration_ms=1500000", {"strong"}},
           Case{"scenarios/leaderless.json --set duration_ms=1200000 --set cluster.write_quorum=1 "
                "--set cluster.read_quorum=1" +
                    quiet,
                {"strong"}},
           Case{"scenarios/leaderless.json --set duration_ms=1200000 --set cluster.write_quorum=1 "
                "--set cluster.read_quorum=2 --set cluster.read_fanout=r" +
                    quiet,
                {"strong"}},
           Case{"scenarios/w1-stale-reads.json --set duration_ms=3000000 --set cluster.read_quorum=2 "
                "--set 'probe.levels=[\"eventual\",\"strong\"]'" +
                    quiet,
                {"eventual", "strong"}},
       }) {
    CAPTURE(c.args);
    const ConsimResult r =
        run_consim_in(kSrc, "run " + c.args + " --predict --predict-trials 200000 --quiet --format json 2>&1");
    REQUIRE(r.code == 0);
    const nlohmann::json rep = nlohmann::json::parse(r.out);
    for (const std::string& level : c.levels) {
      CAPTURE(level);
      const nlohmann::json& cmp = rep.at("predicted").at(level);
      CHECK(cmp.at("w") == 1);
      std::size_t checked = 0;
      bool some_stale = false;
      for (const nlohmann::json& x : cmp.at("by_delay")) {
        const std::uint64_t n = x.at("reads"), k = x.at("stale_reads");
        CAPTURE(x.dump());
        REQUIRE(n >= 4000);
        const double pred = x.at("predicted_stale_rate");
        const double mc_se = std::sqrt(pred * (1 - pred) / 200000.0);
        const auto [lo, hi] = wilson(k, n, 3.89);
        CHECK(pred >= lo - 4 * mc_se);
        CHECK(pred <= hi + 4 * mc_se);
        if (k > 0) some_stale = true;
        ++checked;
      }
      CHECK(checked >= 8);
      CHECK(some_stale);  // the comparison is not all zeros
    }
  }
  // Where an assumption breaks, the run says so: read repair makes the
  // probe's later reads fresher than the model, which knows no repair.
  const ConsimResult r = run_consim_in(kSrc,
                                       "run scenarios/leaderless.json --set duration_ms=600000 --set "
                                       "cluster.write_quorum=1 --set cluster.read_quorum=1 --set "
                                       "cluster.read_repair=async --predict --quiet --format json" +
                                           quiet + " 2>&1");
  REQUIRE(r.code == 0);
  const nlohmann::json rep = nlohmann::json::parse(r.out);
  bool outside = false;
  for (const nlohmann::json& x : rep.at("predicted").at("strong").at("by_delay"))
    if (x.at("prediction_inside_ci") == false) outside = true;
  CHECK(outside);
}
