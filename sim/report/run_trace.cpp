#include "sim/report/run_trace.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "sim/report/report.h"
#include "sim/report/run_view.h"

namespace consim {

namespace {

using json = nlohmann::json;

constexpr Time kMs = 1'000'000;

Version version_of(const json& v) { return Version{v.at(0).get<std::uint64_t>(), v.at(1).get<std::uint64_t>()}; }

// The virtual time of a trace line: every line starts {"t":<ns>,.
Time line_time(const std::string& line) {
  if (line.compare(0, 5, "{\"t\":") != 0)
    throw std::runtime_error("the trace has a line that is not a consim trace line");
  return std::strtoll(line.c_str() + 5, nullptr, 10);
}

// The line's "ev" value, without parsing the line.
std::string line_event(const std::string& line) {
  const std::size_t at = line.find("\"ev\":\"");
  if (at == std::string::npos) return {};
  const std::size_t start = at + 6, end = line.find('"', start);
  return end == std::string::npos ? std::string() : line.substr(start, end - start);
}

bool is_heartbeat(const std::string& kind) { return kind == "heartbeat" || kind == "heartbeat_reply"; }

// Every field of a message line but the event and the drop reason: the
// copies of one message have the same.
std::string message_identity(const json& e) {
  return fmt::format(
      "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", e.at("kind").get<std::string>(), e.at("from").get<std::uint64_t>(),
      e.at("to").get<std::uint64_t>(), e.at("term").get<std::uint64_t>(), e.at("index").get<std::uint64_t>(),
      e.at("key").get<std::uint64_t>(), e.at("op").get<std::uint64_t>(), e.at("status").get<std::string>(),
      e.at("version").at(0).get<std::uint64_t>(), e.at("version").at(1).get<std::uint64_t>());
}

std::ifstream open_trace(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot read the trace for the page", path));
  return in;
}

}  // namespace

std::string timeline_event_text(const Scenario& sc, std::size_t index) {
  if (index >= sc.timeline.size()) return {};
  const TimelineEvent& te = sc.timeline[index];
  std::string what;
  if (!te.nodes.empty()) {
    for (NodeId x : te.nodes) what += fmt::format("{}node-{}", what.empty() ? "" : ", ", x + 1);
  } else if (!te.groups.empty()) {
    for (const auto& g : te.groups) {
      std::string s;
      for (NodeId x : g) s += fmt::format("{}{}", s.empty() ? "" : " ", x + 1);
      what += fmt::format("{}[{}]", what.empty() ? "" : " | ", s);
    }
    what += " (unlisted nodes form one more group)";
  } else if (te.kind == TimelineEvent::Kind::cut || te.kind == TimelineEvent::Kind::restore) {
    what = fmt::format("node-{} to node-{}", te.from + 1, te.to + 1);
  }
  return what;
}

std::string participant_name(const Scenario& sc, std::uint64_t endpoint) {
  const std::uint64_t n = sc.cluster.nodes;
  if (endpoint < n) return fmt::format("node-{}", endpoint + 1);
  const std::uint64_t c = endpoint - n;
  const std::uint64_t wc = sc.workload.enabled ? sc.workload.clients : 0;
  if (c < wc) return fmt::format("workload-{}", c + 1);
  std::uint64_t idx = wc;
  std::set<std::uint32_t> seen;
  for (const ScriptedOp& op : sc.script) {
    if (!seen.insert(op.client).second) continue;
    if (idx == c) return fmt::format("client-{}", op.client + 1);
    ++idx;
  }
  if (sc.probe.enabled && c == idx) return "probe";
  return fmt::format("endpoint-{}", endpoint);
}

const Record* RunWindow::record(std::uint64_t key, const Version& version) const {
  const auto it = values.find({key, version.term, version.index});
  return it == values.end() ? nullptr : &it->second;
}

int LatencyBins::bin_of(Time v) {
  if (v < 1000) return 0;
  const double d = std::log10(static_cast<double>(v) / 1000.0) * kBinsPerDecade;
  return std::min(kBins - 1, 1 + static_cast<int>(std::floor(d + 1e-9)));
}

double LatencyBins::bin_low_ms(int b) {
  return b <= 0 ? 0.0 : 1e-3 * std::pow(10.0, static_cast<double>(b - 1) / kBinsPerDecade);
}

void LatencyBins::record(Time v) {
  v = std::max<Time>(0, v);
  ++bins[static_cast<std::size_t>(bin_of(v))];
  ++count;
  max = std::max(max, v);
}

std::uint64_t probe_client_index(const Scenario& sc) {
  const std::uint64_t n = sc.cluster.nodes;
  const std::uint64_t last = (sc.workload.enabled ? sc.workload.clients : 0) + sc.script.size();
  for (std::uint64_t c = 0; c <= last; ++c)
    if (participant_name(sc, n + c) == "probe") return c;
  return UINT64_MAX;
}

TraceScan scan_trace(const std::string& trace_path, std::uint64_t probe_client) {
  std::ifstream in = open_trace(trace_path);
  struct Invoked {
    Time t;
    bool get;
    std::uint64_t key;
    std::string group;
    bool probe;
  };
  std::map<std::uint64_t, Invoked> invoked;          // op -> its invocation
  std::map<std::uint64_t, Time> last_write_invoked;  // key -> when its newest acknowledged write was
                                                     // invoked
  TraceScan scan;
  bool found = false;  // the window is around a stale read
  Time first_fault = -1;
  std::string line;
  while (std::getline(in, line)) {
    const std::string ev = line_event(line);
    if (ev == "fault") {
      if (first_fault >= 0) continue;
      const json e = json::parse(line);
      const std::string action = e.at("action").get<std::string>();
      if (action == "crash" || action == "pause" || action == "partition") {
        first_fault = e.at("t").get<Time>();
        scan.fault = action;
      }
      continue;
    }
    if (ev != "invoke" && ev != "complete" && ev != "fail") continue;
    const json e = json::parse(line);
    const Time t = e.at("t").get<Time>();
    const std::uint64_t op = e.at("op").get<std::uint64_t>();
    if (ev == "invoke") {
      const std::string type = e.at("type").get<std::string>();
      const bool get = type == "get";
      invoked[op] = Invoked{t, get, e.at("key").get<std::uint64_t>(),
                            get ? "get " + e.at("level").get<std::string>() : type,
                            e.at("client").get<std::uint64_t>() == probe_client};
      continue;
    }
    const auto it = invoked.find(op);
    if (it == invoked.end()) continue;
    if (ev == "complete" && !it->second.probe) scan.latency[it->second.group].record(t - it->second.t);
    if (!found && ev == "complete" && e.value("stale", false)) {
      const Time read = it->second.t;
      Time from = read - 10 * kMs;
      const auto w = last_write_invoked.find(it->second.key);
      if (w != last_write_invoked.end() && read - w->second <= 100 * kMs) from = std::min(from, w->second - 5 * kMs);
      scan.from = std::max<Time>(0, from);
      scan.to = t + 40 * kMs;
      scan.around = TraceScan::Around::stale;
      found = true;
    }
    if (ev == "complete" && !it->second.get && e.at("status").get<std::string>() == "ok")
      last_write_invoked[it->second.key] = it->second.t;
    invoked.erase(it);
  }
  if (found) {
    scan.fault.clear();
  } else if (first_fault >= 0) {
    scan.around = TraceScan::Around::fault;
    scan.from = std::max<Time>(0, first_fault - 10 * kMs);
    scan.to = first_fault + 40 * kMs;
  } else {
    scan.from = 0;
    scan.to = 50 * kMs;
  }
  return scan;
}

RunWindow read_run_window(const std::string& trace_path, const RunView& world, const WindowOptions& opt) {
  const Scenario& sc = world.scenario();
  const std::uint32_t n = sc.cluster.nodes;
  RunWindow w;
  w.from = opt.from;
  w.to = opt.to;
  w.role_at_start.assign(n, sc.cluster.replication == Replication::leaderless ? "replica" : "follower");

  struct Live {
    bool get = false;
    long long index = -1;  // in w.ops; -1: not drawn
    std::uint64_t client = 0;
    Version acked_at_invoke;
  };
  std::map<std::uint64_t, Live> live;                        // every operation in flight
  std::map<std::uint64_t, Version> newest_acked;             // key -> newest acknowledged version
  std::map<std::string, std::deque<std::size_t>> in_flight;  // message identity -> copies in w.messages
  std::set<std::uint64_t> endpoints;
  for (std::uint32_t i = 0; i < n; ++i) endpoints.insert(i);
  std::size_t pending_ops = 0, pending_messages = 0, fault_index = 0;

  std::ifstream in = open_trace(trace_path);
  std::string line;
  while (std::getline(in, line)) {
    const std::string ev = line_event(line);
    if (ev == "timer" || ev == "apply" || ev == "end" || ev == "local" || ev.empty()) continue;
    const Time t = line_time(line);
    if (t > w.to && pending_ops == 0 && pending_messages == 0) break;
    const bool inside = t >= w.from && t <= w.to;
    const bool wire = ev == "send" || ev == "deliver" || ev == "drop" || ev == "duplicate";
    if (wire && (ev == "send" || ev == "duplicate") && !inside) continue;
    if (wire && (ev == "deliver" || ev == "drop") && pending_messages == 0) continue;
    const json e = json::parse(line);

    if (ev == "send" || ev == "duplicate") {
      const std::string kind = e.at("kind").get<std::string>();
      if (is_heartbeat(kind)) {
        ++w.heartbeats;
        continue;
      }
      if (w.messages.size() >= opt.max_messages) {
        ++w.messages_cut;
        continue;
      }
      WindowMessage m;
      m.sent = t;
      m.duplicate = ev == "duplicate";
      m.kind = kind;
      m.status = e.at("status").get<std::string>();
      m.from = e.at("from").get<std::uint64_t>();
      m.to = e.at("to").get<std::uint64_t>();
      m.term = e.at("term").get<std::uint64_t>();
      m.index = e.at("index").get<std::uint64_t>();
      m.key = e.at("key").get<std::uint64_t>();
      m.op = e.at("op").get<std::uint64_t>();
      m.version = version_of(e.at("version"));
      endpoints.insert(m.from);
      endpoints.insert(m.to);
      in_flight[message_identity(e)].push_back(w.messages.size());
      w.messages.push_back(std::move(m));
      ++pending_messages;
      continue;
    }
    if (ev == "deliver" || ev == "drop") {
      const auto it = in_flight.find(message_identity(e));
      if (it == in_flight.end() || it->second.empty()) continue;
      WindowMessage& m = w.messages[it->second.front()];
      it->second.pop_front();
      if (it->second.empty()) in_flight.erase(it);
      m.end = t;
      m.dropped = ev == "drop";
      if (m.dropped) m.reason = e.value("reason", std::string("?"));
      --pending_messages;
      continue;
    }
    if (ev == "role") {
      const std::uint64_t node = e.at("node").get<std::uint64_t>();
      const std::string role = e.at("role").get<std::string>();
      if (t <= w.from) {
        if (node < n) w.role_at_start[node] = role;
      } else if (inside) {
        WindowMark mk;
        mk.kind = WindowMark::Kind::role;
        mk.t = t;
        mk.endpoints = {node};
        mk.label = role == "leader" ? fmt::format("leader t{}", e.at("term").get<std::uint64_t>()) : role;
        mk.detail = fmt::format("node-{} becomes {} (term {}) at {} ms", node + 1, role,
                                e.at("term").get<std::uint64_t>(), format_ms(t));
        if (w.marks.size() >= opt.max_marks)
          ++w.marks_cut;
        else
          w.marks.push_back(std::move(mk));
      }
      continue;
    }
    if (ev == "fault") {
      const std::string action = e.at("action").get<std::string>();
      const std::string what = timeline_event_text(sc, fault_index++);
      if (t > w.to) continue;
      WindowMark mk;
      mk.kind = WindowMark::Kind::fault;
      mk.t = t;
      for (const json& x : e.at("nodes")) mk.endpoints.push_back(x.get<std::uint64_t>());
      mk.label = action;
      mk.detail = fmt::format("{} {} at {} ms", action, what, format_ms(t));
      if (!inside) {
        // Before the window: keep what is still in force when it starts.
        auto undo = [&](const char* started, const std::vector<std::uint64_t>& nodes) {
          auto& f = w.in_force;
          f.erase(std::remove_if(f.begin(), f.end(),
                                 [&](const WindowMark& m) {
                                   if (m.label != started) return false;
                                   if (nodes.empty()) return true;
                                   return std::find(nodes.begin(), nodes.end(), m.endpoints.at(0)) != nodes.end();
                                 }),
                  f.end());
        };
        if (action == "crash" || action == "pause") {
          for (std::uint64_t node : mk.endpoints) {
            WindowMark one = mk;
            one.endpoints = {node};
            w.in_force.push_back(std::move(one));
          }
        } else if (action == "restart") {
          undo("crash", mk.endpoints);
        } else if (action == "resume") {
          undo("pause", mk.endpoints);
        } else if (action == "partition") {
          undo("partition", {});
          w.in_force.push_back(mk);
        } else if (action == "heal") {
          undo("partition", {});
        }
        continue;
      }
      if (w.marks.size() >= opt.max_marks)
        ++w.marks_cut;
      else
        w.marks.push_back(std::move(mk));
      continue;
    }
    if (ev == "invoke") {
      const std::uint64_t op = e.at("op").get<std::uint64_t>();
      Live l;
      l.get = e.at("type").get<std::string>() == "get";
      l.client = e.at("client").get<std::uint64_t>();
      const std::uint64_t key = e.at("key").get<std::uint64_t>();
      if (l.get) {
        const auto a = newest_acked.find(key);
        if (a != newest_acked.end()) l.acked_at_invoke = a->second;
      }
      if (inside) {
        if (w.ops.size() >= opt.max_ops) {
          ++w.ops_cut;
        } else {
          WindowOp o;
          o.client = static_cast<std::uint32_t>(l.client);
          o.id = op;
          o.type = e.at("type").get<std::string>();
          o.level = e.at("level").get<std::string>();
          o.key = key;
          o.node = e.at("node").get<long long>();
          o.invoked = t;
          o.newest_acked = l.acked_at_invoke;
          l.index = static_cast<long long>(w.ops.size());
          w.ops.push_back(std::move(o));
          endpoints.insert(n + l.client);
          ++pending_ops;
        }
      }
      live[op] = l;
      continue;
    }
    if (ev == "complete" || ev == "fail") {
      const std::uint64_t op = e.at("op").get<std::uint64_t>();
      const auto it = live.find(op);
      if (it == live.end()) continue;
      const Live l = it->second;
      live.erase(it);
      WindowOp* o = l.index >= 0 ? &w.ops[static_cast<std::size_t>(l.index)] : nullptr;
      if (o) --pending_ops;
      if (ev == "fail") {
        if (o) {
          o->ended = t;
          o->outcome = OpOutcome::failed;
          o->status = e.at("reason").get<std::string>();
        }
        continue;
      }
      const std::uint64_t key = e.at("key").get<std::uint64_t>();
      Record rec;
      rec.version = version_of(e.at("version"));
      rec.value = e.at("value").get<Value>();
      rec.tombstone = e.at("tombstone").get<bool>();
      const std::string status = e.at("status").get<std::string>();
      const bool stale = e.value("stale", false);
      if (w.values.size() < RunWindow::kMaxValues)
        w.values.emplace(std::make_tuple(key, rec.version.term, rec.version.index), rec);
      if (!l.get && status == "ok") newest_acked[key] = rec.version;
      const std::uint64_t served_by = e.at("node").get<std::uint64_t>();
      if (o) {
        o->ended = t;
        o->outcome = stale ? OpOutcome::stale : OpOutcome::ok;
        o->status = status;
        o->served_by = served_by;
        o->rec = rec;
      }
      if (inside && stale) {
        WindowMark mk;
        mk.kind = WindowMark::Kind::stale;
        mk.t = t;
        mk.endpoints = {n + l.client};
        if (served_by < n) mk.endpoints.push_back(served_by);
        mk.label = "STALE";
        const Record* newest = w.record(key, l.acked_at_invoke);
        mk.detail = fmt::format(
            "STALE read by {} of {} at {} ms: {} {} from {}; "
            "newest acknowledged {}{}",
            participant_name(sc, n + l.client), world.key_name(static_cast<Key>(key)), format_ms(t),
            world.value_text(rec), version_text(rec.version, sc), participant_name(sc, served_by),
            version_text(l.acked_at_invoke, sc),
            newest ? fmt::format(" ({})", world.value_text(*newest)) : std::string());
        endpoints.insert(n + l.client);
        if (w.marks.size() >= opt.max_marks) {
          ++w.marks_cut;
          ++w.stale_marks_cut;
        } else {
          w.marks.push_back(std::move(mk));
          ++w.stale_marks;
        }
      }
      continue;
    }
  }
  w.endpoints.assign(endpoints.begin(), endpoints.end());
  return w;
}

}  // namespace consim
