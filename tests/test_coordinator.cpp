// tests/test_coordinator.cpp: the leaderless coordinator and replica, driven
// by hand: each test feeds messages and checks what comes out against an
// answer worked out from the rules in core/coordinator.h.
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "core/coordinator.h"
#include "core/lww.h"
#include "core/node.h"
#include "core/placement.h"

using namespace consim;

namespace {

constexpr EndpointId kClient = 50;
constexpr Time kMs = kMillisecond;

CoordinatorConfig client_side(std::uint32_t nodes, std::uint32_t w, std::uint32_t r) {
  CoordinatorConfig c;
  c.self = kClient;  // a client coordinating for itself: not a replica
  c.nodes = nodes;
  c.replicas = nodes;
  c.write_quorum = w;
  c.read_quorum = r;
  c.write_timeout = 100 * kMs;
  c.read_timeout = 100 * kMs;
  return c;
}

std::uint64_t all(std::uint32_t n) { return (1ULL << n) - 1; }

Message put(Key k, Value v, std::uint64_t op = 7) {
  Message m;
  m.kind = MsgKind::client_put;
  m.from = kClient;
  m.to = kClient;
  m.op = op;
  m.key = k;
  m.rec.value = v;
  return m;
}

Message get(Key k, Level l = Level::strong, std::uint64_t op = 8) {
  Message m;
  m.kind = MsgKind::client_get;
  m.from = kClient;
  m.op = op;
  m.key = k;
  m.level = l;
  return m;
}

std::vector<Message> of_kind(const Outputs& out, MsgKind k) {
  std::vector<Message> v;
  for (const Message& m : out.messages)
    if (m.kind == k) v.push_back(m);
  return v;
}

Message reply_from(const Message& req, MsgKind kind, Version v) {
  Message a;
  a.kind = kind;
  a.from = req.to;
  a.to = req.from;
  a.op = req.op;
  a.key = req.key;
  a.rec.version = v;
  a.rec.value = v.index;
  return a;
}

}  // namespace

TEST_CASE("LWW versions order by timestamp, then coordinator, then counter; clocks are pure") {
  CHECK(lww_version(5, 0, 9) < lww_version(6, 0, 1));
  CHECK(lww_version(5, 0, 9) < lww_version(5, 1, 1));
  CHECK(lww_version(5, 1, 1) < lww_version(5, 1, 2));
  CHECK(lww_version(-3, 0, 1).term == 1);  // never the zero version
  NodeClock c{-50 * kMs, 2000};            // 50 ms behind, 2000 ppb fast
  CHECK(c.read(0) == -50 * kMs);
  CHECK(c.read(10 * kSecond) == 10 * kSecond - 50 * kMs + 20 * kMicrosecond);
  CHECK(c.read(1500 * kMs) == 1500 * kMs - 50 * kMs + 3 * kMicrosecond);
}

TEST_CASE("placement: replicas are consecutive on the ring from the key's home; fallbacks follow") {
  for (Key k = 0; k < 50; ++k) {
    const std::uint64_t m = replica_mask(k, 5, 3);
    CHECK(__builtin_popcountll(m) == 3);
    for (std::uint32_t j = 0; j < 3; ++j) CHECK(((m >> ring_node(k, 5, j)) & 1) == 1);
    CHECK(((m >> ring_node(k, 5, 3)) & 1) == 0);
    CHECK(replica_mask(k, 5, 5) == all(5));
  }
}

TEST_CASE("a write goes to every replica with one LWW version and is acknowledged at the W-th ack") {
  CoordinatorConfig cfg = client_side(3, 2, 1);
  cfg.clock.offset = 3 * kMs;
  Coordinator co(cfg, 1);
  Outputs out;
  co.write(10 * kMs, put(4, 99), all(3), out);
  auto w = of_kind(out, MsgKind::replica_write);
  REQUIRE(w.size() == 3);
  const Version v = lww_version(13 * kMs, kClient, 1);
  for (const Message& m : w) {
    CHECK(m.rec.version == v);
    CHECK(m.rec.value == 99);
    CHECK(m.hint == kNoNode);
  }
  CHECK(of_kind(out, MsgKind::client_reply).empty());
  out.clear();
  co.handle_write_ack(11 * kMs, reply_from(w[0], MsgKind::replica_write_ack, v), out);
  co.handle_write_ack(11 * kMs, reply_from(w[0], MsgKind::replica_write_ack, v), out);  // duplicate ack
  CHECK(of_kind(out, MsgKind::client_reply).empty());
  co.handle_write_ack(12 * kMs, reply_from(w[2], MsgKind::replica_write_ack, v), out);
  auto r = of_kind(out, MsgKind::client_reply);
  REQUIRE(r.size() == 1);
  CHECK(r[0].status == Status::ok);
  CHECK(r[0].op == 7);
  CHECK(r[0].rec.version == v);
}

TEST_CASE("a coordinator's timestamps never go back, even when its clock does not move") {
  Coordinator co(client_side(3, 1, 1), 1);
  Outputs out;
  co.write(10 * kMs, put(1, 1, 1), all(3), out);
  co.write(10 * kMs, put(1, 2, 2), all(3), out);
  auto w = of_kind(out, MsgKind::replica_write);
  REQUIRE(w.size() == 6);
  CHECK(w[0].rec.version < w[3].rec.version);
}

TEST_CASE("a write short of W acks times out at write_timeout") {
  Coordinator co(client_side(3, 3, 1), 1);
  Outputs out;
  co.write(0, put(2, 5), all(3), out);
  REQUIRE(out.timers.size() == 1);
  CHECK(out.timers[0].at_min == 100 * kMs);
  auto w = of_kind(out, MsgKind::replica_write);
  out.clear();
  co.handle_write_ack(1 * kMs, reply_from(w[0], MsgKind::replica_write_ack, w[0].rec.version), out);
  co.on_timer(100 * kMs, out);
  auto r = of_kind(out, MsgKind::client_reply);
  REQUIRE(r.size() == 1);
  CHECK(r[0].status == Status::timeout);
}

TEST_CASE("a read answers the newest of the first R replies; fanout r asks only R replicas") {
  for (ReadFanout f : {ReadFanout::all, ReadFanout::r}) {
    CoordinatorConfig cfg = client_side(3, 1, 2);
    cfg.read_fanout = f;
    Coordinator co(cfg, 1);
    Outputs out;
    co.read(0, get(3), all(3), out);
    auto q = of_kind(out, MsgKind::replica_read);
    CHECK(q.size() == (f == ReadFanout::all ? 3u : 2u));
    out.clear();
    co.handle_read_reply(1, reply_from(q[0], MsgKind::replica_read_reply, Version{5, 1}), out);
    CHECK(of_kind(out, MsgKind::client_reply).empty());
    co.handle_read_reply(2, reply_from(q[1], MsgKind::replica_read_reply, Version{9, 1}), out);
    auto r = of_kind(out, MsgKind::client_reply);
    REQUIRE(r.size() == 1);
    CHECK(r[0].rec.version == Version{9, 1});
    CHECK(of_kind(out, MsgKind::repair).empty());  // read repair off
  }
}

TEST_CASE("eventual reads need one reply; a reply from a node not asked is ignored") {
  CoordinatorConfig cfg = client_side(3, 1, 3);
  cfg.read_fanout = ReadFanout::r;
  Coordinator co(cfg, 1);
  Outputs out;
  co.read(0, get(3, Level::eventual), all(3), out);
  auto q = of_kind(out, MsgKind::replica_read);
  REQUIRE(q.size() == 1);
  out.clear();
  Message stray = reply_from(q[0], MsgKind::replica_read_reply, Version{1, 1});
  stray.from = (q[0].to + 1) % 3;
  co.handle_read_reply(1, stray, out);
  CHECK(out.messages.empty());
  co.handle_read_reply(1, reply_from(q[0], MsgKind::replica_read_reply, Version{1, 1}), out);
  CHECK(of_kind(out, MsgKind::client_reply).size() == 1);
}

TEST_CASE("async read repair sends the newest record to every older replier, late ones included") {
  CoordinatorConfig cfg = client_side(3, 1, 2);
  cfg.read_repair = true;
  Coordinator co(cfg, 1);
  Outputs out;
  co.read(0, get(3), all(3), out);
  auto q = of_kind(out, MsgKind::replica_read);
  out.clear();
  co.handle_read_reply(1, reply_from(q[0], MsgKind::replica_read_reply, Version{9, 1}), out);
  co.handle_read_reply(2, reply_from(q[1], MsgKind::replica_read_reply, Version{5, 1}), out);
  CHECK(of_kind(out, MsgKind::client_reply).size() == 1);
  auto rp = of_kind(out, MsgKind::repair);
  REQUIRE(rp.size() == 1);
  CHECK(rp[0].to == q[1].to);
  CHECK(rp[0].rec.version == Version{9, 1});
  CHECK(rp[0].op == 0);  // no ack wanted
  out.clear();
  co.handle_read_reply(3, reply_from(q[2], MsgKind::replica_read_reply, Version{0, 0}), out);  // late, never written
  rp = of_kind(out, MsgKind::repair);
  REQUIRE(rp.size() == 1);
  CHECK(rp[0].to == q[2].to);
  CHECK(co.counters().repairs_sent == 2);
}

TEST_CASE("blocking read repair answers only once the repairs of the replies it used are acknowledged") {
  CoordinatorConfig cfg = client_side(3, 1, 2);
  cfg.read_repair = true;
  cfg.read_repair_blocking = true;
  Coordinator co(cfg, 1);
  Outputs out;
  co.read(0, get(3), all(3), out);
  auto q = of_kind(out, MsgKind::replica_read);
  out.clear();
  co.handle_read_reply(1, reply_from(q[0], MsgKind::replica_read_reply, Version{5, 1}), out);
  co.handle_read_reply(2, reply_from(q[1], MsgKind::replica_read_reply, Version{9, 1}), out);
  CHECK(of_kind(out, MsgKind::client_reply).empty());
  auto rp = of_kind(out, MsgKind::repair);
  REQUIRE(rp.size() == 1);
  CHECK(rp[0].to == q[0].to);
  CHECK(rp[0].op != 0);
  out.clear();
  co.handle_write_ack(3, reply_from(rp[0], MsgKind::replica_write_ack, Version{9, 1}), out);
  auto r = of_kind(out, MsgKind::client_reply);
  REQUIRE(r.size() == 1);
  CHECK(r[0].rec.version == Version{9, 1});
}

TEST_CASE("a session read waits for a reply holding the token, and is behind when none has it") {
  CoordinatorConfig cfg = client_side(3, 1, 1);
  Coordinator co(cfg, 1);
  Outputs out;
  Message g = get(3, Level::read_your_writes);
  g.token = Version{9, 1};
  co.read(0, g, all(3), out);
  auto q = of_kind(out, MsgKind::replica_read);
  REQUIRE(q.size() == 3);
  out.clear();
  co.handle_read_reply(1, reply_from(q[0], MsgKind::replica_read_reply, Version{5, 1}), out);
  CHECK(of_kind(out, MsgKind::client_reply).empty());  // R = 1 reached, but older than the token
  co.handle_read_reply(2, reply_from(q[1], MsgKind::replica_read_reply, Version{9, 1}), out);
  auto r = of_kind(out, MsgKind::client_reply);
  REQUIRE(r.size() == 1);
  CHECK(r[0].status == Status::ok);
  CHECK(r[0].rec.version == Version{9, 1});

  out.clear();
  g.op = 9;
  co.read(10, g, all(3), out);
  q = of_kind(out, MsgKind::replica_read);
  out.clear();
  for (const Message& m : q) co.handle_read_reply(11, reply_from(m, MsgKind::replica_read_reply, Version{5, 1}), out);
  r = of_kind(out, MsgKind::client_reply);
  REQUIRE(r.size() == 1);
  CHECK(r[0].status == Status::behind);
}

TEST_CASE("sloppy quorum: a replica believed down is replaced by the first fallback, with a hint") {
  CoordinatorConfig cfg = client_side(5, 3, 1);
  cfg.replicas = 3;
  cfg.sloppy_quorum = true;
  Coordinator co(cfg, 1);
  const Key k = 11;
  const NodeId down = ring_node(k, 5, 1);
  Outputs out;
  co.write(0, put(k, 1), all(5) & ~(1ULL << down), out);
  auto w = of_kind(out, MsgKind::replica_write);
  REQUIRE(w.size() == 3);
  int hinted = 0;
  for (const Message& m : w) {
    CHECK(m.to != down);
    if (m.hint != kNoNode) {
      ++hinted;
      CHECK(m.hint == down);
      CHECK(m.to == ring_node(k, 5, 3));
    }
  }
  CHECK(hinted == 1);
  CHECK(co.counters().hinted_writes == 1);
}

// ------------------------------------------------------------ leaderless Node

namespace {
NodeConfig leaderless_node(NodeId id, std::uint32_t n) {
  NodeConfig c;
  c.id = id;
  c.nodes = n;
  c.key_space = 8;
  c.replication = Replication::leaderless;
  c.write_quorum = 1;
  c.read_quorum = 1;
  c.heartbeat_interval = 100 * kMs;
  c.election_timeout = 300 * kMs;
  return c;
}
}  // namespace

TEST_CASE("a leaderless node coordinating is its own replica at zero delay; it never leads") {
  Node nd(leaderless_node(1, 3));
  Outputs out;
  nd.start(0, out);
  CHECK_FALSE(nd.is_leader());
  out.clear();
  Message p = put(2, 42);
  p.to = 1;
  nd.step(5 * kMs, p, out);  // W = 1: the local write is the first ack
  auto r = of_kind(out, MsgKind::client_reply);
  REQUIRE(r.size() == 1);
  CHECK(r[0].status == Status::ok);
  CHECK(nd.record(2).version == r[0].rec.version);
  CHECK(of_kind(out, MsgKind::replica_write).size() == 2);  // to the two others
  for (const Message& m : out.messages) CHECK(m.to != 1u);  // nothing left addressed to itself
  out.clear();
  Message g = get(2, Level::eventual);
  g.to = 1;
  nd.step(6 * kMs, g, out);
  r = of_kind(out, MsgKind::client_reply);
  REQUIRE(r.size() == 1);
  CHECK(r[0].rec.value == 42);
}

TEST_CASE("a replica keeps the greater LWW version: an older write arriving later loses") {
  Node nd(leaderless_node(0, 3));
  Outputs out;
  nd.start(0, out);
  Message w;
  w.kind = MsgKind::replica_write;
  w.from = 1;
  w.to = 0;
  w.op = 1;
  w.key = 3;
  w.rec.version = lww_version(20, 1, 1);
  w.rec.value = 20;
  nd.step(1, w, out);
  w.rec.version = lww_version(10, 2, 1);  // earlier timestamp, arriving later
  w.rec.value = 10;
  out.clear();
  nd.step(2, w, out);
  CHECK(nd.record(3).value == 20);
  auto a = of_kind(out, MsgKind::replica_write_ack);
  REQUIRE(a.size() == 1);
  CHECK(a[0].rec.version == lww_version(20, 1, 1));  // the ack tells what the replica holds
}

TEST_CASE("hinted handoff: a fallback holds the write, serves reads from it, and hands it back once its node is up") {
  NodeConfig cfg = leaderless_node(3, 4);
  cfg.replicas = 2;
  // A key node 3 does not replicate: node 3 is a fallback for its replica `owner`.
  Key k = 0;
  while ((replica_mask(k, 4, 2) >> 3) & 1) ++k;
  const NodeId owner = ring_node(k, 4, 0);
  Node nd(cfg);
  Outputs out;
  nd.start(0, out);
  Message w;
  w.kind = MsgKind::replica_write;
  w.from = ring_node(k, 4, 1);
  w.to = 3;
  w.op = 1;
  w.key = k;
  w.hint = owner;
  w.rec.version = lww_version(7, 0, 1);
  w.rec.value = 77;
  out.clear();
  nd.step(1 * kMs, w, out);
  CHECK(nd.record(k).version.is_zero());  // a hint, not the fallback's own data
  CHECK(nd.leaderless_counters().hints_stored == 1);
  Message q;
  q.kind = MsgKind::replica_read;
  q.from = w.from;
  q.to = 3;
  q.op = 2;
  q.key = k;
  out.clear();
  nd.step(2 * kMs, q, out);
  auto rr = of_kind(out, MsgKind::replica_read_reply);
  REQUIRE(rr.size() == 1);
  CHECK(rr[0].rec.value == 77);
  // The owner is heard from (it counts as up since boot): the next tick hands the hint back.
  out.clear();
  Message hb;
  hb.kind = MsgKind::heartbeat;
  hb.from = owner;
  hb.to = 3;
  nd.step(50 * kMs, hb, out);
  TimerRequest tick{};
  Outputs boot;
  Node probe(cfg);
  probe.start(0, boot);
  for (const TimerRequest& t : boot.timers) tick = t;  // the tick timer id (same epoch, same id)
  out.clear();
  nd.on_timer(100 * kMs, tick.id, out);
  std::vector<Message> handoff;
  for (const Message& m : of_kind(out, MsgKind::replica_write))
    if (m.to == owner) handoff.push_back(m);
  REQUIRE(handoff.size() == 1);
  CHECK(handoff[0].hint == kNoNode);
  CHECK(handoff[0].rec.value == 77);
  out.clear();
  nd.step(101 * kMs, reply_from(handoff[0], MsgKind::replica_write_ack, handoff[0].rec.version), out);
  CHECK(nd.leaderless_counters().hints_delivered == 1);
}
