#include "sim/check/history_export.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace consim {

namespace {

// An EDN string: backslash, quote and control characters escaped.
std::string edn_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        else out += c;
    }
  }
  return out + "\"";
}

Time last_time(const History& h) {
  Time t = 0;
  for (const HistoryOp& op : h.ops) t = std::max({t, op.invoked, op.completed});
  return t;
}

}  // namespace

std::string history_edn(const History& h) {
  struct Event {
    Time t;
    bool invoke;
    std::size_t op;
  };
  const Time end = last_time(h);
  std::vector<Event> evs;
  evs.reserve(2 * h.ops.size());
  for (std::size_t i = 0; i < h.ops.size(); ++i) {
    evs.push_back({h.ops[i].invoked, true, i});
    evs.push_back({h.ops[i].completed >= 0 ? h.ops[i].completed : end, false, i});
  }
  std::sort(evs.begin(), evs.end(), [](const Event& a, const Event& b) {
    if (a.t != b.t) return a.t < b.t;
    if (a.invoke != b.invoke) return a.invoke;
    return a.op < b.op;
  });
  std::set<std::uint64_t> free_lanes;  // ordered: the lowest first
  std::uint64_t next_lane = 0;
  std::vector<std::uint64_t> lane(h.ops.size(), 0);
  std::string out;
  std::uint64_t index = 0;
  for (const Event& e : evs) {
    const HistoryOp& op = h.ops[e.op];
    const bool read = op.type == OpType::get;
    std::string type, value = "nil";
    if (e.invoke) {
      if (free_lanes.empty()) free_lanes.insert(next_lane++);
      lane[e.op] = *free_lanes.begin();
      free_lanes.erase(free_lanes.begin());
      type = "invoke";
      if (op.type == OpType::put) value = edn_string(op.value);
    } else {
      const bool info = op.outcome == Outcome::unknown;
      type = info ? "info" : op.outcome == Outcome::ok ? "ok" : "fail";
      if (op.type == OpType::put) value = edn_string(op.value);
      else if (read && op.outcome == Outcome::ok && op.found) value = edn_string(op.value);
      if (!info) free_lanes.insert(lane[e.op]);  // a crashed (:info) process never runs again
    }
    out += fmt::format("{{:type :{}, :f :{}, :value [{} {}], :process {}, :time {}, :index {}, :client {}, :consim-index {}", type,
                       read ? "read" : "write", edn_string(op.key), value, lane[e.op], e.t, index++, op.process, op.index);
    if (read) out += fmt::format(", :level :{}", to_string(op.level));
    if (op.type == OpType::del) out += ", :delete true";
    out += "}\n";
  }
  return out;
}

std::string history_porcupine_json(const History& h) {
  const Time end = last_time(h);
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  for (const HistoryOp& op : h.ops) {
    const bool read = op.type == OpType::get;
    if (op.outcome == Outcome::fail) continue;
    if (read && op.outcome != Outcome::ok) continue;
    nlohmann::ordered_json o;
    o["ClientId"] = op.process;
    nlohmann::ordered_json in;
    in["op"] = read ? "get" : op.type == OpType::put ? "put" : "delete";
    in["key"] = op.key;
    if (op.type == OpType::put) in["value"] = op.value;
    o["Input"] = in;
    o["Call"] = op.invoked;
    nlohmann::ordered_json outv;
    if (read) {
      outv["found"] = op.found;
      if (op.found) outv["value"] = op.value;
    }
    o["Output"] = outv.is_null() ? nlohmann::ordered_json::object() : outv;
    const bool unknown = op.outcome != Outcome::ok || op.completed < 0;
    o["Return"] = unknown ? end + 1 : op.completed;
    o["Unknown"] = unknown;
    arr.push_back(std::move(o));
  }
  return arr.dump() + "\n";
}

}  // namespace consim
