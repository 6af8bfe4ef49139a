// tests/test_node.cpp: the node state machine, driven by a tiny in-test world.
//
// The harness (Cluster) drives N nodes through the simulator's own Host
// (sim/world/host.h: node slots, timer instants, crash, restart) with a
// time-ordered queue of in-flight messages and timers, a per-message delay
// function, a drop predicate (evaluated at delivery: partitions and loss),
// and records client replies, Applied and RoleChange outputs with their times.
#include <doctest/doctest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <vector>

#include "core/message.h"
#include "core/node.h"
#include "sim/world/host.h"

using namespace consim;

namespace {

constexpr EndpointId kClient = 100;
constexpr Time kMs = kMillisecond;

// A fixed 64-bit LCG: deterministic delays, loss and timer jitter.
struct Lcg {
  std::uint64_t s;
  explicit Lcg(std::uint64_t seed) : s(seed * 2654435761u + 1) {}
  std::uint64_t next() {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return s >> 33;
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
};

NodeConfig base_config(std::uint32_t n, Election e) {
  NodeConfig c;
  c.nodes = n;
  c.election = e;
  c.key_space = 16;
  c.heartbeat_interval = 100 * kMs;
  c.election_timeout = 300 * kMs;
  c.write_timeout = 500 * kMs;
  c.read_timeout = 400 * kMs;
  return c;
}

struct Cluster {
  enum class Fire { at_min, at_max, random };
  struct Event {
    Time at;
    std::uint64_t seq;
    bool timer;
    NodeId node;  // timer: owner; message: m.to
    HostTimer t;
    Message m;
    std::shared_ptr<const Snapshot> snapshot;  // what m.snapshot points to, kept while in flight
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.at != b.at ? a.at > b.at : a.seq > b.seq;
    }
  };
  struct Reply {
    Time at;
    Message m;
  };
  struct ApplyEvent {
    Time at;
    NodeId node;
    Applied a;
  };

  Host host;  // the nodes, driven as the simulator drives them (sim/world/host.h)
  std::priority_queue<Event, std::vector<Event>, Later> queue;
  Time now = 0;
  std::uint64_t seq = 0;
  std::uint64_t next_op = 1;
  std::function<Time(const Message&)> delay = [](const Message&) { return 1 * kMs; };
  std::function<bool(const Message&)> drop = [](const Message&) { return false; };
  std::vector<Reply> replies;
  std::vector<ApplyEvent> applied;
  std::map<std::uint64_t, NodeId> leader_of_term;
  bool two_leaders_in_a_term = false;
  std::uint64_t sent[kMsgKindCount] = {};
  std::uint64_t append_rejects = 0;

  static std::vector<NodeConfig> configs(const NodeConfig& cfg) {
    std::vector<NodeConfig> v;
    for (NodeId i = 0; i < cfg.nodes; ++i) {
      NodeConfig c = cfg;
      c.id = i;
      v.push_back(c);
    }
    return v;
  }
  explicit Cluster(const NodeConfig& cfg, std::uint64_t seed = 1)
      : host(configs(cfg), Host::Options{seed, Host::TimerChoice::earliest}) {}
  std::uint32_t n() const { return host.size(); }
  const Node& node(NodeId i) const { return host.node(i); }
  // Where in its window a requested timer fires.
  void set_fire(Fire f) {
    host.set_timer_choice(f == Fire::at_min   ? Host::TimerChoice::earliest
                          : f == Fire::at_max ? Host::TimerChoice::latest
                                              : Host::TimerChoice::random);
  }

  void start() {
    for (NodeId i = 0; i < n(); ++i) absorb(host.start(i, now));
  }

  // Executes what node fx.node asked for.
  void absorb(const Effects& fx) {
    const NodeId i = fx.node;
    for (const Message& m : fx.out.messages) {
      ++sent[static_cast<int>(m.kind)];
      if (m.kind == MsgKind::append_reply && m.status == Status::reject) ++append_rejects;
      CHECK(m.from == i);
      if (m.to >= n()) {
        replies.push_back({now, m});
        continue;
      }
      queue.push(Event{now + delay(m), seq++, false, m.to, HostTimer{}, m, fx.out.holder(m)});
    }
    for (std::size_t k = 0; k < fx.timers.size(); ++k) {
      const TimerRequest& t = fx.out.timers[k];
      REQUIRE(t.at_min <= t.at_max);
      REQUIRE(t.at_min >= now);
      REQUIRE(fx.timers[k].at >= t.at_min);
      REQUIRE(fx.timers[k].at <= t.at_max);
      queue.push(Event{fx.timers[k].at, seq++, true, i, fx.timers[k].timer, Message{}, nullptr});
    }
    for (const Applied& a : fx.out.applied) applied.push_back({now, i, a});
    for (const RoleChange& rc : fx.out.roles) {
      if (rc.role != Role::leader) continue;
      CHECK(rc.leader == i);
      auto [it, fresh] = leader_of_term.emplace(rc.term, i);
      if (!fresh && it->second != i) two_leaders_in_a_term = true;
    }
  }

  void run_until(Time t) {
    while (!queue.empty() && queue.top().at <= t) {
      Event e = queue.top();
      queue.pop();
      now = e.at;
      if (!host.up(e.node)) continue;  // crashed: messages and timers are lost
      if (e.timer) {
        if (!host.is_current(e.t)) continue;  // of an incarnation before a crash
        absorb(host.fire(now, e.t));
      } else {
        if (drop(e.m)) continue;
        absorb(host.deliver(now, e.m));
      }
    }
    now = t;
  }
  void run_for(Time d) { run_until(now + d); }

  // A client request delivered to `to` right now. Returns its op id.
  std::uint64_t request(NodeId to, MsgKind k, Key key, Value v = 0,
                        Level level = Level::eventual, Version token = {}) {
    Message m;
    m.kind = k;
    m.from = kClient;
    m.to = to;
    m.op = next_op++;
    m.key = key;
    m.rec.value = v;
    m.level = level;
    m.token = token;
    if (host.up(to)) absorb(host.deliver(now, m));
    return m.op;
  }
  std::uint64_t put(NodeId to, Key key, Value v) { return request(to, MsgKind::client_put, key, v); }
  std::uint64_t del(NodeId to, Key key) { return request(to, MsgKind::client_delete, key); }
  std::uint64_t get(NodeId to, Key key, Level level, Version token = {}) {
    return request(to, MsgKind::client_get, key, 0, level, token);
  }

  int reply_count(std::uint64_t op) const {
    int c = 0;
    for (const Reply& r : replies) c += r.m.op == op ? 1 : 0;
    return c;
  }
  const Reply* reply(std::uint64_t op) const {
    for (const Reply& r : replies) {
      if (r.m.op == op) return &r;
    }
    return nullptr;
  }
  // Nodes whose store took `v` for `key` at or before time t.
  int holders_at(Time t, Key key, Version v) const {
    std::uint64_t mask = 0;
    for (const ApplyEvent& e : applied) {
      if (e.at <= t && e.a.key == key && e.a.version == v) mask |= std::uint64_t{1} << e.node;
    }
    return __builtin_popcountll(mask);
  }

  // The Applied stream tells the truth: per node and key, the last version
  // reported is the version the store holds.
  bool applied_matches_stores() const {
    std::map<std::pair<NodeId, Key>, Version> last;
    for (const ApplyEvent& e : applied) last[{e.node, e.a.key}] = e.a.version;
    for (NodeId i = 0; i < n(); ++i) {
      for (Key k = 0; k < node(i).key_count(); ++k) {
        auto it = last.find({i, k});
        const Version expect = it == last.end() ? Version{} : it->second;
        if (node(i).record(k).version != expect) return false;
      }
    }
    return true;
  }

  void crash(NodeId i) { host.crash(i); }
  void restart(NodeId i, bool durable) {
    if (const Effects* fx = host.restart(i, now, durable)) absorb(*fx);
  }

  int leaders() const {
    int c = 0;
    for (NodeId i = 0; i < n(); ++i) c += host.up(i) && node(i).is_leader() ? 1 : 0;
    return c;
  }
  NodeId the_leader() const {
    for (NodeId i = 0; i < n(); ++i) {
      if (host.up(i) && node(i).is_leader()) return i;
    }
    return kNoNode;
  }
  // Every live node holds the same log position and the same records.
  bool converged(Key keys) const {
    NodeStatus ref{};
    bool first = true;
    NodeId r = 0;
    for (NodeId i = 0; i < n(); ++i) {
      if (!host.up(i)) continue;
      NodeStatus s = node(i).status();
      if (first) {
        ref = s;
        r = i;
        first = false;
        continue;
      }
      if (s.last_index != ref.last_index || s.last_term != ref.last_term) return false;
      for (Key k = 0; k < keys; ++k) {
        Record a = node(i).record(k), b = node(r).record(k);
        if (a.version != b.version || a.value != b.value || a.tombstone != b.tombstone) return false;
      }
    }
    return true;
  }
};

// Messages that carry entries (heartbeats still pass: liveness is kept).
bool is_replication(MsgKind k) {
  return k == MsgKind::append || k == MsgKind::install_snapshot;
}

}  // namespace

TEST_CASE("names of message kinds and statuses") {
  CHECK(to_string(MsgKind::install_snapshot) == "install_snapshot");
  CHECK(to_string(MsgKind::repair) == "repair");
  CHECK(to_string(Status::not_leader) == "not_leader");
  CHECK(to_string(Status::behind) == "behind");
  CHECK(to_string(Role::candidate) == "candidate");
  CHECK(is_client_request(MsgKind::client_get));
  CHECK(is_client_request(MsgKind::client_delete));
  CHECK_FALSE(is_client_request(MsgKind::client_reply));
  CHECK_FALSE(is_client_request(MsgKind::append));
}

TEST_CASE("bootstrap: node 0 leads term N, the others follow it") {
  Cluster c(base_config(3, Election::lowest_alive));
  c.start();
  CHECK(c.node(0).is_leader());
  CHECK(c.node(0).term() == 3);
  CHECK(c.node(1).leader_hint() == 0);
  CHECK(c.node(2).term() == 3);
  c.run_for(2 * kSecond);
  CHECK(c.leaders() == 1);
  CHECK(c.node(0).is_leader());
  CHECK(c.node(0).term() == 3);  // nobody challenged it
}

TEST_CASE("a put is acknowledged once W nodes hold it") {
  for (std::uint32_t w = 1; w <= 3; ++w) {
    CAPTURE(w);
    NodeConfig cfg = base_config(3, Election::lowest_alive);
    cfg.write_quorum = w;
    Cluster c(cfg);
    // Node 1 is 10 ms away from the leader, node 2 30 ms.
    c.delay = [](const Message& m) { return (m.to == 2 || m.from == 2) ? 30 * kMs : 10 * kMs; };
    c.start();
    c.run_for(1 * kSecond + 5 * kMs);
    const Time t0 = c.now;
    std::uint64_t op = c.put(0, 3, 42);
    c.run_for(200 * kMs);
    REQUIRE(c.reply_count(op) == 1);
    const Cluster::Reply* r = c.reply(op);
    CHECK(r->m.status == Status::ok);
    CHECK(r->m.kind == MsgKind::client_reply);
    CHECK(r->m.from == 0);
    const Version v = r->m.rec.version;
    CHECK(v.term == 3);
    CHECK(v.index == 1);
    // Reply time: W=1 at once; W=2 after node 1's round trip; W=3 node 2's.
    const Time expect[] = {0, 0, 20 * kMs, 60 * kMs};
    CHECK(r->at - t0 == expect[w]);
    CHECK(c.holders_at(r->at, 3, v) >= static_cast<int>(w));
    if (w == 2) CHECK(c.holders_at(r->at, 3, v) == 2);  // did not wait for node 2
    // Everyone holds it in the end.
    CHECK(c.holders_at(c.now, 3, v) == 3);
  }
}

TEST_CASE("W=3 with a follower unreachable: timeout at write_timeout, entry kept") {
  NodeConfig cfg = base_config(3, Election::lowest_alive);
  cfg.write_quorum = 3;
  Cluster c(cfg);
  c.drop = [](const Message& m) { return m.to == 2 || m.from == 2; };
  c.start();
  c.run_for(1 * kSecond);
  const Time t0 = c.now;
  std::uint64_t op = c.put(0, 1, 7);
  c.run_for(2 * kSecond);
  REQUIRE(c.reply_count(op) == 1);
  CHECK(c.reply(op)->m.status == Status::timeout);
  CHECK(c.reply(op)->at - t0 == cfg.write_timeout);
  CHECK(c.node(1).record(1).value == 7);  // it still replicated where it could
  CHECK(c.node(0).record(1).value == 7);
}

TEST_CASE("put or leader read at a follower: not_leader with the leader hint") {
  Cluster c(base_config(3, Election::lowest_alive));
  c.start();
  c.run_for(500 * kMs);
  std::uint64_t op = c.put(1, 1, 5);
  REQUIRE(c.reply_count(op) == 1);
  CHECK(c.reply(op)->m.status == Status::not_leader);
  CHECK(c.reply(op)->m.hint == 0);
  std::uint64_t d = c.del(2, 1);
  CHECK(c.reply(d)->m.status == Status::not_leader);
  std::uint64_t g = c.get(2, 1, Level::leader);
  CHECK(c.reply(g)->m.status == Status::not_leader);
  CHECK(c.reply(g)->m.hint == 0);
  std::uint64_t g0 = c.get(0, 1, Level::leader);
  CHECK(c.reply(g0)->m.status == Status::not_found);
}

TEST_CASE("deletes replicate as tombstones with their own version") {
  Cluster c(base_config(3, Election::lowest_alive));
  c.start();
  c.run_for(300 * kMs);
  std::uint64_t p = c.put(0, 5, 9);
  c.run_for(100 * kMs);
  CHECK(c.node(2).record(5).value == 9);
  std::uint64_t d = c.del(0, 5);
  c.run_for(100 * kMs);
  REQUIRE(c.reply(d)->m.status == Status::ok);
  const Version dv = c.reply(d)->m.rec.version;
  CHECK(dv > c.reply(p)->m.rec.version);
  for (NodeId i = 0; i < 3; ++i) {
    CAPTURE(i);
    Record r = c.node(i).record(5);
    CHECK(r.tombstone);
    CHECK(r.version == dv);
    CHECK_FALSE(r.present());
  }
  std::uint64_t g = c.get(1, 5, Level::eventual);
  CHECK(c.reply(g)->m.status == Status::not_found);
  CHECK(c.reply(g)->m.rec.version == dv);  // the tombstone's version is visible
}

TEST_CASE("strong read returns the newest version from a stale server") {
  NodeConfig cfg = base_config(3, Election::lowest_alive);
  cfg.read_quorum = 2;
  Cluster c(cfg);
  // Node 2 gets no entries at all: it stays empty.
  c.drop = [](const Message& m) { return m.to == 2 && is_replication(m.kind); };
  c.start();
  c.run_for(300 * kMs);
  std::uint64_t p = c.put(0, 7, 1);
  c.run_for(100 * kMs);
  std::uint64_t p2 = c.put(0, 7, 2);
  c.run_for(100 * kMs);
  const Version newest = c.reply(p2)->m.rec.version;
  REQUIRE(c.reply(p)->m.status == Status::ok);
  REQUIRE(c.node(2).record(7).version.is_zero());
  std::uint64_t ev = c.get(2, 7, Level::eventual);
  CHECK(c.reply(ev)->m.status == Status::not_found);  // eventual: stale
  std::uint64_t g = c.get(2, 7, Level::strong);
  CHECK(c.reply_count(g) == 0);  // waits for a second reply
  c.run_for(50 * kMs);
  REQUIRE(c.reply_count(g) == 1);
  CHECK(c.reply(g)->m.status == Status::ok);
  CHECK(c.reply(g)->m.rec.version == newest);
  CHECK(c.reply(g)->m.rec.value == 2);
  CHECK(c.node(2).record(7).version.is_zero());  // no repair: read_repair off
  c.run_for(1 * kSecond);
  CHECK(c.node(2).record(7).version.is_zero());
}

TEST_CASE("strong read with R=3 and a node unreachable times out") {
  NodeConfig cfg = base_config(3, Election::lowest_alive);
  cfg.read_quorum = 3;
  Cluster c(cfg);
  c.start();
  c.run_for(300 * kMs);
  c.put(0, 2, 11);
  c.run_for(100 * kMs);
  std::uint64_t ok = c.get(1, 2, Level::strong);
  c.run_for(100 * kMs);
  CHECK(c.reply(ok)->m.status == Status::ok);
  c.drop = [](const Message& m) { return m.to == 2 || m.from == 2; };
  const Time t0 = c.now;
  std::uint64_t g = c.get(0, 2, Level::strong);
  c.run_for(1 * kSecond);
  REQUIRE(c.reply_count(g) == 1);
  CHECK(c.reply(g)->m.status == Status::timeout);
  CHECK(c.reply(g)->at - t0 == cfg.read_timeout);
}

TEST_CASE("read repair fixes stale replicas only when enabled") {
  for (bool repair : {false, true}) {
    CAPTURE(repair);
    NodeConfig cfg = base_config(3, Election::lowest_alive);
    cfg.read_quorum = 3;
    cfg.read_repair = repair;
    Cluster c(cfg);
    c.drop = [](const Message& m) { return m.to == 2 && is_replication(m.kind); };
    c.start();
    c.run_for(300 * kMs);
    std::uint64_t p = c.put(0, 4, 8);
    c.run_for(100 * kMs);
    const Version v = c.reply(p)->m.rec.version;
    REQUIRE(c.node(2).record(4).version.is_zero());
    // Served by the (fresh) leader: node 2 is a stale replier.
    std::uint64_t g = c.get(0, 4, Level::strong);
    c.run_for(100 * kMs);
    CHECK(c.reply(g)->m.rec.version == v);
    CHECK((c.node(2).record(4).version == v) == repair);
    CHECK(c.sent[static_cast<int>(MsgKind::repair)] == (repair ? 1u : 0u));
  }
  // The serving node itself is the stale one (R=2): it repairs itself.
  NodeConfig cfg = base_config(3, Election::lowest_alive);
  cfg.read_quorum = 2;
  cfg.read_repair = true;
  Cluster c(cfg);
  c.drop = [](const Message& m) { return m.to == 2 && is_replication(m.kind); };
  c.start();
  c.run_for(300 * kMs);
  std::uint64_t p = c.put(0, 4, 8);
  c.run_for(150 * kMs);  // node 1 learns the commit from a heartbeat
  std::uint64_t g = c.get(2, 4, Level::strong);
  c.run_for(100 * kMs);
  CHECK(c.reply(g)->m.rec.version == c.reply(p)->m.rec.version);
  CHECK(c.node(2).record(4).version == c.reply(p)->m.rec.version);
}

TEST_CASE("read repair does not spread a write nobody knows committed") {
  NodeConfig cfg = base_config(3, Election::lowest_alive);
  cfg.write_quorum = 3;  // node 2 gets no entries: nothing commits
  cfg.read_quorum = 3;
  cfg.read_repair = true;
  Cluster c(cfg);
  c.drop = [](const Message& m) { return m.to == 2 && is_replication(m.kind); };
  c.start();
  c.run_for(300 * kMs);
  std::uint64_t p = c.put(0, 4, 8);
  c.run_for(600 * kMs);
  CHECK(c.reply(p)->m.status == Status::timeout);
  std::uint64_t g = c.get(0, 4, Level::strong);
  c.run_for(100 * kMs);
  CHECK(c.reply(g)->m.rec.version == c.reply(p)->m.rec.version);  // still the newest
  CHECK(c.sent[static_cast<int>(MsgKind::repair)] == 0);
  CHECK(c.node(2).record(4).version.is_zero());
}

TEST_CASE("a follower that missed appends catches up via heartbeats") {
  NodeConfig cfg = base_config(3, Election::lowest_alive);
  Cluster c(cfg);
  bool cut = true;
  c.drop = [&cut](const Message& m) { return cut && m.to == 2 && m.kind == MsgKind::append; };
  c.start();
  c.run_for(300 * kMs);
  for (Value v = 1; v <= 10; ++v) c.put(0, static_cast<Key>(v % 4), v);
  c.run_for(50 * kMs);
  CHECK(c.node(2).status().last_index == 0);
  CHECK(c.node(1).status().last_index == 10);
  CHECK_FALSE(c.converged(16));
  cut = false;
  c.run_for(300 * kMs);  // a heartbeat round resends what node 2 lacks
  CHECK(c.node(2).status().last_index == 10);
  CHECK(c.converged(16));
  CHECK(c.node(2).status().commit_index == 10);
  CHECK(c.sent[static_cast<int>(MsgKind::install_snapshot)] == 0);
}

TEST_CASE("a crashed non-durable follower catches up on restart") {
  for (std::uint32_t retain : {4096u, 4u}) {
    CAPTURE(retain);
    NodeConfig cfg = base_config(3, Election::lowest_alive);
    cfg.log_retain = retain;
    cfg.catchup_batch = 8;
    Cluster c(cfg);
    c.start();
    c.run_for(300 * kMs);
    for (Value v = 1; v <= 5; ++v) c.put(0, static_cast<Key>(v), v);
    c.run_for(100 * kMs);
    c.crash(2);
    for (Value v = 6; v <= 30; ++v) c.put(0, static_cast<Key>(v % 12), v);
    c.del(0, 3);
    c.run_for(500 * kMs);
    c.restart(2, false);
    CHECK(c.node(2).status().last_index == 0);  // it lost everything
    CHECK(c.node(2).record(1).version.is_zero());
    c.run_for(1 * kSecond);
    CHECK(c.node(2).status().last_index == 31);
    CHECK(c.converged(16));
    CHECK(c.node(2).record(3).tombstone);
    CHECK(c.applied_matches_stores());
    if (retain == 4) {
      CHECK(c.sent[static_cast<int>(MsgKind::install_snapshot)] >= 1);
    } else {
      CHECK(c.sent[static_cast<int>(MsgKind::install_snapshot)] == 0);
    }
    // The restarted node does not lead, and leadership did not move.
    CHECK(c.leaders() == 1);
    CHECK(c.node(0).is_leader());
  }
}

TEST_CASE("a durable restart keeps log and store") {
  Cluster c(base_config(3, Election::lowest_alive));
  c.start();
  c.run_for(300 * kMs);
  c.put(0, 1, 1);
  c.run_for(100 * kMs);
  c.crash(1);
  c.put(0, 2, 2);
  c.run_for(100 * kMs);
  c.restart(1, true);
  CHECK(c.node(1).record(1).value == 1);
  CHECK(c.node(1).status().last_index == 1);
  CHECK_FALSE(c.node(1).is_leader());
  c.run_for(500 * kMs);
  CHECK(c.converged(16));
}

TEST_CASE("majority: the leader dies, a new leader is elected") {
  NodeConfig cfg = base_config(3, Election::majority);
  Cluster c(cfg);
  c.set_fire(Cluster::Fire::random);
  c.start();
  c.run_for(1 * kSecond);
  REQUIRE(c.node(0).is_leader());
  c.put(0, 1, 1);
  c.run_for(100 * kMs);
  c.crash(0);
  c.run_for(2 * kSecond);
  REQUIRE(c.leaders() == 1);
  const NodeId l = c.the_leader();
  CHECK(l != 0);
  CHECK(c.node(l).term() > 3);
  CHECK(c.node(l).record(1).value == 1);  // the acknowledged write survived
  std::uint64_t op = c.put(l, 2, 2);
  c.run_for(100 * kMs);
  CHECK(c.reply(op)->m.status == Status::ok);
  // The old leader comes back (durably) and follows.
  c.restart(0, true);
  c.run_for(1 * kSecond);
  CHECK(c.leaders() == 1);
  CHECK(c.the_leader() == l);
  CHECK(c.node(0).leader_hint() == l);
  CHECK(c.converged(16));
  CHECK_FALSE(c.two_leaders_in_a_term);
}

TEST_CASE("majority without bootstrap: nobody leads until an election") {
  NodeConfig cfg = base_config(5, Election::majority);
  cfg.bootstrap_leader = false;
  Cluster c(cfg);
  c.set_fire(Cluster::Fire::random);
  c.start();
  CHECK(c.leaders() == 0);
  std::uint64_t op = c.put(0, 1, 1);
  CHECK(c.reply(op)->m.status == Status::not_leader);
  CHECK(c.reply(op)->m.hint == kNoNode);
  c.run_for(3 * kSecond);
  CHECK(c.leaders() == 1);
  CHECK_FALSE(c.two_leaders_in_a_term);
}

TEST_CASE("majority: a single node elects itself") {
  NodeConfig cfg = base_config(1, Election::majority);
  cfg.bootstrap_leader = false;
  cfg.write_quorum = 1;
  Cluster c(cfg);
  c.start();
  c.run_for(1 * kSecond);
  CHECK(c.node(0).is_leader());
  std::uint64_t op = c.put(0, 1, 3);
  CHECK(c.reply(op)->m.status == Status::ok);
}

TEST_CASE("majority: never two leaders in a term under delays, loss and crashes") {
  int runs_with_elections = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    CAPTURE(seed);
    NodeConfig cfg = base_config(seed % 2 ? 5 : 3, Election::majority);
    cfg.bootstrap_leader = seed % 3 != 0;
    Cluster c(cfg, seed);
    c.set_fire(Cluster::Fire::random);
    Lcg net(seed + 1000);
    c.delay = [&net](const Message&) { return static_cast<Time>(1 + net.below(40)) * kMs; };
    c.drop = [&net](const Message&) { return net.below(100) < 5; };
    c.start();
    Lcg chaos(seed + 7);
    NodeId down = kNoNode;
    Value v = 0;
    std::vector<std::uint64_t> puts;
    for (int step = 0; step < 30; ++step) {
      c.run_for(250 * kMs);
      const NodeId l = c.the_leader();
      if (l != kNoNode) puts.push_back(c.put(l, static_cast<Key>(chaos.below(8)), ++v));
      if (step % 4 == 3) {
        if (down != kNoNode) {
          c.restart(down, true);
          down = kNoNode;
        } else if (l != kNoNode) {
          c.crash(l);
          down = l;
        }
      }
    }
    if (down != kNoNode) c.restart(down, true);
    c.drop = [](const Message&) { return false; };
    c.run_for(3 * kSecond);
    CHECK_FALSE(c.two_leaders_in_a_term);
    CHECK(c.leaders() == 1);
    c.put(c.the_leader(), 0, ++v);  // a fresh write forces the logs together
    c.run_for(1 * kSecond);
    CHECK(c.converged(16));
    CHECK(c.applied_matches_stores());
    // W = 2 is a majority of 3: an acknowledged write is never lost (each
    // key ends at a version at least as new as any write acked for it).
    if (cfg.nodes == 3) {
      for (std::uint64_t op : puts) {
        const Cluster::Reply* r = c.reply(op);
        if (r == nullptr || r->m.status != Status::ok) continue;
        CHECK(c.node(0).record(r->m.key).version >= r->m.rec.version);
      }
    }
    if (c.leader_of_term.size() > 2) ++runs_with_elections;
  }
  CHECK(runs_with_elections >= 20);
}

TEST_CASE("lowest_alive: partition makes two leaders; after heal node 0's log wins") {
  NodeConfig cfg = base_config(3, Election::lowest_alive);
  cfg.write_quorum = 2;
  Cluster c(cfg);
  bool split = false;
  c.drop = [&split](const Message& m) { return split && ((m.from == 0) != (m.to == 0)); };
  c.start();
  c.run_for(300 * kMs);
  std::uint64_t p1 = c.put(0, 1, 100);
  c.run_for(100 * kMs);
  REQUIRE(c.reply(p1)->m.status == Status::ok);

  split = true;
  c.run_for(1 * kSecond);
  CHECK(c.node(0).is_leader());  // still leads its side
  CHECK(c.node(0).term() == 3);
  CHECK(c.node(1).is_leader());  // the majority side's lowest alive
  CHECK(c.node(1).term() % 3 == 1);
  CHECK(c.node(1).term() > 3);
  CHECK(c.node(2).leader_hint() == 1);
  CHECK(c.leaders() == 2);
  std::uint64_t p2 = c.put(1, 2, 200);  // acknowledged on {1,2}
  std::uint64_t p3 = c.put(0, 3, 300);  // node 0 alone: no W=2
  c.run_for(1 * kSecond);
  CHECK(c.reply(p2)->m.status == Status::ok);
  CHECK(c.reply(p3)->m.status == Status::timeout);
  CHECK(c.node(2).record(2).value == 200);

  split = false;
  c.run_for(2 * kSecond);
  CHECK(c.leaders() == 1);
  CHECK(c.node(0).is_leader());
  CHECK(c.node(0).term() % 3 == 0);
  CHECK(c.node(0).term() > c.node(1).term() - 1);
  CHECK(c.node(1).leader_hint() == 0);
  CHECK(c.node(2).leader_hint() == 0);
  CHECK(c.converged(16));
  for (NodeId i = 0; i < 3; ++i) {
    CAPTURE(i);
    CHECK(c.node(i).record(1).value == 100);
    CHECK(c.node(i).record(2).version.is_zero());  // the {1,2} write is lost
    CHECK(c.node(i).record(3).value == 300);       // node 0's timed-out write won
  }
  CHECK(c.applied_matches_stores());
  CHECK_FALSE(c.two_leaders_in_a_term);  // two leaders, but of different terms
}

TEST_CASE("lowest_alive without bootstrap: node 0 leads after the grace period") {
  NodeConfig cfg = base_config(3, Election::lowest_alive);
  cfg.bootstrap_leader = false;
  Cluster c(cfg);
  c.start();
  c.run_for(200 * kMs);
  CHECK(c.leaders() == 0);
  c.run_for(1 * kSecond);
  CHECK(c.leaders() == 1);
  CHECK(c.node(0).is_leader());
  CHECK(c.node(0).term() == 3);
  // Node 0 dies: node 1 takes over once node 0 has been silent long enough.
  c.crash(0);
  c.run_for(1 * kSecond);
  CHECK(c.node(1).is_leader());
  CHECK(c.node(1).term() == 4);
  CHECK(c.node(2).leader_hint() == 1);
}

TEST_CASE("session reads: wait, fail and forward when the node is behind") {
  for (SessionPolicy policy : {SessionPolicy::wait, SessionPolicy::fail, SessionPolicy::forward}) {
    CAPTURE(static_cast<int>(policy));
    NodeConfig cfg = base_config(3, Election::lowest_alive);
    cfg.write_quorum = 1;
    cfg.session_behind = policy;
    Cluster c(cfg);
    bool cut = true;
    c.drop = [&cut](const Message& m) { return cut && m.to == 2 && is_replication(m.kind); };
    c.start();
    c.run_for(300 * kMs);
    std::uint64_t p = c.put(0, 6, 60);
    const Version token = c.reply(p)->m.rec.version;
    c.run_for(50 * kMs);
    std::uint64_t ok = c.get(1, 6, Level::read_your_writes, token);  // node 1 has it
    CHECK(c.reply(ok)->m.status == Status::ok);
    CHECK(c.reply(ok)->m.rec.version == token);
    std::uint64_t zero = c.get(2, 6, Level::monotonic_reads, Version{});
    CHECK(c.reply(zero)->m.status == Status::not_found);  // a zero token is always had
    std::uint64_t g = c.get(2, 6, Level::read_your_writes, token);
    if (policy == SessionPolicy::wait) {
      CHECK(c.reply_count(g) == 0);  // parked
      c.run_for(100 * kMs);
      CHECK(c.reply_count(g) == 0);
      const Time heal = c.now;
      cut = false;
      c.run_for(300 * kMs);
      REQUIRE(c.reply_count(g) == 1);
      CHECK(c.reply(g)->at > heal);
      CHECK(c.reply(g)->m.status == Status::ok);
      CHECK(c.reply(g)->m.rec.version >= token);
      // Parked past read_timeout: timeout.
      cut = true;
      std::uint64_t p2 = c.put(0, 6, 61);
      const Version t2 = c.reply(p2)->m.rec.version;
      const Time t0 = c.now;
      std::uint64_t g2 = c.get(2, 6, Level::causal, t2);
      c.run_for(1 * kSecond);
      REQUIRE(c.reply_count(g2) == 1);
      CHECK(c.reply(g2)->m.status == Status::timeout);
      CHECK(c.reply(g2)->at - t0 == cfg.read_timeout);
    } else if (policy == SessionPolicy::fail) {
      REQUIRE(c.reply_count(g) == 1);
      CHECK(c.reply(g)->m.status == Status::behind);
    } else {
      REQUIRE(c.reply_count(g) == 1);
      CHECK(c.reply(g)->m.status == Status::not_leader);
      CHECK(c.reply(g)->m.hint == 0);
    }
  }
}

TEST_CASE("session token survives compaction: last position decides") {
  NodeConfig cfg = base_config(3, Election::lowest_alive);
  cfg.log_retain = 2;
  cfg.write_quorum = 1;
  cfg.session_behind = SessionPolicy::fail;
  Cluster c(cfg);
  c.start();
  c.run_for(300 * kMs);
  std::uint64_t p = c.put(0, 1, 1);
  const Version token = c.reply(p)->m.rec.version;
  for (Value v = 2; v <= 6; ++v) c.put(0, 2, v);
  c.run_for(100 * kMs);
  std::uint64_t g = c.get(1, 1, Level::read_your_writes, token);  // index 1 compacted
  CHECK(c.reply(g)->m.status == Status::ok);
  std::uint64_t ahead = c.get(1, 1, Level::read_your_writes, Version{3, 99});
  CHECK(c.reply(ahead)->m.status == Status::behind);
}

TEST_CASE("appends delivered out of order are buffered, no rejects needed") {
  NodeConfig cfg = base_config(3, Election::lowest_alive);
  cfg.heartbeat_interval = 1 * kSecond;  // keep catch-up out of the way
  cfg.election_timeout = 3 * kSecond;
  Cluster c(cfg);
  // Later entries reach node 1 sooner: arrival order is reversed.
  c.delay = [](const Message& m) {
    if (m.to == 1 && m.kind == MsgKind::append) return static_cast<Time>(100 - m.index) * kMs;
    return 1 * kMs;
  };
  c.start();
  c.run_for(10 * kMs);
  const Time t0 = c.now;
  for (Value v = 1; v <= 20; ++v) c.put(0, static_cast<Key>(v % 16), v);
  c.run_for(200 * kMs);
  CHECK(c.node(1).status().last_index == 20);
  CHECK(c.append_rejects == 0);
  CHECK(c.converged(16));
  // Nothing was applied on node 1 before entry 1 arrived (the last to arrive).
  for (const Cluster::ApplyEvent& e : c.applied) {
    if (e.node == 1) CHECK(e.at == t0 + 99 * kMs);
  }
}

TEST_CASE("every client operation gets exactly one reply") {
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    CAPTURE(seed);
    NodeConfig cfg = base_config(5, seed % 2 ? Election::majority : Election::lowest_alive);
    cfg.write_quorum = 3;
    cfg.read_quorum = 1 + static_cast<std::uint32_t>(seed % 4);
    cfg.read_repair = seed % 3 == 0;
    cfg.session_behind = static_cast<SessionPolicy>(seed % 3);
    cfg.log_retain = 16;
    Cluster c(cfg, seed);
    c.set_fire(Cluster::Fire::random);
    Lcg net(seed * 31);
    std::uint64_t cut_mask = 0;  // nodes cut off from everyone
    c.delay = [&net](const Message&) { return static_cast<Time>(1 + net.below(30)) * kMs; };
    c.drop = [&net, &cut_mask](const Message& m) {
      if ((cut_mask >> m.from) & 1 || (cut_mask >> m.to) & 1) return true;
      return net.below(100) < 3;
    };
    c.start();
    Lcg cl(seed * 77);
    std::vector<std::uint64_t> ops;
    Version token;
    for (int i = 0; i < 400; ++i) {
      c.run_for(static_cast<Time>(cl.below(20)) * kMs);
      if (i % 50 == 49) cut_mask = std::uint64_t{1} << cl.below(5);
      if (i % 50 == 24) cut_mask = 0;
      const NodeId to = static_cast<NodeId>(cl.below(5));
      const Key key = static_cast<Key>(cl.below(16));
      std::uint64_t op = 0;
      switch (cl.below(5)) {
        case 0: op = c.put(to, key, i); break;
        case 1: op = c.del(to, key); break;
        default: op = c.get(to, key, static_cast<Level>(cl.below(kLevelCount)), token); break;
      }
      ops.push_back(op);
      if (const Cluster::Reply* r = c.reply(op)) {
        if (r->m.status == Status::ok && r->m.rec.version > token) token = r->m.rec.version;
      }
    }
    cut_mask = 0;
    c.run_for(3 * kSecond);  // every timeout has passed
    for (std::uint64_t op : ops) {
      CAPTURE(op);
      CHECK(c.reply_count(op) == 1);
    }
    CHECK(c.replies.size() == ops.size());
    CHECK(c.applied_matches_stores());
    c.put(c.the_leader() == kNoNode ? 0 : c.the_leader(), 0, 1);
    c.run_for(1 * kSecond);
    CHECK(c.leaders() == 1);
    CHECK(c.converged(16));
  }
}

TEST_CASE("chaos: crashes, restarts, loss and reordering; replicas converge after healing") {
  for (std::uint64_t seed = 1; seed <= 24; ++seed) {
    CAPTURE(seed);
    NodeConfig cfg = base_config(seed % 4 == 0 ? 3 : 5,
                                 seed % 2 ? Election::majority : Election::lowest_alive);
    cfg.write_quorum = 1 + static_cast<std::uint32_t>(seed % 3);
    cfg.read_quorum = 2;
    cfg.read_repair = seed % 3 != 0;
    cfg.log_retain = 8 + static_cast<std::uint32_t>(seed % 5);
    cfg.catchup_batch = 4;
    Cluster c(cfg, seed);
    c.set_fire(Cluster::Fire::random);
    Lcg net(seed * 13);
    c.delay = [&net](const Message&) { return static_cast<Time>(1 + net.below(60)) * kMs; };
    c.drop = [&net](const Message&) { return net.below(100) < 8; };
    c.start();
    Lcg chaos(seed * 101);
    std::vector<NodeId> down;
    for (int i = 0; i < 300; ++i) {
      c.run_for(static_cast<Time>(chaos.below(30)) * kMs);
      const NodeId to = static_cast<NodeId>(chaos.below(c.n()));
      const NodeId l = c.the_leader();
      switch (chaos.below(6)) {
        case 0: c.put(l == kNoNode ? to : l, static_cast<Key>(chaos.below(16)), i); break;
        case 1: c.del(l == kNoNode ? to : l, static_cast<Key>(chaos.below(16))); break;
        case 2: c.get(to, static_cast<Key>(chaos.below(16)), Level::strong); break;
        default: c.put(to, static_cast<Key>(chaos.below(16)), i); break;
      }
      if (i % 40 == 20 && down.size() < 2) {
        const NodeId victim = chaos.below(2) ? (l == kNoNode ? to : l) : to;
        if (c.host.up(victim)) {
          c.crash(victim);
          down.push_back(victim);
        }
      }
      if (i % 40 == 39 && !down.empty()) {
        c.restart(down.front(), chaos.below(2) == 0);
        down.erase(down.begin());
      }
    }
    for (NodeId d : down) c.restart(d, false);
    c.drop = [](const Message&) { return false; };
    c.run_for(4 * kSecond);
    REQUIRE(c.leaders() == 1);
    c.put(c.the_leader(), 0, 12345);
    c.run_for(2 * kSecond);
    CHECK(c.leaders() == 1);
    CHECK(c.converged(16));
    CHECK(c.applied_matches_stores());
  }
}

// ---------------------------------------------------------------- convergence
// A follower driven by hand-made leader messages: the leader must be able to
// bring any follower to its own state (docs/reliability.md, swarm bugs).

namespace {

Message leader_msg(MsgKind k, NodeId from, std::uint64_t term, std::uint64_t lead) {
  Message m;
  m.kind = k;
  m.from = from;
  m.to = 1;
  m.term = term;
  m.lead = lead;
  m.hint = from;
  return m;
}

Message append_of(NodeId from, std::uint64_t term, std::uint64_t lead, std::uint64_t index,
                  std::uint64_t prev_term, std::uint64_t prev_lead, Key key, Value v) {
  Message m = leader_msg(MsgKind::append, from, term, lead);
  m.index = index;
  m.prev_index = index - 1;
  m.prev_term = prev_term;
  m.prev_lead = prev_lead;
  m.rec_lead = lead;
  m.key = key;
  m.rec.version = {term, index};
  m.rec.value = v;
  return m;
}

Message heartbeat_of(NodeId from, std::uint64_t term, std::uint64_t lead, std::uint64_t last_index,
                     std::uint64_t last_term, std::uint64_t last_lead) {
  Message m = leader_msg(MsgKind::heartbeat, from, term, lead);
  m.index = last_index;
  m.prev_term = last_term;
  m.prev_lead = last_lead;
  return m;
}

std::unique_ptr<Node> lone_follower(Election e) {
  NodeConfig c = base_config(3, e);
  c.id = 1;
  c.bootstrap_leader = false;
  auto n = std::make_unique<Node>(c);
  Outputs out;
  n->start(0, out);
  return n;
}

}  // namespace

TEST_CASE("Outputs holds each snapshot its messages point to, once, until clear()") {
  Outputs out;
  auto a = std::make_shared<Snapshot>();
  auto b = std::make_shared<Snapshot>();
  std::weak_ptr<const Snapshot> wa = a, wb = b;
  Message& m1 = out.messages.emplace_back();
  m1.snapshot = out.hold(a);
  Message& m2 = out.messages.emplace_back();
  m2.snapshot = out.hold(a);  // the same snapshot in two messages
  Message& m3 = out.messages.emplace_back();
  m3.snapshot = out.hold(std::move(b));
  out.messages.emplace_back();  // none
  CHECK(out.messages[0].snapshot == a.get());
  CHECK(out.snapshots.size() == 2);
  CHECK(out.holder(out.messages[1]).get() == a.get());
  CHECK(out.holder(out.messages[2]).get() == out.messages[2].snapshot);
  CHECK(out.holder(out.messages[3]).get() == nullptr);
  CHECK(out.hold(nullptr) == nullptr);
  CHECK(out.snapshots.size() == 2);
  // Kept past the Outputs by whoever took the holder.
  const std::shared_ptr<const Snapshot> kept = out.holder(out.messages[2]);
  const Snapshot* const out_kept = out.messages[2].snapshot;
  a.reset();
  CHECK_FALSE(wa.expired());
  out.clear();
  CHECK(out.snapshots.empty());
  CHECK(wa.expired());
  CHECK_FALSE(wb.expired());
  CHECK(kept.get() == out_kept);
}

TEST_CASE("install_snapshot of an empty leader state replaces a follower's snapshot beyond it") {
  auto f = lone_follower(Election::lowest_alive);
  Outputs out;
  auto s = std::make_shared<Snapshot>();
  s->last_index = 5;
  s->last_term = 2;
  s->last_lead = 3;
  s->records.resize(16);
  s->records[4].version = {2, 5};
  s->records[4].value = 44;
  Message snap = leader_msg(MsgKind::install_snapshot, 2, 2, 3);
  snap.index = 5;
  snap.prev_term = 2;
  snap.prev_lead = 3;
  snap.snapshot = s.get();
  f->step(kMs, snap, out);
  REQUIRE(f->status().last_index == 5);
  REQUIRE(f->record(4).value == 44);
  // Node 0 now leads term 3 with an empty log. Its heartbeat cannot match
  // below our snapshot; our reply tells it where we are.
  out.clear();
  f->step(2 * kMs, heartbeat_of(0, 3, 1, 0, 0, 0), out);
  REQUIRE(out.messages.size() == 1);
  CHECK(out.messages[0].kind == MsgKind::heartbeat_reply);
  CHECK(out.messages[0].index == 5);
  // Its answer, a snapshot of an empty store at index 0, must win.
  auto empty = std::make_shared<Snapshot>();
  empty->records.resize(16);
  Message snap2 = leader_msg(MsgKind::install_snapshot, 0, 3, 1);
  snap2.snapshot = empty.get();
  out.clear();
  f->step(3 * kMs, snap2, out);
  CHECK(f->status().last_index == 0);
  CHECK(f->record(4).version.is_zero());
  CHECK(f->record(4).value == 0);
}

TEST_CASE("a follower longer than the leader drops entries this leadership did not write") {
  auto f = lone_follower(Election::majority);
  Outputs out;
  // Term 2, node 2 (lead 3) writes two entries; node 0 then leads term 3
  // with only the first.
  f->step(kMs, append_of(2, 2, 3, 1, 0, 0, 1, 10), out);
  f->step(kMs, append_of(2, 2, 3, 2, 2, 3, 2, 20), out);
  REQUIRE(f->status().last_index == 2);
  f->step(2 * kMs, heartbeat_of(0, 3, 1, 1, 2, 3), out);
  CHECK(f->status().last_index == 1);
  CHECK(f->record(1).value == 10);
  CHECK(f->record(2).version.is_zero());
  // Entries of this leadership that arrive before its heartbeat are kept.
  f->step(3 * kMs, append_of(0, 3, 1, 2, 2, 3, 3, 30), out);
  f->step(3 * kMs, heartbeat_of(0, 3, 1, 1, 2, 3), out);
  CHECK(f->status().last_index == 2);
  CHECK(f->record(3).value == 30);
}

TEST_CASE("amnesia: entries of a reused term from another leadership are rolled back or replaced") {
  auto f = lone_follower(Election::majority);
  Outputs out;
  // Term 1, node 0's first leadership (lead 1): two entries.
  f->step(kMs, append_of(0, 1, 1, 1, 0, 0, 1, 10), out);
  f->step(kMs, append_of(0, 1, 1, 2, 1, 1, 2, 20), out);
  REQUIRE(f->status().last_index == 2);
  // Node 0 restarts without its disk (lead 65: restart count 1) and is
  // elected again in term 1 with an empty log: its heartbeat rolls both back.
  f->step(2 * kMs, heartbeat_of(0, 1, 65, 0, 0, 0), out);
  CHECK(f->status().last_index == 0);
  CHECK(f->record(1).version.is_zero());
  CHECK(f->record(2).version.is_zero());
  // Same term, same index, another write: (index, term) collide, the
  // leadership tells them apart and the leader's entry replaces ours.
  auto g = lone_follower(Election::majority);
  g->step(kMs, append_of(0, 1, 1, 1, 0, 0, 1, 10), out);
  out.clear();
  g->step(2 * kMs, heartbeat_of(0, 1, 65, 1, 1, 65), out);
  REQUIRE(!out.messages.empty());
  CHECK(out.messages.back().kind == MsgKind::heartbeat_reply);
  CHECK(out.messages.back().prev_lead == 1);  // not in the leader's log: it repairs
  g->step(3 * kMs, append_of(0, 1, 65, 1, 0, 0, 1, 11), out);
  CHECK(g->status().last_index == 1);
  CHECK(g->record(1).value == 11);
}
