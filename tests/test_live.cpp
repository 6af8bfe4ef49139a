// Live mode without sockets: the Api on a LiveCluster in real time
// (sim/live/api.h): the chapter's answers, its errors, sessions, admin,
// and the history consim check reads. tests/live/test-serve.sh runs the
// same over HTTP with curl.
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/check/history.h"
#include "sim/live/api.h"
#include "sim/live/cluster.h"
#include "sim/live/event_loop.h"
#include "sim/live/live_history.h"
#include "sim/live/wire.h"
#include "sim/scenario/load.h"

using namespace consim;
using namespace consim::live;
using nlohmann::json;

namespace {

Scenario live_scenario(const std::string& extra_network = "") {
  json j = json::parse(R"({"name": "live-test", "seed": 3,
    "cluster": {"nodes": 3, "write_quorum": 1, "read_quorum": 3,
                "heartbeat_interval_ms": 50, "election_timeout_ms": 200},
    "network": {"delay": {"type": "constant", "ms": 1}}})");
  if (!extra_network.empty()) j["network"].update(json::parse(extra_network));
  return scenario_from_json(j, "<test>");
}

struct Fixture {
  EventLoop loop;
  Scenario sc;
  LiveCluster cluster;
  LiveHistory history;
  Api api;
  explicit Fixture(const Scenario& s, const ApiLimits& limits = {})
      : sc(s), cluster(loop.io(), sc), history(sc), api(cluster, &history, limits) {
    cluster.start();
    loop.run_for(20 * kMillisecond);
  }
  ~Fixture() {
    cluster.stop();
    loop.run_for(kMillisecond);
  }
  // One request, run to its answer (at most 3 s).
  ApiResponse call(NodeId n, const std::string& method, const std::string& target, const std::string& body = "",
                   const std::string& session = "") {
    ApiRequest req;
    req.method = method;
    req.target = target;
    req.body = body;
    req.session_header = session;
    std::optional<ApiResponse> got;
    api.handle(n, req, [&](ApiResponse r) { got = std::move(r); });
    REQUIRE(loop.run_until([&] { return got.has_value(); }, 3 * kSecond));
    return *got;
  }
};

std::string header(const ApiResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

}  // namespace

TEST_CASE("live: the chapter's answers, codes and errors") {
  Fixture f(live_scenario());
  ApiResponse r = f.call(0, "PUT", "/key/name", R"("Alice")");
  CHECK(r.status == 200);
  json j = json::parse(r.body);
  CHECK(j["success"] == true);
  CHECK(j["key"] == "name");
  CHECK(j["value"] == "Alice");
  CHECK(j["leaderId"] == "node-1");
  CHECK(j["writeQuorum"] == 1);

  r = f.call(2, "GET", "/key/name?consistency=strong");
  CHECK(r.status == 200);
  j = json::parse(r.body);
  CHECK(j["value"] == "Alice");
  CHECK(j["nodeRole"] == "follower");
  CHECK(j["consistency"] == "strong");

  r = f.call(1, "PUT", "/key/name", R"("Bob")");
  CHECK(r.status == 503);
  j = json::parse(r.body);
  CHECK(j["error"] == "Not the leader");
  CHECK(j["leaderId"] == "node-1");

  r = f.call(1, "GET", "/key/absent");
  CHECK(r.status == 404);
  CHECK(json::parse(r.body)["error"] == "Key not found");
  CHECK(f.call(0, "PUT", "/key/name", "{oops").status == 400);
  CHECK(f.call(0, "GET", "/key/name?consistency=linearizable").status == 400);
  CHECK(f.call(0, "GET", "/key/a%2Fb").status == 400);
  CHECK(f.call(0, "GET", "/key/").status == 400);
  CHECK(f.call(0, "GET", "/nowhere").status == 404);

  r = f.call(0, "GET", "/status");
  CHECK(r.status == 200);
  j = json::parse(r.body);
  CHECK(j["nodeId"] == "node-1");
  CHECK(j["role"] == "leader");
  CHECK(j["keys"] == json::array({"name"}));
  CHECK(j["config"]["totalNodes"] == 3);

  CHECK(f.call(0, "DELETE", "/key/name").status == 200);
  CHECK(f.call(0, "DELETE", "/key/name").status == 404);
}

TEST_CASE("live: W=1 with 300 ms on replication: eventual is stale, strong (R=3) and read_your_writes are not") {
  Fixture f(live_scenario(R"({"kinds": {"replicate": {"delay": 300}}})"));
  const Time t0 = f.cluster.now();
  ApiResponse w = f.call(0, "PUT", "/key/name", R"("Alice")");
  CHECK(w.status == 200);
  CHECK(f.cluster.now() - t0 < 250 * kMillisecond);  // W=1: no wait for the followers
  const std::string session = header(w, "X-Consim-Session");
  CHECK(session.rfind("s", 0) == 0);
  CHECK(f.call(1, "GET", "/key/name").status == 404);  // stale: node-2 has not got it yet
  CHECK(json::parse(f.call(1, "GET", "/key/name?consistency=strong").body)["value"] == "Alice");
  CHECK(session.find('-') != std::string::npos);  // leader mode: "s1-3.1-0.0", the tokens travel
  // A session this process never issued, carrying the writer's tokens (as
  // from another node's process): node-3 waits until it holds the write.
  const std::string foreign = "s4242" + session.substr(session.find('-'));
  ApiResponse ryw = f.call(2, "GET", "/key/name?consistency=read_your_writes", "", foreign);
  CHECK(ryw.status == 200);
  CHECK(f.cluster.now() - t0 >= 300 * kMillisecond);
  // The writer's own session, at node-2, also after the replication delay.
  ApiResponse own = f.call(1, "GET", "/key/name?consistency=read_your_writes", "", session);
  CHECK(own.status == 200);
  CHECK(header(own, "X-Consim-Session").substr(0, session.find('-')) == session.substr(0, session.find('-')));
  // Another client, no session: node-3 answers from what it has.
  f.loop.run_for(400 * kMillisecond);
  CHECK(json::parse(f.call(1, "GET", "/key/name").body)["value"] == "Alice");
}

TEST_CASE("live: admin crash of the leader gives failover; restart catches up; the history is checkable") {
  Scenario sc = live_scenario();
  sc.cluster.election = Election::majority;
  Fixture f(sc);
  CHECK(f.call(0, "PUT", "/key/x", "1").status == 200);
  CHECK(f.call(1, "POST", "/admin/crash/node-1").status == 200);
  CHECK(f.call(1, "POST", "/admin/crash/node-1").status == 409);
  CHECK(f.call(0, "GET", "/status").status == 503);
  NodeId leader = kNoNode;
  CHECK(f.loop.run_until(
      [&] {
        for (NodeId n : {1u, 2u})
          if (f.cluster.host().node(n).is_leader()) leader = n;
        return leader != kNoNode;
      },
      3 * kSecond));
  REQUIRE(leader != kNoNode);
  CHECK(f.call(leader, "PUT", "/key/x", "2").status == 200);
  CHECK(f.call(1, "POST", "/admin/restart/node-1").status == 200);
  CHECK(f.loop.run_until(
      [&] {
        return f.cluster.host().node(0).record(0).value != 0 && f.cluster.host().node(0).record(0).version.term > 3;
      },
      3 * kSecond));
  CHECK(f.call(1, "POST", "/admin/partition", R"({"groups": [["node-1"], ["node-2", "node-3"]]})").status == 200);
  CHECK(f.call(1, "POST", "/admin/partition", R"({"groups": [["node-7"]]})").status == 400);
  CHECK(f.call(1, "POST", "/admin/heal").status == 200);
  CHECK(f.call(1, "POST", "/admin/delay?ms=5&kind=append").status == 200);
  CHECK(f.call(1, "POST", "/admin/delay?ms=5&kind=nope").status == 400);
  CHECK(f.call(1, "POST", "/admin/network", R"({"delay": {"type": "constant", "ms": 2}})").status == 200);
  CHECK(f.call(1, "POST", "/admin/network", R"({"delay": {"type": "nope"}})").status == 400);
  ApiRequest remote;
  remote.method = "POST";
  remote.target = "/admin/heal";
  remote.from_loopback = false;
  unsigned code = 0;
  f.api.handle(1, remote, [&](ApiResponse r) { code = r.status; });
  CHECK(code == 403);

  const History h = parse_history_jsonl(f.history.jsonl(), "<live>");
  CHECK(h.meta.source == "live");
  REQUIRE(h.ops.size() == 2);
  CHECK(h.ops[0].key == "x");
  CHECK(h.ops[0].value == "1");
  CHECK(h.ops[0].outcome == Outcome::ok);
  CHECK(h.ops[1].value == "2");
}

TEST_CASE("live: the scenario's timeline is played against the wall clock") {
  json j = json::parse(R"({"name": "live-timeline", "seed": 1,
    "cluster": {"nodes": 3, "heartbeat_interval_ms": 50, "election_timeout_ms": 200},
    "network": {"delay": {"type": "constant", "ms": 1}},
    "timeline": [{"at_ms": 100, "crash": [1]}, {"at_ms": 300, "restart": [1]}]})");
  Fixture f(scenario_from_json(j, "<test>"));
  CHECK(f.cluster.host().up(0));
  CHECK(f.loop.run_until([&] { return !f.cluster.host().up(0); }, 2 * kSecond));
  CHECK(f.cluster.now() >= 100 * kMillisecond);
  CHECK(f.call(0, "GET", "/key/x").status == 503);  // Node is down
  CHECK(f.loop.run_until([&] { return f.cluster.host().up(0); }, 2 * kSecond));
  CHECK(f.cluster.now() >= 300 * kMillisecond);
}

TEST_CASE("live: a message between processes carries names and texts, not ids") {
  KeySpace a, b;
  b.intern("other");  // b's ids differ from a's
  Message m;
  m.kind = MsgKind::append;
  m.from = 0;
  m.to = 2;
  m.term = 3;
  m.index = 7;
  m.commit = 6;
  m.key = a.intern("name");
  m.rec.version = Version{3, 7};
  m.rec.value = a.intern_text(R"("Alice")");
  auto snap = std::make_shared<Snapshot>();
  snap->last_index = 7;
  snap->records.resize(2);
  snap->records[0] = m.rec;
  snap->records[1] = Record{Version{3, 5}, 0, true};
  a.intern("gone");
  m.snapshot = snap.get();
  Message out;
  std::shared_ptr<const Snapshot> kept;
  std::string error;
  REQUIRE(message_from_json(json::parse(message_to_json(m, a).dump()), b, 3, out, kept, error));
  CHECK(out.snapshot == kept.get());
  CHECK(out.kind == MsgKind::append);
  CHECK(out.to == 2);
  CHECK(out.index == 7);
  CHECK(out.commit == 6);
  CHECK(b.name(out.key) == "name");
  CHECK(out.rec.version == Version{3, 7});
  CHECK(b.value_text(out.rec) == R"("Alice")");
  REQUIRE(out.snapshot);
  CHECK(out.snapshot->records.size() == b.size());
  CHECK(b.value_text(out.snapshot->records[b.intern("name")]) == R"("Alice")");
  CHECK(out.snapshot->records[b.intern("gone")].tombstone);
  CHECK(out.snapshot->records[b.intern("other")].version.is_zero());
  CHECK_FALSE(message_from_json(json::parse(R"({"kind": "client_put", "key": "x"})"), b, 3, out, kept, error));
  CHECK_FALSE(message_from_json(json::parse(R"({"kind": "append", "key": "x", "to": 9})"), b, 3, out, kept, error));
}

TEST_CASE("live: what clients may make the store keep is bounded (507), and a body nested too deep is 400") {
  ApiLimits limits;
  limits.keys = 2;
  limits.value_bytes = 24;
  Fixture f(live_scenario(), limits);
  CHECK(f.call(0, "PUT", "/key/a", R"("12345")").status == 200);
  CHECK(f.call(0, "PUT", "/key/b", R"("12345")").status == 200);
  // A third key, to write or to read: the store would keep it.
  ApiResponse r = f.call(0, "PUT", "/key/c", R"("x")");
  CHECK(r.status == 507);
  CHECK(json::parse(r.body)["error"] == "Too many keys");
  CHECK(json::parse(r.body)["limit"] == 2);
  CHECK(f.call(0, "GET", "/key/c").status == 507);
  // Known keys still work, until the values' texts (kept as their compact
  // JSON: "12345" is 7 bytes, 14 so far) would pass 24 bytes. Whitespace
  // around the value is JSON and is not kept.
  CHECK(f.call(0, "GET", "/key/a").status == 200);
  CHECK(f.call(0, "PUT", "/key/a", R"("1234")").status == 200);  // 20
  CHECK(f.call(0, "PUT", "/key/b", " \"ok\"\n").status == 200);  // 24
  r = f.call(0, "PUT", "/key/a", R"("x")");
  CHECK(r.status == 507);
  CHECK(json::parse(r.body)["limit_bytes"] == 24);
  // JSON nested deeper than a scenario may be: refused before anything copies or prints it.
  r = f.call(0, "PUT", "/key/a", std::string(100000, '[') + std::string(100000, ']'));
  CHECK(r.status == 400);
  CHECK(json::parse(r.body)["error"] == "Invalid JSON");
  CHECK(json::parse(r.body)["detail"].get<std::string>().find("deeper") != std::string::npos);
}
