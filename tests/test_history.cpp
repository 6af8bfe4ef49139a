// The history of a run (sim/check/history.h, sim/world/history_sink.h):
// every operation once, with real names, outcomes as Jepsen means them, a
// file format that reads back exactly, and numbers that survive a JSON double.
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "sim/check/history.h"
#include "sim/scenario/load.h"
#include "sim/world/history_sink.h"
#include "sim/world/world.h"

using namespace consim;
using nlohmann::json;

namespace {

History run_history(const json& j, Metrics* metrics = nullptr) {
  const Scenario sc = scenario_from_json(j, "<test>");
  World w(sc);
  HistorySink sink(w);
  w.add_sink(&sink);
  w.run();
  if (metrics) *metrics = w.metrics();
  return sink.history();
}

// Every number in a JSON value is an integer below 2^53 or a non-integer.
bool doubles_exact(const json& v) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>() < (std::uint64_t{1} << 53);
  if (v.is_number_integer()) return v.get<std::int64_t>() > -(std::int64_t{1} << 53) && v.get<std::int64_t>() < (std::int64_t{1} << 53);
  if (v.is_array() || v.is_object())
    for (const auto& x : v)
      if (!doubles_exact(x)) return false;
  return true;
}

}  // namespace

TEST_CASE("history: every operation once, with what the report counts") {
  for (const char* mode : {"leader", "leaderless"}) {
    CAPTURE(mode);
    json j = json::parse(R"({"duration_ms": 3000, "seed": 5,
      "network": {"delay": {"type": "lognormal", "median_ms": 3, "sigma": 0.7}},
      "workload": {"rate_per_s": 300, "clients": 7, "read_fraction": 0.6, "write_fraction": 0.3, "delete_fraction": 0.1,
                   "keys": 9, "levels": {"eventual": 1, "strong": 1}},
      "probe": {"interval_ms": 200, "delays_ms": [0, 10]}})");
    j["cluster"]["replication"] = mode;
    Metrics m;
    const History h = run_history(j, &m);
    std::uint64_t reads = 0, writes = 0, stale = 0, probe_reads = 0, probe_stale = 0;
    for (const auto& r : m.reads) {
      reads += r.reads;
      stale += r.stale;
    }
    for (const auto& w : m.writes) writes += w.writes;
    for (const auto& cells : m.probe)
      for (const ProbeCell& c : cells) {
        probe_reads += c.reads + c.failed;
        probe_stale += c.stale;
      }
    std::uint64_t h_reads = 0, h_writes = 0, h_stale = 0, h_probe_reads = 0, h_probe_stale = 0;
    for (std::size_t i = 0; i < h.ops.size(); ++i) {
      const HistoryOp& op = h.ops[i];
      CHECK(op.index == i);
      CHECK_FALSE(op.key.empty());
      if (op.completed >= 0) CHECK(op.completed >= op.invoked);
      if (op.completed < 0) CHECK(op.outcome == Outcome::unknown);
      if (op.type == OpType::get && op.outcome == Outcome::unknown) CHECK(op.completed < 0);
      if (op.type != OpType::get && op.completed >= 0 && op.outcome != Outcome::ok) CHECK(op.outcome == Outcome::unknown);
      if (op.type == OpType::put) CHECK(op.value.rfind("v", 0) == 0);
      if (op.source == OpSource::probe) {
        CHECK(op.key.rfind("probe-", 0) == 0);
        if (op.type == OpType::get) {
          ++h_probe_reads;
          h_probe_stale += op.stale ? 1 : 0;
          CHECK(op.probe_delay >= 0);
        }
        continue;
      }
      if (op.type == OpType::get) {
        ++h_reads;
        h_stale += op.stale ? 1 : 0;
      } else {
        ++h_writes;
      }
    }
    CHECK(h_reads == reads);
    CHECK(h_writes == writes);
    CHECK(h_stale == stale);
    CHECK(h_probe_reads == probe_reads);
    CHECK(h_probe_stale == probe_stale);
    CHECK(h_reads > 300);
  }
}

TEST_CASE("history: the file reads back exactly, and its numbers survive a JSON double") {
  json j = json::parse(R"({"duration_ms": 2000, "seed": 18446744073709551615,
    "cluster": {"replication": "leaderless", "write_quorum": 2, "read_quorum": 2},
    "workload": {"rate_per_s": 200, "clients": 4, "keys": 5},
    "script": [{"at_ms": 100, "client": 1, "node": 1, "op": "put", "key": "name", "value": "Alice"},
               {"at_ms": 150, "client": 2, "node": 2, "op": "get", "key": "name"}]})");
  const History h = run_history(j);
  const std::string text = history_jsonl(h);
  std::size_t lines = 0;
  for (std::size_t p = text.find('\n'); p != std::string::npos; p = text.find('\n', p + 1)) {
    const std::size_t begin = text.rfind('\n', p - 1);
    const json line = json::parse(text.substr(begin == std::string::npos ? 0 : begin + 1, p - begin));
    CHECK(doubles_exact(line));
    ++lines;
  }
  CHECK(lines == h.ops.size() + 1);
  const History back = parse_history_jsonl(text, "<test>");
  CHECK(back.meta.seed == 18446744073709551615ULL);
  CHECK(history_jsonl(back) == text);
  bool alice = false;
  for (const HistoryOp& op : back.ops)
    if (op.key == "name" && op.type == OpType::get && op.outcome == Outcome::ok) alice = op.value == "Alice";
  CHECK(alice);
}

TEST_CASE("history: a write that times out is unknown, a read that fails is fail") {
  // node-3 unreachable: W=3 writes time out at the node; R=3 strong reads too.
  json j = json::parse(R"({"duration_ms": 3000, "drain_ms": 3000,
    "cluster": {"write_quorum": 3, "read_quorum": 3, "write_timeout_ms": 200, "read_timeout_ms": 200},
    "workload": {"rate_per_s": 50, "clients": 2, "keys": 3, "levels": ["strong"], "routing": "leader"},
    "timeline": [{"at_ms": 0, "partition": [[3]]}]})");
  const History h = run_history(j);
  std::size_t unknown_writes = 0, failed_reads = 0;
  for (const HistoryOp& op : h.ops) {
    if (op.type != OpType::get && op.outcome == Outcome::unknown) ++unknown_writes;
    if (op.type == OpType::get && op.outcome == Outcome::fail) ++failed_reads;
    if (op.outcome != Outcome::ok && op.completed >= 0) CHECK(op.reason == FailReason::node_timeout);
  }
  CHECK(unknown_writes > 10);
  CHECK(failed_reads > 10);
}

TEST_CASE("history: a malformed file is refused with its line") {
  const char* head = R"({"consim_history":1,"scenario":"x","source":"y","seed":"1","replication":"leader","nodes":3,"replicas":3,"write_quorum":2,"read_quorum":1,"probe_delays_ns":[],"ops":1})";
  const std::string good_op =
      R"({"index":0,"process":0,"type":"put","key":"k","value":"v1","invoke_ns":1,"complete_ns":2,"outcome":"ok","version":[3,1],"node":1,"source":"workload"})";
  CHECK(parse_history_jsonl(std::string(head) + "\n" + good_op + "\n", "h").ops.size() == 1);
  for (const std::string& bad : {std::string(R"({"index":1,)") + good_op.substr(11), std::string(R"({"index":0,"process":0,"type":"put"})"),
                                std::string("[1,2]"), std::string("not json")}) {
    CAPTURE(bad);
    try {
      parse_history_jsonl(std::string(head) + "\n" + bad + "\n", "h.jsonl");
      FAIL("accepted");
    } catch (const InputError& e) {
      CHECK(std::string(e.what()).rfind("h.jsonl:2:", 0) == 0);
    }
  }
  CHECK_THROWS_AS(parse_history_jsonl("", "h"), InputError);
  CHECK_THROWS_AS(parse_history_jsonl("{\"x\":1}\n", "h"), InputError);
}
