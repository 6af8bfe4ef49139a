// tests/test_scaling.cpp: what a node holds does not grow with the length
// of a run, with heartbeats on and off, in both replication modes.
//
// Memory is measured as deterministic sizes (Node::retained(): log entries,
// buffers, operations in flight), sampled over the whole run, not as wall
// time or resident memory.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "sim/scenario/load.h"
#include "sim/world/world.h"

using namespace consim;
using nlohmann::json;

namespace {

// 5 000 operations per virtual second, 80% writes, over `seconds`.
json scaling_scenario(bool leaderless, bool heartbeats, double seconds) {
  json j = json::parse(R"({
    "name": "scaling", "seed": 3, "drain_ms": 1000,
    "cluster": {"nodes": 3, "write_quorum": 2, "read_quorum": 2},
    "network": {"delay": {"type": "lognormal", "median_ms": 1, "sigma": 0.5}},
    "workload": {"rate_per_s": 5000, "clients": 50, "read_fraction": 0.2, "write_fraction": 0.8,
                 "delete_fraction": 0, "keys": 200, "zipf": 0.9, "levels": ["eventual", "strong"]}
  })");
  j["duration_ms"] = seconds * 1000.0;
  auto& c = j["cluster"];
  if (leaderless) c["replication"] = "leaderless";
  // Heartbeats off: an interval (and an election timeout) beyond the run.
  c["heartbeat_interval_ms"] = heartbeats ? 50.0 : 1e6;
  c["election_timeout_ms"] = heartbeats ? 300.0 : 2e6;
  return j;
}

// The largest Node::retained().total() any node reached, sampled every 64
// events and at the end.
class PeakRetained final : public WorldObserver {
 public:
  PeakRetained(const World& w, std::uint32_t nodes) : world_(w), nodes_(nodes) {}
  void on_event(const EventInfo& e) override {
    if (e.index % 64 == 0) sample();
  }
  void sample() {
    for (NodeId n = 0; n < nodes_; ++n) peak = std::max(peak, world_.node(n).retained().total());
  }
  std::uint64_t peak = 0;

 private:
  const World& world_;
  std::uint32_t nodes_;
};

struct RunSize {
  std::uint64_t peak = 0;
  std::uint64_t writes_acked = 0;
};

RunSize peak_retained(bool leaderless, bool heartbeats, double seconds) {
  Scenario sc = scenario_from_json(scaling_scenario(leaderless, heartbeats, seconds), "<test>");
  World w(sc);
  PeakRetained obs(w, sc.cluster.nodes);
  w.set_observer(&obs);
  w.run();
  obs.sample();
  RunSize r;
  r.peak = obs.peak;
  for (const auto& ws : w.metrics().writes) r.writes_acked += ws.acked;
  return r;
}

}  // namespace

TEST_CASE("what a node retains is flat in run length: heartbeats on and off, leader and leaderless") {
  // Both runs are longer than the log keeps (log_retain entries), the second
  // four times the first: a log that is never compacted grows with it.
  const std::uint64_t retain = NodeConfig{}.log_retain;
  for (const bool leaderless : {false, true}) {
    for (const bool heartbeats : {true, false}) {
      CAPTURE(leaderless);
      CAPTURE(heartbeats);
      const RunSize short_run = peak_retained(leaderless, heartbeats, 2.0);
      const RunSize long_run = peak_retained(leaderless, heartbeats, 8.0);
      // The runs did what they are meant to: about 8 000 and 32 000 writes
      // acknowledged, more than the log keeps.
      CHECK(short_run.writes_acked > retain);
      CHECK(long_run.writes_acked > 4 * short_run.writes_acked * 9 / 10);
      // Bounded by what is kept plus what is in flight, and not growing.
      CHECK(long_run.peak <= retain + 1024);
      // (a few entries either way are what happens to be in flight at the
      // peak; a log that grows with the run would hold thousands more.)
      CHECK(long_run.peak <= short_run.peak + short_run.peak / 10 + 16);
      MESSAGE(fmt::format("leaderless {} heartbeats {}: peak retained {} (2 s) {} (8 s)", leaderless, heartbeats,
                          short_run.peak, long_run.peak));
    }
  }
}
