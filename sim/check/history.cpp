#include "sim/check/history.h"

#include <utility>

#include <fmt/format.h>

#include "sim/io/input.h"
#include "sim/scenario/names.h"

namespace consim {

namespace {

using ojson = nlohmann::ordered_json;
using json = nlohmann::json;

constexpr std::uint64_t kMaxExact = std::uint64_t{1} << 53;  // every integer below it is an exact double

const char* kOpTypes[] = {"get", "put", "delete"};

std::string_view level_name(Level l) { return to_string(l); }

}  // namespace

std::string_view to_string(OpSource s) {
  switch (s) {
    case OpSource::workload: return "workload";
    case OpSource::script: return "script";
    case OpSource::probe: return "probe";
  }
  return "?";
}

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::ok: return "ok";
    case Outcome::fail: return "fail";
    case Outcome::unknown: return "unknown";
  }
  return "?";
}

ojson history_op_json(const HistoryOp& op) {
  ojson j;
  j["index"] = op.index;
  j["process"] = op.process;
  j["type"] = kOpTypes[static_cast<int>(op.type)];
  if (op.type == OpType::get) j["level"] = std::string(level_name(op.level));
  j["key"] = op.key;
  if (op.type == OpType::put || (op.type == OpType::get && op.outcome == Outcome::ok && op.found)) j["value"] = op.value;
  if (op.type == OpType::get && op.outcome == Outcome::ok) j["found"] = op.found;
  j["invoke_ns"] = op.invoked;
  j["complete_ns"] = op.completed < 0 ? ojson(nullptr) : ojson(op.completed);
  j["outcome"] = std::string(to_string(op.outcome));
  if (op.outcome != Outcome::ok && op.completed >= 0) j["reason"] = std::string(to_string(op.reason));
  if (op.outcome == Outcome::ok) j["version"] = {op.version.term, op.version.index};
  j["node"] = op.node == kNoNode ? ojson(nullptr) : ojson(op.node + 1);
  if (op.served_by != kNoNode) j["served_by"] = op.served_by + 1;
  j["source"] = std::string(to_string(op.source));
  if (op.probe_delay >= 0) j["probe_delay"] = op.probe_delay;
  if (op.type == OpType::get && op.outcome == Outcome::ok) j["stale"] = op.stale;
  return j;
}

HistoryMeta history_meta(const Scenario& sc, std::string source) {
  HistoryMeta m;
  m.scenario = sc.name;
  m.source = std::move(source);
  m.seed = sc.seed;
  m.replication = sc.cluster.replication;
  m.nodes = sc.cluster.nodes;
  m.replicas = sc.cluster.replicas;
  m.write_quorum = sc.cluster.write_quorum;
  m.read_quorum = sc.cluster.read_quorum;
  return m;
}

std::string history_jsonl(const History& h) {
  ojson head;
  head["consim_history"] = 1;
  head["scenario"] = h.meta.scenario;
  head["source"] = h.meta.source;
  head["seed"] = std::to_string(h.meta.seed);  // a string: seeds exceed 2^53
  head["replication"] = h.meta.replication == Replication::leaderless ? "leaderless" : "leader";
  head["nodes"] = h.meta.nodes;
  head["replicas"] = h.meta.replicas;
  head["write_quorum"] = h.meta.write_quorum;
  head["read_quorum"] = h.meta.read_quorum;
  ojson delays = ojson::array();
  for (Time d : h.meta.probe_delays) delays.push_back(d);
  head["probe_delays_ns"] = delays;
  head["ops"] = h.ops.size();
  std::string out = head.dump() + "\n";
  for (const HistoryOp& op : h.ops) out += history_op_json(op).dump() + "\n";
  return out;
}

namespace {

class Reader {
 public:
  Reader(const std::string& name, std::size_t line) : name_(name), line_(line) {}
  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(fmt::format("{}:{}: {}", name_, line_, what));
  }
  const json& field(const json& o, const char* k) const {
    const auto it = o.find(k);
    if (it == o.end()) fail(fmt::format("missing field \"{}\"", k));
    return *it;
  }
  std::uint64_t uint(const json& v, const char* k, std::uint64_t max = kMaxExact) const {
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0))
      fail(fmt::format("\"{}\" must be a non-negative integer", k));
    const std::uint64_t x = v.get<std::uint64_t>();
    if (x > max) fail(fmt::format("\"{}\" is {} but must be at most {}", k, x, max));
    return x;
  }
  std::string str(const json& v, const char* k) const {
    if (!v.is_string()) fail(fmt::format("\"{}\" must be a string", k));
    return v.get<std::string>();
  }
  template <typename E, std::size_t N>
  E named(const json& v, const char* k, const std::string_view (&names)[N]) const {
    const std::string s = str(v, k);
    for (std::size_t i = 0; i < N; ++i)
      if (names[i] == s) return static_cast<E>(i);
    fail(fmt::format("\"{}\" is \"{}\", which is not a valid value", k, excerpt(s)));
  }
  template <typename E, std::size_t N>
  E named(const json& v, const char* k, const NameTable<E, N>& table) const {
    const std::string s = str(v, k);
    for (std::size_t i = 0; i < N; ++i)
      if (table.names[i] == s) return static_cast<E>(i);
    fail(fmt::format("\"{}\" is \"{}\", which is not a valid value", k, excerpt(s)));
  }

 private:
  const std::string& name_;
  std::size_t line_;
};

const std::string_view kLevelNames[] = {"eventual", "strong", "read_your_writes", "monotonic_reads", "causal", "leader"};
const std::string_view kOutcomeNames[] = {"ok", "fail", "unknown"};
const std::string_view kSourceNames[] = {"workload", "script", "probe"};
const std::string_view kReasonNames[] = {"node_timeout", "client_timeout", "no_leader", "behind"};

}  // namespace

History parse_history_jsonl(const std::string& text, const std::string& name) {
  History h;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  bool header = false;
  while (pos < text.size()) {
    const std::size_t end = text.find('\n', pos);
    const std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? text.size() : end + 1;
    ++line_no;
    const Reader r(name, line_no);
    if (line.empty()) continue;
    const json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) r.fail("not a JSON object");
    if (!header) {
      if (!j.contains("consim_history") || j["consim_history"] != 1)
        r.fail("not a consim history (its first line should hold \"consim_history\": 1)");
      header = true;
      HistoryMeta& m = h.meta;
      m.scenario = r.str(r.field(j, "scenario"), "scenario");
      m.source = r.str(r.field(j, "source"), "source");
      const std::string seed = r.str(r.field(j, "seed"), "seed");
      try {
        std::size_t used = 0;
        m.seed = std::stoull(seed, &used);
        if (used != seed.size()) r.fail("\"seed\" must be a decimal integer in a string");
      } catch (const std::logic_error&) {
        r.fail("\"seed\" must be a decimal integer in a string");
      }
      m.replication = r.named<Replication>(r.field(j, "replication"), "replication", kReplicationNames);
      m.nodes = static_cast<std::uint32_t>(r.uint(r.field(j, "nodes"), "nodes", kMaxNodes));
      m.replicas = static_cast<std::uint32_t>(r.uint(r.field(j, "replicas"), "replicas", kMaxNodes));
      m.write_quorum = static_cast<std::uint32_t>(r.uint(r.field(j, "write_quorum"), "write_quorum", kMaxNodes));
      m.read_quorum = static_cast<std::uint32_t>(r.uint(r.field(j, "read_quorum"), "read_quorum", kMaxNodes));
      const json& d = r.field(j, "probe_delays_ns");
      if (!d.is_array()) r.fail("\"probe_delays_ns\" must be an array");
      for (const json& x : d) m.probe_delays.push_back(static_cast<Time>(r.uint(x, "probe_delays_ns")));
      continue;
    }
    HistoryOp op;
    op.index = r.uint(r.field(j, "index"), "index");
    if (op.index != h.ops.size()) r.fail(fmt::format("\"index\" is {} but must be {} (operations in order)", op.index, h.ops.size()));
    op.process = static_cast<std::uint32_t>(r.uint(r.field(j, "process"), "process", UINT32_MAX));
    op.type = r.named<OpType>(r.field(j, "type"), "type", kOpTypeNames);
    if (op.type == OpType::get) op.level = r.named<Level>(r.field(j, "level"), "level", kLevelNames);
    op.key = r.str(r.field(j, "key"), "key");
    if (j.contains("value")) op.value = r.str(j["value"], "value");
    if (j.contains("found")) {
      if (!j["found"].is_boolean()) r.fail("\"found\" must be true or false");
      op.found = j["found"].get<bool>();
    }
    op.invoked = static_cast<Time>(r.uint(r.field(j, "invoke_ns"), "invoke_ns"));
    const json& c = r.field(j, "complete_ns");
    op.completed = c.is_null() ? -1 : static_cast<Time>(r.uint(c, "complete_ns"));
    if (op.completed >= 0 && op.completed < op.invoked) r.fail("\"complete_ns\" is before \"invoke_ns\"");
    op.outcome = r.named<Outcome>(r.field(j, "outcome"), "outcome", kOutcomeNames);
    if (j.contains("reason")) op.reason = r.named<FailReason>(j["reason"], "reason", kReasonNames);
    if (op.outcome == Outcome::ok) {
      const json& v = r.field(j, "version");
      if (!v.is_array() || v.size() != 2) r.fail("\"version\" must be [term, index]");
      op.version = Version{r.uint(v[0], "version"), r.uint(v[1], "version")};
    }
    const json& n = r.field(j, "node");
    op.node = n.is_null() ? kNoNode : static_cast<NodeId>(r.uint(n, "node", kMaxNodes) - 1);
    if (!n.is_null() && n.get<std::uint64_t>() == 0) r.fail("\"node\" numbers start at 1");
    if (j.contains("served_by")) {
      const std::uint64_t s = r.uint(j["served_by"], "served_by", kMaxNodes);
      if (s == 0) r.fail("\"served_by\" numbers start at 1");
      op.served_by = static_cast<NodeId>(s - 1);
    }
    op.source = r.named<OpSource>(r.field(j, "source"), "source", kSourceNames);
    if (j.contains("probe_delay")) {
      op.probe_delay = static_cast<std::int32_t>(r.uint(j["probe_delay"], "probe_delay", INT32_MAX));
      if (static_cast<std::size_t>(op.probe_delay) >= h.meta.probe_delays.size())
        r.fail("\"probe_delay\" names no delay of the header's probe_delays_ns");
    }
    if (j.contains("stale")) {
      if (!j["stale"].is_boolean()) r.fail("\"stale\" must be true or false");
      op.stale = j["stale"].get<bool>();
    }
    h.ops.push_back(std::move(op));
  }
  if (!header) throw InputError(fmt::format("{}: empty: not a consim history", name));
  return h;
}

}  // namespace consim
