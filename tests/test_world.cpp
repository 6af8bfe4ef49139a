// The whole world: determinism, the quorum rule over many seeds, network
// faults, conservation of messages, and the split-brain lost-write case.
#include <doctest/doctest.h>

#include "files.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "sim/report/report.h"
#include "sim/scenario/load.h"
#include "sim/io/trace.h"
#include "sim/world/world.h"

using namespace consim;
using nlohmann::json;

namespace {

json base_scenario() {
  return json::parse(R"({
    "name": "test", "seed": 1, "duration_ms": 5000, "drain_ms": 3000,
    "cluster": {"nodes": 3, "write_quorum": 2, "read_quorum": 1,
                "heartbeat_interval_ms": 100, "election_timeout_ms": 500},
    "network": {"delay": {"type": "lognormal", "median_ms": 5, "sigma": 0.8}},
    "workload": {"rate_per_s": 400, "clients": 10, "read_fraction": 0.6, "write_fraction": 0.35,
                 "delete_fraction": 0.05, "keys": 20, "zipf": 0.8,
                 "levels": {"eventual": 1, "strong": 1, "read_your_writes": 1}}
  })");
}

Metrics run_json(const json& j, std::string* report = nullptr) {
  Scenario sc = scenario_from_json(j, "<test>");
  World w(sc);
  w.run();
  if (report) *report = report_json(w).dump(1);
  return w.metrics();
}

int level(Level l) { return static_cast<int>(l); }

}  // namespace

TEST_CASE("same scenario and seed give the same report and trace bytes; another seed does not") {
  json j = base_scenario();
  j["timeline"] = json::parse(R"([{"at_ms": 1000, "crash": [2]}, {"at_ms": 2500, "restart": [2]}])");
  j["network"]["loss"] = 0.02;
  std::string r1, r2, r3;
  const std::string t1 = "/tmp/consim_test_trace1.jsonl", t2 = "/tmp/consim_test_trace2.jsonl";
  for (int i = 0; i < 2; ++i) {
    Scenario sc = scenario_from_json(j, "<test>");
    TraceWriter tw(i == 0 ? t1 : t2);
    World w(sc, &tw);
    w.run();
    tw.commit();
    (i == 0 ? r1 : r2) = report_json(w).dump(1) + report_text(w);
  }
  CHECK(r1 == r2);
  const std::string a = slurp(t1), b = slurp(t2);
  CHECK(a.size() > 1000);
  CHECK(a == b);
  j["seed"] = 2;
  run_json(j, &r3);
  CHECK(r3 != r1.substr(0, r3.size()));
  std::remove(t1.c_str());
  std::remove(t2.c_str());
}

TEST_CASE("without faults, strong reads with R + W > N are never stale, over many seeds") {
  std::uint64_t strong_reads = 0;
  for (int w = 1; w <= 3; ++w) {
    for (int r = 1; r <= 3; ++r) {
      if (r + w <= 3) continue;
      for (int seed = 1; seed <= 6; ++seed) {
        json j = base_scenario();
        j["seed"] = seed * 101 + w * 7 + r;
        j["cluster"]["write_quorum"] = w;
        j["cluster"]["read_quorum"] = r;
        j["workload"]["levels"] = {{"strong", 1}};
        Metrics m = run_json(j);
        const ReadStats& rs = m.reads[level(Level::strong)];
        CHECK_MESSAGE(rs.stale == 0, "W=" << w << " R=" << r << " seed " << j["seed"]);
        CHECK(rs.answered() > 0);
        strong_reads += rs.answered();
      }
    }
  }
  CHECK(strong_reads > 10000);
}

TEST_CASE("with R + W <= N and real delays, reads are stale, and the window closes with time") {
  std::uint64_t stale = 0, answered = 0, early_reads = 0, early_stale = 0, late_reads = 0, late_stale = 0;
  for (int seed = 1; seed <= 4; ++seed) {
    json j = base_scenario();
    j["seed"] = seed;
    j["cluster"]["write_quorum"] = 1;
    j["cluster"]["read_quorum"] = 1;
    j["workload"]["levels"] = {{"strong", 1}, {"eventual", 1}};
    Metrics m = run_json(j);
    for (Level l : {Level::strong, Level::eventual}) {
      stale += m.reads[level(l)].stale;
      answered += m.reads[level(l)].answered();
      for (const WindowBucket& b : m.window[level(l)]) {
        if (b.hi <= 2 * kMillisecond) {
          early_reads += b.reads;
          early_stale += b.stale;
        } else if (b.lo >= 200 * kMillisecond) {
          late_reads += b.reads;
          late_stale += b.stale;
        }
      }
    }
  }
  CHECK(stale > 0);
  CHECK(answered > 1000);
  REQUIRE(early_reads > 0);
  REQUIRE(late_reads > 0);
  // P(stale) shortly after a write is far above P(stale) long after it
  CHECK(double(early_stale) / double(early_reads) > 5 * double(late_stale) / double(late_reads) + 0.01);
}

TEST_CASE("messages are conserved: sent + duplicated = delivered + dropped + in flight") {
  for (int seed = 1; seed <= 5; ++seed) {
    json j = base_scenario();
    j["seed"] = seed;
    j["network"]["loss"] = 0.05;
    j["network"]["duplicate"] = 0.05;
    j["timeline"] = json::parse(R"([
      {"at_ms": 500, "partition": [[1], [2, 3]]},
      {"at_ms": 1500, "heal": true},
      {"at_ms": 2000, "crash": [3]},
      {"at_ms": 2200, "pause": [2]},
      {"at_ms": 2600, "resume": [2]},
      {"at_ms": 3000, "restart": [3]},
      {"at_ms": 3500, "cut": {"from": 1, "to": 2}}
    ])");
    Metrics m = run_json(j);
    const EngineStats& e = m.engine;
    CHECK(e.messages_sent + e.messages_duplicated ==
          e.messages_delivered + e.messages_dropped + e.messages_in_flight_at_end);
    CHECK(e.dropped_by[static_cast<int>(DropReason::loss)] > 0);
    CHECK(e.dropped_by[static_cast<int>(DropReason::partition)] > 0);
    CHECK(e.dropped_by[static_cast<int>(DropReason::cut)] > 0);
    CHECK(e.messages_duplicated > 0);
  }
}

TEST_CASE("a snapshot crosses the wire after its sender has moved on: install_snapshot, duplicated") {
  // A follower is down while more entries are written than the leader's log
  // keeps, and comes back empty: only install_snapshot can catch it up. The
  // snapshot is read when it arrives, long after the Outputs it left in was
  // cleared; the wire keeps it alive (the sanitizer build checks that).
  json j = base_scenario();
  j["duration_ms"] = 3000;
  j["network"]["duplicate"] = 0.3;
  j["workload"]["rate_per_s"] = 5000;
  j["workload"]["read_fraction"] = 0;
  j["workload"]["write_fraction"] = 1;
  j["workload"]["delete_fraction"] = 0;
  j["timeline"] = json::parse(R"([{"at_ms": 300, "crash": [3]}, {"at_ms": 2000, "restart": [3]}])");
  Metrics m = run_json(j);
  const EngineStats& e = m.engine;
  CHECK(e.sent_by_kind[static_cast<int>(MsgKind::install_snapshot)] > 0);
  CHECK(e.messages_duplicated > 0);
  CHECK(e.messages_sent + e.messages_duplicated ==
        e.messages_delivered + e.messages_dropped + e.messages_in_flight_at_end);
}

TEST_CASE("loss drops about the configured fraction of messages") {
  json j = base_scenario();
  j["network"]["loss"] = 0.1;
  Metrics m = run_json(j);
  const double frac = double(m.engine.dropped_by[static_cast<int>(DropReason::loss)]) / double(m.engine.messages_sent);
  CHECK(frac > 0.085);
  CHECK(frac < 0.115);
}

TEST_CASE("after faults heal and writes stop, the live replicas converge") {
  for (int seed = 1; seed <= 4; ++seed) {
    json j = base_scenario();
    j["seed"] = seed;
    j["network"]["loss"] = 0.05;
    j["workload"]["stop_ms"] = 3500;
    j["timeline"] = json::parse(R"([
      {"at_ms": 500, "partition": [[1, 2], [3]]},
      {"at_ms": 1500, "heal": true},
      {"at_ms": 1800, "crash": [2]},
      {"at_ms": 2500, "restart": [2]}
    ])");
    Metrics m = run_json(j);
    CHECK_MESSAGE(m.convergence.cluster_converged, "seed " << seed);
    CHECK(m.convergence.converged > 0);
  }
}

TEST_CASE("lowest-alive election under a partition: two leaders, and acknowledged writes are lost") {
  json j = base_scenario();
  j["cluster"]["write_quorum"] = 1;
  j["workload"]["routing"] = "sticky";
  j["workload"]["stop_ms"] = 3000;  // no writes after the heal: nothing overwrites what was lost
  j["timeline"] = json::parse(R"([{"at_ms": 500, "partition": [[1], [2, 3]]}, {"at_ms": 3000, "heal": true}])");
  Metrics m = run_json(j);
  CHECK(m.elections.max_simultaneous_leaders >= 2);
  CHECK(m.lost.lost > 0);
  CHECK(m.convergence.cluster_converged);

  // the same story with majority election and W = majority loses nothing
  j["cluster"]["election"] = "majority";
  j["cluster"]["write_quorum"] = 2;
  for (int seed = 1; seed <= 4; ++seed) {
    j["seed"] = seed;
    Metrics mm = run_json(j);
    CHECK_MESSAGE(mm.lost.lost == 0, "seed " << seed);
    CHECK(mm.lost.checked > 0);
  }
}

TEST_CASE("the probe measures the window directly: eventual reads right after the write are stale, later ones not") {
  json j = base_scenario();
  j.erase("workload");
  j["cluster"]["write_quorum"] = 1;
  j["probe"] = json::parse(R"({"interval_ms": 200, "delays_ms": [0, 100], "levels": ["eventual", "strong"]})");
  j["cluster"]["read_quorum"] = 3;
  Metrics m = run_json(j);
  const auto& ev = m.probe[level(Level::eventual)];
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].reads > 10);
  CHECK(ev[0].stale > 0);
  CHECK(ev[1].stale == 0);
  // R = N: the strong read always sees the acknowledged write
  for (const ProbeCell& c : m.probe[level(Level::strong)]) CHECK(c.stale == 0);
}

TEST_CASE("per-kind delays: slow appends, fast acks widen the W=1 stale window, not the write latency") {
  json j = json::parse(R"({
    "name": "kinds", "seed": 3, "duration_ms": 4000, "drain_ms": 1000,
    "cluster": {"nodes": 3, "write_quorum": 1, "read_quorum": 1,
                "heartbeat_interval_ms": 100, "election_timeout_ms": 500},
    "network": {"delay": 1},
    "workload": {"rate_per_s": 200, "clients": 4, "read_fraction": 0.5, "write_fraction": 0.5,
                 "keys": 10, "levels": ["eventual"], "routing": "leader"},
    "probe": {"interval_ms": 100, "keys": 2, "delays_ms": [0, 5, 20, 100], "levels": ["eventual"], "target_stale": 0.01}
  })");
  Metrics fast = run_json(j);
  j["network"]["kinds"] = json::parse(R"({"append": {"delay": 40}, "ack": {"delay": 0.5}})");
  std::string report;
  Metrics slow = run_json(j, &report);
  const auto& pf = fast.probe[level(Level::eventual)];
  const auto& ps = slow.probe[level(Level::eventual)];
  REQUIRE(pf.size() == 4);
  REQUIRE(ps.size() == 4);
  // 1 ms appends: a read 5 ms after the acknowledgement is never stale.
  CHECK(pf[1].reads > 20);
  CHECK(pf[1].stale == 0);
  CHECK(pf[2].stale == 0);
  // 40 ms appends: reads 5 and 20 ms after it all are; 100 ms after, none.
  CHECK(ps[1].reads > 20);
  CHECK(ps[1].stale == ps[1].reads);
  CHECK(ps[2].stale == ps[2].reads);
  CHECK(ps[3].stale == 0);
  CHECK(probe_t_below_target(pf, 0.01) <= 5 * kMillisecond);
  CHECK(probe_t_below_target(ps, 0.01) == 100 * kMillisecond);
  // Rank: each probe write is read back before the next one, so a stale read is one version behind.
  CHECK(ps[1].within(1) == 0);
  CHECK(ps[1].within(2) == ps[1].reads);
  // The client-observed write latency (W=1: the leader alone) does not change.
  const WriteStats& wf = fast.writes[static_cast<int>(OpType::put)];
  const WriteStats& wsl = slow.writes[static_cast<int>(OpType::put)];
  CHECK(wf.acked > 100);
  CHECK(wf.acked == wsl.acked);
  CHECK(wf.latency.quantile(0.5) == wsl.latency.quantile(0.5));
  CHECK(wf.latency.quantile(0.99) == wsl.latency.quantile(0.99));
  CHECK(wf.latency.max() == wsl.latency.max());
  // The report carries the probe statistics.
  const json r = json::parse(report);
  CHECK(r["probe_summary"]["levels"]["eventual"]["t_below_target_ms"] == 100.0);
  CHECK(r["probe_summary"]["k_max"] == 3);
  CHECK(r["probe"]["eventual"][1]["p_consistent"] == 0.0);
  CHECK(r["probe"]["eventual"][1]["p_within_k"].size() == 3);
  CHECK(r["probe"]["eventual"][1]["p_within_k"][1] == 1.0);
}
