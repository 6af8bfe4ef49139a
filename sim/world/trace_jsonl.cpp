#include "sim/world/trace_jsonl.h"

#include <iterator>
#include <string>

namespace consim {

namespace {

std::string_view wire_name(TraceSink::Wire w) {
  switch (w) {
    case TraceSink::Wire::sent: return "send";
    case TraceSink::Wire::delivered: return "deliver";
    case TraceSink::Wire::dropped: return "drop";
    case TraceSink::Wire::duplicated: return "duplicate";
    case TraceSink::Wire::local: return "local";
  }
  return "?";
}

long long node_or_minus_one(NodeId n) { return n == kNoNode ? -1 : static_cast<long long>(n); }

}  // namespace

std::string_view trace_name(TimelineEvent::Kind k) {
  using K = TimelineEvent::Kind;
  switch (k) {
    case K::crash: return "crash";
    case K::restart: return "restart";
    case K::pause: return "pause";
    case K::resume: return "resume";
    case K::partition: return "partition";
    case K::heal: return "heal";
    case K::cut: return "cut";
    case K::restore: return "restore";
    case K::set_network: return "network";
  }
  return "?";
}

template <typename... Args>
void JsonlTrace::line(Time t, fmt::format_string<Args...> f, Args&&... args) {
  auto& b = out_.buffer();
  fmt::format_to(std::back_inserter(b), "{{\"t\":{},", t);
  fmt::format_to(std::back_inserter(b), f, std::forward<Args>(args)...);
  b.push_back('}');
  out_.end_line();
}

void JsonlTrace::message(Time t, Wire what, const Message& m, DropReason reason) {
  const bool drop = what == Wire::dropped;
  line(t,
       "\"ev\":\"{}\",\"kind\":\"{}\",\"from\":{},\"to\":{},\"term\":{},\"index\":{},\"key\":{},\"op\":{},"
       "\"status\":\"{}\",\"version\":[{},{}]{}{}{}",
       wire_name(what), to_string(m.kind), m.from, m.to, m.term, m.index, m.key, m.op, to_string(m.status),
       m.rec.version.term, m.rec.version.index, drop ? ",\"reason\":\"" : "", drop ? to_string(reason) : "",
       drop ? "\"" : "");
}

void JsonlTrace::applied(Time t, NodeId node, Key key, Version version) {
  line(t, "\"ev\":\"apply\",\"node\":{},\"key\":{},\"version\":[{},{}]", node, key, version.term, version.index);
}

void JsonlTrace::role(Time t, NodeId node, const RoleChange& rc) {
  line(t, "\"ev\":\"role\",\"node\":{},\"role\":\"{}\",\"term\":{},\"leader\":{}", node, to_string(rc.role), rc.term,
       node_or_minus_one(rc.leader));
}

void JsonlTrace::timer(Time t, bool client, std::uint32_t owner, std::uint64_t id) {
  line(t, "\"ev\":\"timer\",\"{}\":{},\"id\":{}", client ? "client" : "node", owner, id);
}

void JsonlTrace::fault(Time t, const TimelineEvent& te) {
  std::string nodes;
  for (NodeId x : te.nodes) nodes += fmt::format("{}{}", nodes.empty() ? "" : ",", x);
  line(t, "\"ev\":\"fault\",\"action\":\"{}\",\"nodes\":[{}]", trace_name(te.kind), nodes);
}

void JsonlTrace::invoked(Time t, const OpView& op) {
  line(t, "\"ev\":\"invoke\",\"client\":{},\"op\":{},\"type\":\"{}\",\"key\":{},\"level\":\"{}\",\"node\":{}", op.client,
       op.id, to_string(op.type), op.key, to_string(op.level), node_or_minus_one(op.node));
}

void JsonlTrace::completed(Time t, const OpView& op, const Message& reply, bool stale, Time latency) {
  line(t,
       "\"ev\":\"complete\",\"client\":{},\"op\":{},\"status\":\"{}\",\"node\":{},\"key\":{},\"version\":[{},{}],"
       "\"tombstone\":{},\"value\":{},\"stale\":{},\"latency\":{}",
       op.client, op.id, to_string(reply.status), reply.from, op.key, reply.rec.version.term, reply.rec.version.index,
       reply.rec.tombstone, reply.rec.value, stale, latency);
}

void JsonlTrace::failed(Time t, const OpView& op, FailReason why) {
  line(t, "\"ev\":\"fail\",\"client\":{},\"op\":{},\"reason\":\"{}\",\"key\":{}", op.client, op.id, to_string(why),
       op.key);
}

void JsonlTrace::ended(Time t, std::uint64_t in_flight) {
  line(t, "\"ev\":\"end\",\"in_flight\":{}", in_flight);
}

}  // namespace consim
