// Swarm tests: many small random valid scenarios, generated from a swarm seed
// with the project's Rng, each checked against invariants that must hold for
// every scenario. A failure prints the swarm seed, writes the scenario to
// /tmp/consim-swarm-<seed>.json and prints the command that replays it.
//
//   CONSIM_SWARM_N=2000 ./consim_tests -tc='swarm*'     more scenarios
//   CONSIM_SWARM_SEED=123 ./consim_tests -tc='swarm*'   just that swarm seed
// See docs/reliability.md.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "sim/check/determinism.h"
#include "sim/engine/rng.h"
#include "sim/scenario/load.h"
#include "sim/world/world.h"

using namespace consim;
using nlohmann::json;

namespace {

struct Gen {
  Rng rng;
  explicit Gen(std::uint64_t seed) : rng(seed, stream_id("swarm")) {}
  std::uint64_t below(std::uint64_t n) { return rng.next_below(n); }
  int range(int lo, int hi) { return lo + static_cast<int>(below(static_cast<std::uint64_t>(hi - lo + 1))); }
  double uniform(double lo, double hi) {
    const double u = rng.next_double();
    return lo + (hi - lo) * u;
  }
  bool coin(double p = 0.5) { return rng.bernoulli(p); }
  double round3(double x) { return static_cast<double>(static_cast<long long>(x * 1000 + 0.5)) / 1000; }

  json distribution(bool allow_mixture = true) {
    const int k = range(0, allow_mixture ? 6 : 5);
    switch (k) {
      case 0: return json{{"type", "constant"}, {"ms", round3(uniform(0, 8))}};
      case 1: {
        const double lo = round3(uniform(0, 5));
        return json{{"type", "uniform"}, {"min_ms", lo}, {"max_ms", round3(lo + uniform(0, 10))}};
      }
      case 2: return json{{"type", "exponential"}, {"mean_ms", round3(uniform(0.1, 8))}};
      case 3: return json{{"type", "normal"}, {"mean_ms", round3(uniform(0, 8))}, {"stddev_ms", round3(uniform(0, 4))}};
      case 4: return json{{"type", "lognormal"}, {"median_ms", round3(uniform(0.2, 6))}, {"sigma", round3(uniform(0, 1.2))}};
      case 5: return json{{"type", "pareto"}, {"scale_ms", round3(uniform(0.2, 4))}, {"shape", round3(uniform(1.2, 3))}};
      default: {
        json comps = json::array();
        const int c = range(1, 3);
        for (int i = 0; i < c; ++i) {
          json d = distribution(false);
          d["weight"] = round3(uniform(0.1, 1));
          comps.push_back(d);
        }
        return json{{"type", "mixture"}, {"components", comps}};
      }
    }
  }

  json nodes_subset(int n) {
    json a = json::array();
    for (int i = 1; i <= n; ++i)
      if (coin(0.4)) a.push_back(i);
    if (a.empty()) a.push_back(range(1, n));
    return a;
  }
};

struct Generated {
  json j;
  bool faults = false;  // loss, duplication, partitions, crashes or pauses
};

// Turn a generated leader-mode scenario into a leaderless one: replicas per
// key, quorums within them, fanout, read repair, sloppy quorum,
// anti-entropy, clock skew, per-kind delays; levels and routings that need a
// leader are replaced. Drawn after everything else, so the leader-mode
// scenarios of a seed are the same as before leaderless mode existed.
void make_leaderless(Gen& g, Generated& out) {
  json& j = out.j;
  json& cl = j["cluster"];
  const int n = cl["nodes"];
  const int replicas = g.range(1, n);
  cl["replication"] = "leaderless";
  cl["replicas"] = replicas;
  cl["write_quorum"] = g.range(1, replicas);
  cl["read_quorum"] = g.range(1, replicas);
  cl.erase("election");
  cl.erase("bootstrap_leader");
  cl.erase("session_behind");
  cl["read_fanout"] = g.coin() ? "all" : "r";
  const char* repairs[] = {"off", "async", "blocking"};
  cl["read_repair"] = repairs[g.below(3)];
  cl["sloppy_quorum"] = g.coin();
  if (g.coin(0.6)) cl["anti_entropy_interval_ms"] = g.range(50, 300);
  if (g.coin(0.3)) {
    json off = json::array(), drift = json::array();
    for (int i = 0; i < n; ++i) {
      off.push_back(g.range(-50, 50));
      drift.push_back(g.range(-200, 200));
    }
    cl["clock_offset_ms"] = off;
    cl["clock_drift_ppm"] = drift;
  }
  if (g.coin(0.4)) {
    const char* kinds[] = {"replica_write", "replica_write_ack", "replica_read", "replica_read_reply", "repair",
                           "anti_entropy", "replicate", "ack"};
    json k = json::object();
    const int count = g.range(1, 3);
    for (int i = 0; i < count; ++i) {
      json spec{{"delay", g.distribution()}};
      if (out.faults && g.coin(0.3)) spec["loss"] = g.round3(g.uniform(0, 0.2));
      k[kinds[g.below(8)]] = spec;
    }
    j["network"]["kinds"] = k;
  }
  auto fix_level = [](json& l) {
    if (l == "leader") l = "strong";
  };
  json& w = j["workload"];
  if (w["levels"].contains("leader")) {
    w["levels"].erase("leader");
    if (w["levels"].empty()) w["levels"]["strong"] = 1;
  }
  const char* routings[] = {"random", "sticky", "client"};
  w["routing"] = routings[g.below(3)];
  if (j.contains("probe")) {
    json pl = json::array();
    for (json l : j["probe"]["levels"]) {
      fix_level(l);
      if (std::find(pl.begin(), pl.end(), l) == pl.end()) pl.push_back(l);
    }
    j["probe"]["levels"] = pl;
    j["probe"]["routing"] = routings[g.below(3)];
  }
  if (j.contains("script"))
    for (json& op : j["script"])
      if (op.contains("level")) fix_level(op["level"]);
  // Anti-entropy reaches every peer within (n - 1) rounds: leave a few.
  if (cl.contains("anti_entropy_interval_ms"))
    j["drain_ms"] = std::max(j["drain_ms"].get<int>(), 4 * n * cl["anti_entropy_interval_ms"].get<int>());
}

// A small random valid scenario. Every timeline ends, well before the end of
// the run, with heal + restart all + resume all, and the workload stops
// before that, so the replicas have a quiet tail in which to converge.
Generated generate(std::uint64_t seed) {
  Gen g(seed);
  Generated out;
  json& j = out.j;
  const int n = g.range(1, 7);
  const int duration = g.range(2000, 4000);
  j["name"] = fmt::format("swarm-{}", seed);
  j["description"] = fmt::format("generated by tests/test_swarm.cpp from swarm seed {}", seed);
  j["seed"] = g.below(1000000);
  j["duration_ms"] = duration;
  j["drain_ms"] = g.range(2000, 3000);
  j["request_timeout_ms"] = g.range(300, 2000);
  const int hb = g.range(50, 200);
  json cl;
  cl["nodes"] = n;
  cl["write_quorum"] = g.range(1, n);
  cl["read_quorum"] = g.range(1, n);
  cl["election"] = g.coin() ? "majority" : "lowest-alive";
  cl["heartbeat_interval_ms"] = hb;
  cl["election_timeout_ms"] = hb * g.range(3, 6);
  cl["write_timeout_ms"] = g.range(100, 1000);
  cl["read_timeout_ms"] = g.range(100, 1000);
  cl["read_repair"] = g.coin();
  cl["durable"] = g.coin();
  const char* policies[] = {"wait", "fail", "forward"};
  cl["session_behind"] = policies[g.below(3)];
  cl["bootstrap_leader"] = g.coin(0.8);
  j["cluster"] = cl;

  out.faults = g.coin(0.7);
  json net;
  net["delay"] = g.distribution();
  if (g.coin(0.3)) net["client_delay"] = g.distribution();
  if (out.faults) {
    net["loss"] = g.coin(0.6) ? g.round3(g.uniform(0, 0.1)) : 0.0;
    net["duplicate"] = g.coin(0.5) ? g.round3(g.uniform(0, 0.05)) : 0.0;
  }
  j["network"] = net;

  const int faults_end = duration * g.range(30, 50) / 100;  // heal + restart + resume here
  json w;
  const bool closed = g.coin(0.3);
  w["mode"] = closed ? "closed" : "open";
  if (closed) {
    w["clients"] = g.range(1, 6);
    w["think"] = json{{"type", "exponential"}, {"mean_ms", g.range(5, 50)}};
  } else {
    w["clients"] = g.range(1, 20);
    w["rate_per_s"] = g.range(10, 300);
  }
  const int rf = g.range(0, 900);  // thousandths, summing to 1000
  const int wf = g.range(1, 1000 - rf);
  w["read_fraction"] = rf / 1000.0;
  w["write_fraction"] = wf / 1000.0;
  w["delete_fraction"] = (1000 - rf - wf) / 1000.0;
  w["keys"] = g.range(1, 50);
  w["zipf"] = g.coin() ? 0.0 : g.round3(g.uniform(0, 1.5));
  const char* levels[] = {"eventual", "strong", "read_your_writes", "monotonic_reads", "causal", "leader"};
  json lv = json::object();
  for (const char* l : levels)
    if (g.coin(0.5)) lv[l] = g.range(1, 3);
  if (lv.empty()) lv["strong"] = 1;
  w["levels"] = lv;
  const char* routings[] = {"random", "sticky", "leader", "followers"};
  w["routing"] = routings[g.below(4)];
  w["stop_ms"] = faults_end * g.range(70, 100) / 100;
  j["workload"] = w;

  // A probe and a few scripted operations (half the time), also quiet by faults_end.
  const int quiet_from = w["stop_ms"].get<int>();
  if (g.coin()) {
    json pr;
    pr["interval_ms"] = g.range(100, 800);
    json delays = json::array();
    const int nd = g.range(1, 4);
    for (int i = 0; i < nd; ++i) delays.push_back(g.range(0, std::min(100, pr["interval_ms"].get<int>() - 1)));
    pr["delays_ms"] = delays;
    json pl = json::array();
    for (const char* l : levels)
      if (g.coin(0.3)) pl.push_back(l);
    if (pl.empty()) pl.push_back("eventual");
    pr["levels"] = pl;
    pr["keys"] = g.range(1, 3);
    pr["stop_ms"] = std::max(1, quiet_from);
    j["probe"] = pr;
  }
  if (g.coin() && quiet_from > 1) {
    json sc = json::array();
    const int ops = g.range(1, 8);
    std::vector<int> at;
    for (int i = 0; i < ops; ++i) at.push_back(g.range(0, quiet_from - 1));
    std::sort(at.begin(), at.end());
    const char* opnames[] = {"get", "put", "delete"};
    for (int i = 0; i < ops; ++i) {
      json op{{"at_ms", at[i]}, {"client", g.range(1, 3)}, {"node", g.range(1, n)}};
      const char* o = opnames[g.below(3)];
      op["op"] = o;
      op["key"] = g.coin() ? fmt::format("k{}", g.below(5)) : fmt::format("name{}", g.below(3));
      if (std::string(o) == "put") op["value"] = fmt::format("v{}", i);
      if (std::string(o) == "get") op["level"] = levels[g.below(6)];
      sc.push_back(op);
    }
    j["script"] = sc;
  }

  json tl = json::array();
  if (out.faults) {
    const int events = g.range(0, 6);
    std::vector<int> times;
    for (int i = 0; i < events; ++i) times.push_back(g.range(1, faults_end - 1));
    std::sort(times.begin(), times.end());
    for (int t : times) {
      json e;
      e["at_ms"] = t;
      switch (g.below(6)) {
        case 0: e["crash"] = g.nodes_subset(n); break;
        case 1: e["restart"] = g.nodes_subset(n); break;
        case 2: e["pause"] = g.nodes_subset(n); break;
        case 3: e["resume"] = g.nodes_subset(n); break;
        case 4: {
          if (n < 2) {
            e["heal"] = true;
            break;
          }
          json a = json::array(), b = json::array();
          for (int i = 1; i <= n; ++i) (g.coin() ? a : b).push_back(i);
          if (a.empty() || b.empty()) {
            e["heal"] = true;
            break;
          }
          e["partition"] = json::array({a, b});
          break;
        }
        default: e["heal"] = true; break;
      }
      tl.push_back(e);
    }
    json all = json::array();
    for (int i = 1; i <= n; ++i) all.push_back(i);
    tl.push_back(json{{"at_ms", faults_end}, {"heal", true}});
    tl.push_back(json{{"at_ms", faults_end}, {"restart", all}});
    tl.push_back(json{{"at_ms", faults_end}, {"resume", all}});
  }
  if (!tl.empty()) j["timeline"] = tl;
  // The quiet tail must leave room for several election rounds (a lossy
  // 2-node majority cluster may need a few: each vote can be lost) and the
  // catch-up after them: at least ten election timeouts of drain.
  j["drain_ms"] = std::max(j["drain_ms"].get<int>(), 10 * j["cluster"]["election_timeout_ms"].get<int>());
  if (g.coin(0.35)) make_leaderless(g, out);
  return out;
}

// Observes time order and leaders per term.
struct InvariantObserver : WorldObserver {
  Time last = 0;
  std::uint64_t events = 0;
  std::string problem;
  std::map<std::uint64_t, NodeId> leader_of_term;
  void on_event(const EventInfo& e) override {
    if (e.time < last && problem.empty())
      problem = fmt::format("virtual time went back at event {}: {} ns after {} ns", e.index, e.time, last);
    last = e.time;
    ++events;
  }
  void on_role(Time t, NodeId node, Role role, std::uint64_t term) override {
    if (role != Role::leader) return;
    auto it = leader_of_term.find(term);
    if (it == leader_of_term.end()) {
      leader_of_term.emplace(term, node);
    } else if (it->second != node && problem.empty()) {
      problem = fmt::format("two leaders in term {}: node {} and node {} (t={} ns)", term, it->second + 1, node + 1, t);
    }
  }
};

// Empty when every invariant holds, else what broke.
std::string check_one(const Generated& g, std::uint64_t* events) {
  Scenario sc = scenario_from_json(g.j, "<swarm>");
  InvariantObserver obs;
  World w(sc);
  w.set_observer(&obs);
  w.run();
  *events = obs.events;
  // Two leaders in one term is a bug under majority election, unless a node
  // lost its vote in a crash (not durable): then it may vote again in the
  // same term, which is the amnesia the durable flag exists to show.
  bool amnesia = false;
  if (!sc.cluster.durable)
    for (const TimelineEvent& te : sc.timeline) amnesia = amnesia || te.kind == TimelineEvent::Kind::crash;
  if (!obs.problem.empty()) {
    const bool two_leaders = obs.problem.rfind("two leaders", 0) == 0;
    if (!two_leaders || (sc.cluster.election == Election::majority && !amnesia)) return obs.problem;
  }
  const Metrics& m = w.metrics();
  for (int l = 0; l < kLevelCount; ++l) {
    const ReadStats& r = m.reads[l];
    if (r.reads != r.ok + r.not_found + r.failed)
      return fmt::format("level {}: {} reads invoked but {} answered + {} failed", to_string(static_cast<Level>(l)),
                         r.reads, r.answered(), r.failed);
  }
  for (int t = 1; t < kOpTypeCount; ++t) {
    const WriteStats& ws = m.writes[t];
    if (ws.writes != ws.acked + ws.failed)
      return fmt::format("{}: {} writes invoked but {} acked + {} failed", to_string(static_cast<OpType>(t)), ws.writes,
                         ws.acked, ws.failed);
  }
  const EngineStats& e = m.engine;
  if (e.messages_sent + e.messages_duplicated != e.messages_delivered + e.messages_dropped + e.messages_in_flight_at_end)
    return fmt::format("messages: {} sent + {} duplicated != {} delivered + {} dropped + {} in flight", e.messages_sent,
                       e.messages_duplicated, e.messages_delivered, e.messages_dropped, e.messages_in_flight_at_end);
  if (!g.faults && sc.cluster.read_quorum + sc.cluster.write_quorum > sc.cluster.replicas &&
      m.reads[static_cast<int>(Level::strong)].stale > 0)
    return fmt::format("no faults and R + W > N, yet {} strong reads were stale",
                       m.reads[static_cast<int>(Level::strong)].stale);
  // Raft's promise: with majority election, durable nodes and W a majority,
  // no acknowledged write is lost (the final state holds it or a newer one).
  if (sc.cluster.election == Election::majority && sc.cluster.durable &&
      sc.cluster.write_quorum > sc.cluster.nodes / 2 && m.lost.lost > 0)
    return fmt::format("majority election, durable, W={} of N={}: {} acknowledged write(s) lost",
                       sc.cluster.write_quorum, sc.cluster.nodes, m.lost.lost);
  if (sc.cluster.replication == Replication::leaderless) {
    // LWW keeps the greatest version: a durable replica never gives up an
    // acknowledged write, and hints are handed back once their node is up.
    if (sc.cluster.durable && m.lost.lost > 0)
      return fmt::format("leaderless, durable: {} acknowledged write(s) lost", m.lost.lost);
    // Only anti-entropy repairs keys nobody reads.
    if (sc.cluster.anti_entropy_interval == 0) return {};
  }
  if (!m.convergence.cluster_converged)
    return fmt::format("after heal, restart and resume of every node and a quiet tail, {} keys still differ "
                       "between live replicas",
                       m.convergence.keys_diverged);
  return {};
}

std::uint64_t env_u64(const char* name, std::uint64_t dflt) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : dflt;
}

}  // namespace

TEST_CASE("swarm: random valid scenarios keep every invariant") {
  std::uint64_t first = env_u64("CONSIM_SWARM_BASE", 1);
  std::uint64_t count = env_u64("CONSIM_SWARM_N", 1000);
  if (const char* s = std::getenv("CONSIM_SWARM_SEED"); s && *s) {
    first = std::strtoull(s, nullptr, 10);
    count = 1;
  }
  const auto t0 = std::chrono::steady_clock::now();
  std::uint64_t events = 0, failures = 0;
  for (std::uint64_t seed = first; seed < first + count; ++seed) {
    const Generated g = generate(seed);
    std::string problem;
    std::uint64_t ev = 0;
    try {
      problem = check_one(g, &ev);
    } catch (const std::exception& ex) {
      problem = fmt::format("exception: {}", ex.what());
    }
    events += ev;
    if (!problem.empty()) {
      ++failures;
      const std::string path = fmt::format("/tmp/consim-swarm-{}.json", seed);
      std::ofstream(path) << g.j.dump(2) << "\n";
      FAIL_CHECK(fmt::format("swarm seed {}: {}\n  scenario: {}\n  replay:   consim run {}\n  recheck:  "
                             "CONSIM_SWARM_SEED={} consim_tests -tc='swarm*'",
                             seed, problem, path, path, seed));
      if (failures >= 10) break;
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  MESSAGE(fmt::format("swarm: {} scenarios (seeds {}..{}), {} events, {:.1f} s, {} failed", count, first,
                      first + count - 1, events, secs, failures));
  CHECK(failures == 0);
  CHECK(events > count);  // the scenarios really ran
}

TEST_CASE("swarm: the determinism self-check passes for a generated scenario and names the first difference") {
  const Scenario a = scenario_from_json(generate(7).j, "<swarm>");
  const DeterminismResult same = compare_runs(a, a);
  CHECK(same.identical);
  CHECK(same.events_a > 100);
  CHECK(same.events_a == same.events_b);
  CHECK(describe(same).find("identical") != std::string::npos);

  Scenario b = a;
  b.seed = a.seed + 1;  // a perturbed second run
  const DeterminismResult diff = compare_runs(a, b);
  CHECK_FALSE(diff.identical);
  CHECK(diff.first_difference < diff.events_a);
  CHECK(diff.a.present);
  CHECK(diff.b.present);
  CHECK(diff.a.hash != diff.b.hash);
  const std::string d = describe(diff);
  MESSAGE(d);
  CHECK(d.find(fmt::format("DIFFER at event {}", diff.first_difference)) != std::string::npos);
  CHECK(d.find(diff.a.kind) != std::string::npos);
}

TEST_CASE("swarm: consim run --check-determinism prints one line and exits 0") {
  const std::string cmd = fmt::format("'{}' run '{}/scenarios/partition-majority.json' --check-determinism 2>&1",
                                      CONSIM_BINARY, CONSIM_SOURCE_DIR);
  std::FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  const int status = pclose(p);
  CHECK(status == 0);
  CHECK(out.rfind("determinism: 2 runs, ", 0) == 0);
  CHECK(out.find("identical (hash 0x") != std::string::npos);
}
