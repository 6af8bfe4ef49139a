// tests/test_leaderless.cpp: leaderless (Dynamo-style) mode in the whole
// world, over many seeds: the quorum rule, the stale window, what read
// repair, anti-entropy and hinted handoff buy, and the LWW anomaly.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "core/lww.h"
#include "sim/engine/histogram.h"
#include "sim/report/report.h"
#include "sim/scenario/load.h"
#include "sim/world/world.h"
#include "temp_dir.h"

using namespace consim;
using nlohmann::json;

namespace {

json leaderless_scenario() {
  return json::parse(R"({
    "name": "leaderless", "seed": 1, "duration_ms": 5000, "drain_ms": 2000,
    "cluster": {"replication": "leaderless", "nodes": 3, "write_quorum": 2, "read_quorum": 2,
                "heartbeat_interval_ms": 100, "election_timeout_ms": 500},
    "network": {"delay": {"type": "lognormal", "median_ms": 5, "sigma": 0.8}},
    "workload": {"rate_per_s": 400, "clients": 10, "read_fraction": 0.6, "write_fraction": 0.35,
                 "delete_fraction": 0.05, "keys": 20, "zipf": 0.8, "levels": ["strong"]}
  })");
}

Metrics run_json(const json& j, std::string* report = nullptr) {
  Scenario sc = scenario_from_json(j, "<test>");
  World w(sc);
  w.run();
  if (report) *report = report_json(w).dump();
  return w.metrics();
}

int level(Level l) { return static_cast<int>(l); }

double rate(std::uint64_t a, std::uint64_t b) { return b ? double(a) / double(b) : 0.0; }

}  // namespace

TEST_CASE("leaderless, no faults, R + W > N: quorum reads are never stale, for every routing and fanout") {
  std::uint64_t reads = 0;
  const std::string routings[] = {"random", "sticky", "client"};
  const std::string fanouts[] = {"all", "r"};
  for (int w = 1; w <= 3; ++w) {
    for (int r = 1; r <= 3; ++r) {
      if (r + w <= 3) continue;
      for (int seed = 1; seed <= 6; ++seed) {
        json j = leaderless_scenario();
        j["seed"] = seed * 31 + w * 7 + r;
        j["cluster"]["write_quorum"] = w;
        j["cluster"]["read_quorum"] = r;
        j["cluster"]["read_fanout"] = fanouts[seed % 2];
        j["workload"]["routing"] = routings[seed % 3];
        Metrics m = run_json(j);
        const ReadStats& rs = m.reads[level(Level::strong)];
        CHECK_MESSAGE(rs.stale == 0, "W=" << w << " R=" << r << " seed " << j["seed"] << " routing "
                                          << routings[seed % 3] << " fanout " << fanouts[seed % 2]);
        CHECK(rs.answered() > 0);
        CHECK(m.violations.writes_reordered == 0);
        reads += rs.answered();
      }
    }
  }
  CHECK(reads > 10000);
}

TEST_CASE("leaderless R = W = 1 with random delays: P(stale) is positive at t = 0 and falls as t grows") {
  for (const char* routing : {"random", "client"}) {
    std::uint64_t r0 = 0, s0 = 0, r5 = 0, s5 = 0, r50 = 0, s50 = 0;
    for (int seed = 1; seed <= 4; ++seed) {
      json j = leaderless_scenario();
      j.erase("workload");
      j["seed"] = seed;
      j["cluster"]["write_quorum"] = 1;
      j["cluster"]["read_quorum"] = 1;
      j["probe"] = json::parse(R"({"interval_ms": 100, "delays_ms": [0, 5, 50], "levels": ["strong"]})");
      j["probe"]["routing"] = routing;
      Metrics m = run_json(j);
      const auto& p = m.probe[level(Level::strong)];
      REQUIRE(p.size() == 3);
      r0 += p[0].reads, s0 += p[0].stale;
      r5 += p[1].reads, s5 += p[1].stale;
      r50 += p[2].reads, s50 += p[2].stale;
    }
    INFO("routing " << std::string(routing) << ": P(stale) " << rate(s0, r0) << " " << rate(s5, r5) << " " << rate(s50, r50));
    CHECK(r0 > 100);
    CHECK(s0 > 0);
    CHECK(rate(s0, r0) > rate(s5, r5));
    CHECK(rate(s5, r5) > rate(s50, r50));
    CHECK(rate(s50, r50) < 0.01);
  }
}

namespace {
// Writes reach only some replicas (lossy write requests, W = 1): replicas
// stay behind until something repairs them.
json lossy_writes(int seed) {
  json j = leaderless_scenario();
  j["seed"] = seed;
  j["cluster"]["write_quorum"] = 1;
  j["cluster"]["read_quorum"] = 1;
  j["network"]["kinds"] = json::parse(R"({"replica_write": {"loss": 0.3}})");
  j["workload"]["levels"] = {"eventual"};
  j["workload"]["read_fraction"] = 0.8;
  j["workload"]["write_fraction"] = 0.2;
  j["workload"]["delete_fraction"] = 0;
  j["workload"]["rate_per_s"] = 200;
  return j;
}
struct Pooled {
  std::uint64_t reads = 0, stale = 0, tracked = 0, converged = 0;
  Histogram times;  // acknowledgement to convergence, converged writes
  void add(const Metrics& m) {
    reads += m.reads[level(Level::eventual)].answered();
    stale += m.reads[level(Level::eventual)].stale;
    tracked += m.convergence.tracked;
    converged += m.convergence.converged;
    times.merge(m.convergence.time);
  }
  double stale_rate() const { return rate(stale, reads); }
  double converged_rate() const { return rate(converged, tracked); }
  // The time by which a fraction q of all acknowledged writes (converged or
  // not) had reached every replica; kNever if fewer than q ever did.
  Time converged_by(double q) const {
    if (double(converged) < q * double(tracked)) return kNever;
    return times.quantile(q * double(tracked) / double(converged));
  }
};
}  // namespace

TEST_CASE("read repair and anti-entropy each lower the stale rate and speed up convergence") {
  Pooled off, repair, blocking, ae;
  for (int seed = 1; seed <= 4; ++seed) {
    json j = lossy_writes(seed);
    off.add(run_json(j));
    json jr = j;
    jr["cluster"]["read_repair"] = "async";
    repair.add(run_json(jr));
    json jb = j;
    jb["cluster"]["read_repair"] = "blocking";
    blocking.add(run_json(jb));
    json ja = j;
    ja["cluster"]["anti_entropy_interval_ms"] = 50;
    ae.add(run_json(ja));
  }
  INFO("stale: off " << off.stale_rate() << " repair " << repair.stale_rate() << " blocking "
                     << blocking.stale_rate() << " anti-entropy " << ae.stale_rate());
  INFO("converged: off " << off.converged_rate() << " repair " << repair.converged_rate() << " anti-entropy "
                         << ae.converged_rate());
  REQUIRE(off.reads > 1000);
  CHECK(off.stale > 0);
  CHECK(repair.stale_rate() < off.stale_rate());
  CHECK(blocking.stale_rate() < off.stale_rate());
  CHECK(ae.stale_rate() < off.stale_rate());
  // Without either, a write a replica missed stays missing until overwritten.
  CHECK(repair.converged_rate() > off.converged_rate());
  CHECK(ae.converged_rate() > off.converged_rate());
  CHECK(ae.converged_rate() > 0.99);
}

TEST_CASE("with a little write loss, read repair and anti-entropy shorten the convergence time") {
  Pooled off, repair, ae;
  for (int seed = 1; seed <= 4; ++seed) {
    json j = lossy_writes(seed);
    j["network"]["kinds"]["replica_write"]["loss"] = 0.03;
    off.add(run_json(j));
    json jr = j;
    jr["cluster"]["read_repair"] = "async";
    repair.add(run_json(jr));
    json ja = j;
    ja["cluster"]["anti_entropy_interval_ms"] = 50;
    ae.add(run_json(ja));
  }
  const double q = 0.97;
  INFO("97% converged by (ms): off " << off.converged_by(q) / 1e6 << " repair " << repair.converged_by(q) / 1e6
                                     << " anti-entropy " << ae.converged_by(q) / 1e6);
  REQUIRE(off.converged_by(q) != kNever);  // without help, new writes supersede the missed ones
  CHECK(repair.converged_by(q) < off.converged_by(q));
  CHECK(ae.converged_by(q) < off.converged_by(q));
}

TEST_CASE("anti-entropy alone converges the replicas with no reads at all; the report counts it") {
  json j = lossy_writes(5);
  j["workload"]["levels"] = {"eventual"};
  j["workload"]["read_fraction"] = 0;
  j["workload"]["write_fraction"] = 1;
  Metrics off = run_json(j);
  j["cluster"]["anti_entropy_interval_ms"] = 200;
  std::string report;
  Metrics ae = run_json(j, &report);
  CHECK_FALSE(off.convergence.cluster_converged);
  CHECK(ae.convergence.cluster_converged);
  CHECK(ae.leaderless.sync_rounds > 0);
  CHECK(ae.leaderless.keys_synchronised > 0);
  const json r = json::parse(report);
  CHECK(r["leaderless"]["keys_synchronised"] == ae.leaderless.keys_synchronised);
  CHECK(r["scenario"]["replication"] == "leaderless");
  CHECK_FALSE(r.contains("elections"));
}

TEST_CASE("the LWW anomaly: a coordinator with a lagging clock makes later writes lose; without skew none do") {
  json j = leaderless_scenario();
  j["workload"]["keys"] = 2;  // hot keys: writes follow each other closely
  j["workload"]["write_fraction"] = 0.5;
  j["workload"]["read_fraction"] = 0.5;
  j["workload"]["delete_fraction"] = 0;
  j["workload"]["routing"] = "random";
  Metrics clean = run_json(j);
  CHECK(clean.violations.writes_reordered == 0);
  j["cluster"]["clock_offset_ms"] = {0, -100, 0};  // node-2's clock runs 100 ms behind
  Metrics skew = run_json(j);
  CHECK(skew.violations.writes_reordered > 0);
  // The lost writes are not stale reads: replicas agree on the LWW winner.
  CHECK(skew.reads[level(Level::strong)].stale == 0);
}

TEST_CASE("sloppy quorum keeps W = replicas writes available with a replica down; the hints come home") {
  json j = leaderless_scenario();
  j["cluster"]["nodes"] = 4;
  j["cluster"]["replicas"] = 3;
  j["cluster"]["write_quorum"] = 3;
  j["cluster"]["read_quorum"] = 1;
  j["cluster"]["write_timeout_ms"] = 200;
  j["timeline"] = json::parse(R"([{"at_ms": 1000, "crash": [2]}, {"at_ms": 3500, "restart": [2]}])");
  j["cluster"]["durable"] = true;
  Metrics strict = run_json(j);
  j["cluster"]["sloppy_quorum"] = true;
  Metrics sloppy = run_json(j);
  const WriteStats& ws = strict.writes[static_cast<int>(OpType::put)];
  const WriteStats& wl = sloppy.writes[static_cast<int>(OpType::put)];
  // Coordinators that are up answer `timeout` short of W acks; requests sent
  // to the crashed node itself time out at the client, in both runs alike.
  const auto coord_timeouts = [](const WriteStats& s) { return s.failed_by[static_cast<int>(FailReason::node_timeout)]; };
  INFO("writes short of W: strict " << coord_timeouts(ws) << " sloppy " << coord_timeouts(wl));
  CHECK(coord_timeouts(ws) > 100);
  // Sloppy: only writes before the failure detector notices (election_timeout) fail.
  CHECK(coord_timeouts(wl) < coord_timeouts(ws) / 3);
  CHECK(sloppy.leaderless.hinted_writes > 0);
  CHECK(sloppy.leaderless.hints_stored > 0);
  CHECK(sloppy.leaderless.hints_delivered > 0);
  CHECK(strict.leaderless.hinted_writes == 0);
  CHECK(sloppy.convergence.cluster_converged);
}

TEST_CASE("leaderless runs are deterministic: same seed, same report bytes") {
  json j = leaderless_scenario();
  j["cluster"]["read_repair"] = "async";
  j["cluster"]["anti_entropy_interval_ms"] = 300;
  j["cluster"]["clock_drift_ppm"] = {0, 50, -50};
  j["network"]["loss"] = 0.02;
  j["timeline"] = json::parse(R"([{"at_ms": 1000, "crash": [1]}, {"at_ms": 2500, "restart": [1]}])");
  std::string a, b;
  run_json(j, &a);
  run_json(j, &b);
  CHECK(a == b);
  j["seed"] = 2;
  std::string c;
  run_json(j, &c);
  CHECK(a != c);
}

TEST_CASE("leaderless session reads: the coordinator waits for the client's token, so no session is violated") {
  std::uint64_t session_reads = 0, eventual_violations = 0;
  for (int seed = 1; seed <= 4; ++seed) {
    json j = leaderless_scenario();
    j["seed"] = seed;
    j["cluster"]["write_quorum"] = 1;
    j["cluster"]["read_quorum"] = 1;
    j["workload"]["clients"] = 3;  // few clients: each reads back its own writes often
    j["workload"]["keys"] = 3;
    j["workload"]["routing"] = seed % 2 ? "random" : "client";
    json js = j;
    // causal carries both tokens (the violations are counted over every read,
    // and a monotonic_reads read may well miss the client's own write).
    js["workload"]["levels"] = {"causal"};
    Metrics m = run_json(js);
    CHECK(m.violations.read_your_writes == 0);
    CHECK(m.violations.monotonic_reads == 0);
    session_reads += m.reads[level(Level::causal)].answered();
    // Tokens are per key: without faults some replica always has the token.
    CHECK(m.reads[level(Level::causal)].failed == 0);
    j["workload"]["levels"] = {"eventual"};
    Metrics e = run_json(j);
    eventual_violations += e.violations.read_your_writes + e.violations.monotonic_reads;
  }
  CHECK(session_reads > 1000);
  CHECK(eventual_violations > 0);  // the same workload at eventual does violate them
}

TEST_CASE("leaderless text report and diagram name LWW versions by timestamp, coordinator and counter") {
  json j = leaderless_scenario();
  j.erase("workload");
  j["script"] = json::parse(R"([{"at_ms": 100, "client": 1, "node": 2, "op": "put", "key": "x", "value": "a"},
                                {"at_ms": 200, "client": 1, "node": 3, "op": "get", "key": "x", "level": "strong"}])");
  Scenario sc = scenario_from_json(j, "<test>");
  World w(sc);
  w.run();
  const std::string text = report_text(w);
  // put at 100 ms through node-2: its clock reads 100 ms plus the client's delay.
  CHECK(text.find(",N2,1)") != std::string::npos);
  CHECK(text.find("-> a v(") != std::string::npos);
  CHECK(version_text(lww_version(1500000, 4, 7), sc) == "v(1.5ms,C2,7)");  // endpoint 4 = client 2 of N = 3
  CHECK(version_text(Version{}, sc) == "v(0,0)");
}

TEST_CASE("a sweep across both modes: probe CSV rows for each mode, and plot.sh draws their curves") {
  TempDir tmp;
  const std::string dir = tmp.path;
  const std::string cmd = fmt::format(
      "'{}' sweep '{}/scenarios/leaderless.json' --set duration_ms=5000 --vary cluster.replication=leader,leaderless "
      "--w 1 --r 1 --seeds 1 --output {}/m.csv --probe-output {}/p.csv -q 2>&1",
      CONSIM_BINARY, CONSIM_SOURCE_DIR, dir, dir);
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::ifstream in(dir + "/p.csv");
  std::string line, all;
  int leader = 0, leaderless = 0;
  while (std::getline(in, line)) {
    leader += line.find(",leader,") != std::string::npos;
    leaderless += line.find(",leaderless,") != std::string::npos;
  }
  CHECK(leader == 10);  // one row per probe delay
  CHECK(leaderless == 10);
  const std::string plot =
      fmt::format("bash '{}/tools/plot.sh' probe {}/p.csv {}/p.svg >/dev/null 2>&1", CONSIM_SOURCE_DIR, dir, dir);
  REQUIRE(std::system(plot.c_str()) == 0);
  std::ifstream svg(dir + "/p.svg");
  std::getline(svg, all, '\0');
  CHECK(all.find("<svg") != std::string::npos);
  CHECK(all.find("replication=leaderless") != std::string::npos);
}

TEST_CASE("a leaderless sequence diagram: replicas, LWW versions, and where W is reached") {
  TempDir tmp;
  const std::string out = tmp.file("diagram.md");
  const std::string cmd =
      fmt::format("'{}' run '{}/scenarios/leaderless.json' --mermaid {} --mermaid-to-ms 40 -q >/dev/null 2>&1",
                  CONSIM_BINARY, CONSIM_SOURCE_DIR, out);
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::ifstream in(out);
  std::string md;
  std::getline(in, md, '\0');
  CHECK(md.find("participant N1 as Replica node-1") != std::string::npos);
  CHECK(md.find(": write probe-") != std::string::npos);  // replica_write arrows
  CHECK(md.find("W=2 reached: ack v(") != std::string::npos);
  CHECK(md.find("ms,N") != std::string::npos);  // v(timestamp ms,coordinator,counter)
  CHECK(md.find("Follower") == std::string::npos);
}
