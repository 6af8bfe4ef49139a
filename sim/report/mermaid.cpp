#include "sim/report/mermaid.h"

#include <cmath>
#include <fstream>
#include <deque>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/placement.h"
#include "sim/report/report.h"
#include "sim/report/run_trace.h"
#include "sim/world/world.h"

namespace consim {

namespace {

using json = nlohmann::json;

// Mermaid message text: no ';' (ends a statement), '#' (entity codes) or line breaks.
std::string clean(std::string s) {
  for (char& c : s) {
    if (c == ';') c = ',';
    if (c == '#') c = '_';
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

struct Converter {
  const World& world;
  std::string ver(const json& v) const {
    return version_text(Version{v[0].get<std::uint64_t>(), v[1].get<std::uint64_t>()}, world.scenario());
  }
  const MermaidOptions& opt;
  const std::uint32_t n;
  std::vector<std::string> body;
  std::set<std::uint64_t> clients;            // client endpoints drawn
  std::vector<std::string> role_at_start;     // node -> role when the range starts
  std::map<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>> newest_acked;  // key -> version
  std::map<std::uint64_t, json> invoked;      // op id -> invoke event
  std::map<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>> acked_at_invoke;  // op -> newest acked version
  std::map<std::uint64_t, std::set<std::uint64_t>> quorum;  // leader entry index -> nodes that hold it
  std::map<std::uint64_t, json> entry_version;              // index -> version
  // Leaderless: (coordinator, its op id) -> the write's version and the
  // replicas that acknowledged it (the coordinator's own copy included).
  struct LeaderlessWrite {
    json version;
    std::set<std::uint64_t> acked;
    bool reached = false;  // W was reached (noted)
  };
  std::map<std::pair<std::uint64_t, std::uint64_t>, LeaderlessWrite> ll_writes;
  // Send times of the messages in flight, by every field of the message
  // (its copies share them): an arrow is labelled with both ends.
  std::map<std::string, std::deque<std::int64_t>> sent_at;
  // Written values, from a first pass over the trace: put op -> value, and
  // (key, version) -> value (a message's line has the version, not the value).
  std::map<std::uint64_t, std::string> put_value;
  std::map<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>, std::string> version_value;
  std::size_t fault_index = 0;
  std::set<std::string> want_keys, want_clients;  // the filters (empty: every one)
  std::map<std::uint64_t, std::uint64_t> op_client;  // op -> its client's endpoint (with a client filter)
  std::size_t arrows = 0;
  bool truncated = false;
  std::size_t cut = 0;      // arrows of the range not drawn, past the cap
  std::size_t note_at = 0;  // the truncation note's line in body
  std::string pending_reply;      // a client reply arrow waiting for its "complete"
  std::string pending_at;         // its time, appended when it is drawn
  std::uint64_t pending_op = 0;

  Converter(const World& w, const MermaidOptions& o)
      : world(w),
        opt(o),
        n(w.scenario().cluster.nodes),
        role_at_start(n, "follower"),
        want_keys(o.keys.begin(), o.keys.end()),
        want_clients(o.clients.begin(), o.clients.end()) {}

  static bool carries_key(const std::string& kind) {
    return kind != "request_vote" && kind != "vote_reply" && kind != "sync" && kind != "sync_reply" &&
           kind != "install_snapshot" && kind != "append_reply" && kind.rfind("heartbeat", 0) != 0;
  }
  bool client_wanted(std::uint64_t endpoint) const {
    return want_clients.count(participant_name(world.scenario(), endpoint)) > 0;
  }
  // Whether the filters keep this event (bookkeeping is done for every event).
  bool shown(const json& e) {
    if (want_keys.empty() && want_clients.empty()) return true;
    const std::string ev = e["ev"];
    if (ev == "role" || ev == "fault") return true;
    if (ev == "invoke" || ev == "complete" || ev == "fail") {
      const std::uint64_t op = e["op"];
      if (ev == "invoke") op_client[op] = n + e["client"].get<std::uint64_t>();
      if (!want_keys.empty() && !want_keys.count(world.key_name(static_cast<Key>(e["key"].get<std::uint64_t>()))))
        return false;
      if (!want_clients.empty()) {
        const auto it = op_client.find(op);
        if (it != op_client.end() && !client_wanted(it->second)) return false;
        if (ev != "invoke" && it != op_client.end()) op_client.erase(it);
      }
      return true;
    }
    if (!e.contains("kind")) return true;
    const std::string kind = e["kind"];
    if (!want_keys.empty() && carries_key(kind) &&
        !want_keys.count(world.key_name(static_cast<Key>(e["key"].get<std::uint64_t>()))))
      return false;
    if (!want_clients.empty()) {
      const std::uint64_t from = e["from"], to = e["to"];
      if (from >= n) return client_wanted(from);
      if (to >= n) return client_wanted(to);
      const auto it = op_client.find(e.value("op", std::uint64_t{0}));
      if (it != op_client.end()) return client_wanted(it->second);
    }
    return true;
  }

  std::string who(std::uint64_t endpoint) {
    if (endpoint < n) return fmt::format("N{}", endpoint + 1);
    clients.insert(endpoint);
    return fmt::format("C{}", endpoint - n + 1);
  }
  std::string key(std::uint64_t k) const { return clean(world.key_name(static_cast<Key>(k))); }
  std::string value(const json& e) const {
    Record r;
    r.version = Version{e["version"][0].get<std::uint64_t>(), e["version"][1].get<std::uint64_t>()};
    r.value = e["value"].get<Value>();
    r.tombstone = e["tombstone"].get<bool>();
    return clean(world.value_text(r));
  }

  // " = VALUE" for a message carrying a version whose value the trace gives, else "".
  std::string written(const json& e) const {
    const auto it = version_value.find({e["key"].get<std::uint64_t>(), e["version"][0].get<std::uint64_t>(),
                                        e["version"][1].get<std::uint64_t>()});
    return it == version_value.end() ? std::string() : " = " + it->second;
  }
  static std::string identity(const json& e) {
    return fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", e["kind"].get<std::string>(), e["from"].get<std::uint64_t>(),
                       e["to"].get<std::uint64_t>(), e["term"].get<std::uint64_t>(), e["index"].get<std::uint64_t>(),
                       e["key"].get<std::uint64_t>(), e["op"].get<std::uint64_t>(), e["status"].get<std::string>(),
                       e["version"][0].get<std::uint64_t>(), e["version"][1].get<std::uint64_t>());
  }
  // "@SENT → DELIVERED ms", or "@T ms" when both are the same or the send is not known.
  std::string times(const std::string& ev, const json& e, std::int64_t t) {
    std::int64_t sent = t;
    if (ev == "deliver" || ev == "drop") {
      const auto it = sent_at.find(identity(e));
      if (it != sent_at.end()) {
        sent = it->second.front();
        it->second.pop_front();
        if (it->second.empty()) sent_at.erase(it);
      }
    }
    return sent == t ? fmt::format("@{} ms", format_ms(t)) : fmt::format("@{} \u2192 {} ms", format_ms(sent), format_ms(t));
  }

  void flush_reply() {
    if (!pending_reply.empty()) body.push_back(pending_reply + pending_at);
    pending_reply.clear();
  }
  bool arrow(const std::string& line) {
    if (truncated) {
      ++cut;
      return false;
    }
    if (arrows >= opt.max_arrows) {
      truncated = true;
      ++cut;
      note_at = body.size();
      body.push_back(fmt::format("    Note over N1,N{}: diagram truncated after {} arrows, narrow it with --mermaid-from-ms / --mermaid-to-ms", n, opt.max_arrows));
      return false;
    }
    ++arrows;
    body.push_back(line);
    return true;
  }
  void note(const std::string& over, const std::string& text) {
    if (!truncated) body.push_back(fmt::format("    Note over {}: {}", over, clean(text)));
  }
  std::string all_nodes() const { return n == 1 ? "N1" : fmt::format("N1,N{}", n); }

  std::string message_label(const json& e) {
    const std::string kind = e["kind"];
    const std::uint64_t op = e["op"];
    const std::string status = e["status"];
    if (kind == "client_get" || kind == "client_put" || kind == "client_delete") {
      const auto it = invoked.find(op);
      std::string level = it != invoked.end() ? it->second["level"].get<std::string>() : "";
      if (kind == "client_get") return fmt::format("GET {} ({})", key(e["key"]), level);
      if (kind == "client_put") {
        const auto v = put_value.find(op);
        return fmt::format("PUT {}{}", key(e["key"]), v != put_value.end() ? " = " + v->second : std::string());
      }
      return fmt::format("DELETE {}", key(e["key"]));
    }
    if (kind == "client_reply") return status == "ok" ? fmt::format("ok {}", ver(e["version"])) : status;
    if (kind == "append") return fmt::format("append {} {}{}", ver(e["version"]), key(e["key"]), written(e));
    if (kind == "append_reply")
      return status == "ok" ? fmt::format("ack index {}", e["index"].get<std::uint64_t>()) : fmt::format("append_reply {}", status);
    if (kind == "read_query") return fmt::format("read {}?", key(e["key"]));
    if (kind == "read_reply") return fmt::format("{} is {}", key(e["key"]), ver(e["version"]));
    if (kind == "heartbeat" || kind == "heartbeat_reply") return kind;
    // Leaderless (core/coordinator.h).
    if (kind == "replica_write") return fmt::format("write {}{} {}", key(e["key"]), written(e), ver(e["version"]));
    if (kind == "replica_write_ack") return fmt::format("ack {} {}", key(e["key"]), ver(e["version"]));
    if (kind == "replica_read") return fmt::format("read {}?", key(e["key"]));
    if (kind == "replica_read_reply") return fmt::format("{} is {}", key(e["key"]), ver(e["version"]));
    if (kind == "repair") return fmt::format("repair {} to {}", key(e["key"]), ver(e["version"]));
    if (kind == "sync" || kind == "sync_reply") return kind == "sync" ? "anti-entropy sync" : "sync reply";
    return fmt::format("{} (term {}) {}", kind, e["term"].get<std::uint64_t>(), status == "ok" ? "" : status);
  }

  // Leaderless: the note to draw when a coordinator has W acknowledgements
  // of a write (empty: none). A coordinator that is a replica holds its own
  // copy before it sends the write out.
  std::string leaderless_quorum(const json& e, const std::string& ev, const std::string& kind, std::uint64_t from,
                                std::uint64_t to) {
    const ClusterSpec& c = world.scenario().cluster;
    const std::uint64_t op = e["op"];
    if (ev == "send" && kind == "replica_write" && (op >> 63) == 0 && !ll_writes.count({from, op})) {
      const Key k = e["key"].get<Key>();
      const bool own = from < n && ((replica_mask(k, n, c.replicas) >> from) & 1);
      LeaderlessWrite& w = ll_writes[{from, op}];
      w.version = e["version"];
      if (own) w.acked.insert(from);
      if (own && c.write_quorum <= 1) {
        w.reached = true;
        return fmt::format("W=1 reached: node-{} acknowledges with its own copy, before any other replica has it",
                           from + 1);
      }
      return {};
    }
    if (ev != "deliver" || kind != "replica_write_ack") return {};
    const auto it = ll_writes.find({to, op});
    if (it == ll_writes.end() || it->second.reached) return {};
    it->second.acked.insert(from);
    if (it->second.acked.size() < c.write_quorum) return {};
    const std::string text = fmt::format("W={} reached: ack {} (node-{} completes the quorum)", c.write_quorum,
                                         ver(it->second.version), from + 1);
    it->second.reached = true;  // kept: later sends and acks of this write are not new writes
    return text;
  }

  std::string fault_text(const json& e) {
    const std::string action = e["action"];
    return fmt::format("FAULT: {} {}", action, timeline_event_text(world.scenario(), fault_index++));
  }

  void event(const json& e, bool in_range) {
    std::string ev = e["ev"];
    if (ev == "local") ev = "deliver";  // a client coordinator's answer to its own client
    const double t_ms = static_cast<double>(e["t"].get<std::int64_t>()) / 1e6;
    const std::string at = format_ms(e["t"].get<std::int64_t>());
    if (ev != "complete") flush_reply();
    if (ev == "role") {
      const std::uint64_t node = e["node"];
      if (!in_range) {
        if (node < n) role_at_start[node] = e["role"];
      } else {
        note(fmt::format("N{}", node + 1), fmt::format("node-{} becomes {} (term {}) @{} ms", node + 1,
                                                       e["role"].get<std::string>(), e["term"].get<std::uint64_t>(), at));
      }
      return;
    }
    if (ev == "fault") {
      const std::string text = fault_text(e);
      if (in_range) note(all_nodes(), text + fmt::format(" @{} ms", at));
      return;
    }
    if (ev == "invoke") {
      const std::uint64_t op = e["op"];
      invoked[op] = e;
      if (e["type"] == "get") {
        const auto it = newest_acked.find(e["key"].get<std::uint64_t>());
        if (it != newest_acked.end()) acked_at_invoke[op] = it->second;
      }
      return;
    }
    if (ev == "complete") {
      const std::uint64_t op = e["op"];
      const auto inv = invoked.find(op);
      const bool is_get = inv != invoked.end() && inv->second["type"] == "get";
      const bool ok = e["status"] == "ok";
      if (!pending_reply.empty() && pending_op == op && ok) {
        // Put the value read or written on the reply arrow.
        pending_reply += is_get ? fmt::format(": {}", value(e)) : fmt::format(": {} = {}", key(e["key"]), value(e));
      }
      flush_reply();
      if (!is_get && ok && inv != invoked.end()) {
        newest_acked[e["key"].get<std::uint64_t>()] = {e["version"][0].get<std::uint64_t>(), e["version"][1].get<std::uint64_t>()};
      }
      if (is_get && in_range && e.value("stale", false)) {
        const std::string c = fmt::format("C{}", inv->second["client"].get<std::uint64_t>() + 1);
        const auto a = acked_at_invoke.find(op);
        std::string newest = a != acked_at_invoke.end() ? version_text(Version{a->second.first, a->second.second}, world.scenario()) : "a newer one";
        note(fmt::format("{},N{}", c, e["node"].get<std::uint64_t>() + 1),
             fmt::format("STALE: returned {} {}, newest acknowledged {}", ver(e["version"]), value(e), newest));
      }
      invoked.erase(op);
      acked_at_invoke.erase(op);
      return;
    }
    if (ev == "fail") {
      const std::uint64_t op = e["op"];
      const auto inv = invoked.find(op);
      if (in_range && inv != invoked.end())
        note(fmt::format("C{}", inv->second["client"].get<std::uint64_t>() + 1),
             fmt::format("FAILED: {} {}: {} @{} ms", inv->second["type"].get<std::string>(), key(e["key"]),
                         e["reason"].get<std::string>(), at));
      invoked.erase(op);
      acked_at_invoke.erase(op);
      return;
    }
    if (ev == "duplicate" && e["kind"] != "heartbeat" && e["kind"] != "heartbeat_reply")
      sent_at[identity(e)].push_back(e["t"].get<std::int64_t>());
    if (ev != "send" && ev != "deliver" && ev != "drop") return;
    const std::string kind = e["kind"];
    // Send times, for the arrows' labels (heartbeats only when drawn).
    const bool drawn_kind = opt.heartbeats || (kind != "heartbeat" && kind != "heartbeat_reply");
    std::string when;
    if (drawn_kind && ev == "send") sent_at[identity(e)].push_back(e["t"].get<std::int64_t>());
    if (drawn_kind && e["ev"] != "local" && ev != "send") when = times(ev, e, e["t"].get<std::int64_t>());
    if (when.empty()) when = fmt::format("@{} ms", at);
    const std::uint64_t from = e["from"], to = e["to"];
    const std::uint32_t w = world.scenario().cluster.write_quorum;
    // Quorum bookkeeping (always, so a quorum reached inside the range counts earlier acks).
    if (ev == "send" && kind == "append" && from < n) {
      const std::uint64_t idx = e["version"][1];
      if (!quorum.count(idx) && !entry_version.count(idx)) {
        quorum[idx] = {from};
        entry_version[idx] = e["version"];
        if (w <= 1 && in_range)
          note(fmt::format("N{}", from + 1), fmt::format("W=1 reached: ack {} before any follower has it", ver(e["version"])));
        if (w <= 1) quorum.erase(idx);
      }
    }
    // Leaderless quorum bookkeeping (always); its note follows the arrow.
    std::string ll_note;
    if (world.scenario().cluster.replication == Replication::leaderless) ll_note = leaderless_quorum(e, ev, kind, from, to);
    if (in_range && ev == "send" && !ll_note.empty()) note(who(from), ll_note);
    (void)t_ms;
    if (!in_range) {
      if (ev == "deliver" && kind == "append_reply" && e["status"] == "ok") {
        for (auto it = quorum.begin(); it != quorum.end();) {
          if (it->first <= e["index"].get<std::uint64_t>()) it->second.insert(from);
          it = it->second.size() >= w ? quorum.erase(it) : std::next(it);
        }
      }
      return;
    }
    if (!opt.heartbeats && (kind == "heartbeat" || kind == "heartbeat_reply")) return;
    if (ev == "send") return;  // drawn when delivered or dropped
    const std::string a = who(from), b = who(to);
    const bool reply = kind.find("reply") != std::string::npos || kind.find("_ack") != std::string::npos;
    if (ev == "drop") {
      arrow(fmt::format("    {}-x{}: {} LOST ({}) {}", a, b, clean(message_label(e)), e.value("reason", std::string("?")), when));
      return;
    }
    const std::string line = fmt::format("    {}{}{}: {} {}", a, reply ? "-->>" : "->>", b, clean(message_label(e)), when);
    if (kind == "client_reply" && to >= n) {
      pending_at = " " + when;
      if (truncated) {
        ++cut;
        return;
      }
      if (arrows >= opt.max_arrows) {
        arrow(line);
        return;
      }
      ++arrows;
      pending_reply = fmt::format("    {}-->>{}: {}", a, b, clean(message_label(e)));
      pending_op = e["op"];
      return;
    }
    arrow(line);
    if (ev == "deliver" && !ll_note.empty()) note(b, ll_note);
    if (kind == "append_reply" && e["status"] == "ok") {
      for (auto it = quorum.begin(); it != quorum.end();) {
        if (it->first <= e["index"].get<std::uint64_t>()) it->second.insert(from);
        if (it->second.size() >= w) {
          note(fmt::format("N{}", to + 1),
               fmt::format("W={} reached: ack {} (node-{} {})", w, ver(entry_version[it->first]), from + 1,
                           w == 2 ? "is the second copy" : "completes the quorum"));
          it = quorum.erase(it);
        } else {
          ++it;
        }
      }
    }
  }
};

}  // namespace

std::string mermaid_from_trace_file(const std::string& trace_path, const World& world, const MermaidOptions& opt) {
  std::ifstream in(trace_path);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot read the trace for the diagram", trace_path));
  Converter cv(world, opt);
  {
    // First pass: the values written (a message's trace line has no value).
    std::ifstream first(trace_path);
    std::map<std::uint64_t, bool> is_put;  // op in flight -> a put
    std::string line;
    constexpr std::size_t kMaxValues = 1 << 18;
    while (std::getline(first, line)) {
      const bool invoke = line.find("\"ev\":\"invoke\"") != std::string::npos;
      if (!invoke && line.find("\"ev\":\"complete\"") == std::string::npos &&
          line.find("\"ev\":\"fail\"") == std::string::npos)
        continue;
      const json e = json::parse(line);
      const std::uint64_t op = e["op"];
      if (invoke) {
        is_put[op] = e["type"] == "put";
        continue;
      }
      const auto it = is_put.find(op);
      if (e["ev"] == "complete" && cv.version_value.size() < kMaxValues) {
        const std::string v = cv.value(e);
        if (it != is_put.end() && it->second && e["status"] == "ok") cv.put_value[op] = v;
        cv.version_value.emplace(std::make_tuple(e["key"].get<std::uint64_t>(), e["version"][0].get<std::uint64_t>(),
                                                 e["version"][1].get<std::uint64_t>()),
                                 v);
      }
      if (it != is_put.end()) is_put.erase(it);
    }
  }
  const double from_ns = opt.from_ms * 1e6;
  const double to_ns = opt.to_ms < 0 ? INFINITY : opt.to_ms * 1e6;
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("\"ev\":\"timer\"") != std::string::npos) continue;
    const json e = json::parse(line);
    const double t = static_cast<double>(e["t"].get<std::int64_t>());
    if (t > to_ns) break;
    // Role changes up to the start of the range (t = 0 included) label the participants.
    const bool role_at_start = t <= from_ns && line.find("\"ev\":\"role\"") != std::string::npos;
    const bool shown = cv.shown(e);
    cv.event(e, t >= from_ns && !role_at_start && shown);
  }
  cv.flush_reply();
  if (cv.truncated)
    cv.body[cv.note_at] = fmt::format(
        "    Note over {}: diagram truncated after {} arrows: {} more arrows of the range are not drawn, narrow it "
        "with --mermaid-from-ms / --mermaid-to-ms",
        cv.all_nodes(), opt.max_arrows, cv.cut);

  const Scenario& sc = world.scenario();
  std::string out;
  out += fmt::format("# consim: {}\n\n", sc.name);
  out += fmt::format("Scenario `{}`, seed {}: {} nodes, W={}, R={}{}. Generated by `consim run --mermaid`; "
                     "times are virtual milliseconds.\n\n",
                     sc.source, sc.seed, sc.cluster.nodes, sc.cluster.write_quorum, sc.cluster.read_quorum,
                     opt.to_ms >= 0 || opt.from_ms > 0
                         ? fmt::format(", from {} ms to {}", opt.from_ms, opt.to_ms < 0 ? std::string("the end") : fmt::format("{} ms", opt.to_ms))
                         : "");
  auto list = [](const std::vector<std::string>& v) {
    std::string s;
    for (const std::string& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  if (!opt.keys.empty() || !opt.clients.empty())
    out += fmt::format(
        "Filtered: only {}{}{}. Messages between nodes that carry no key or serve no operation of another client "
        "(replication acknowledgements, votes, ...), role changes and faults are kept.\n\n",
        opt.keys.empty() ? "" : (opt.keys.size() == 1 ? "key " : "keys ") + list(opt.keys),
        !opt.keys.empty() && !opt.clients.empty() ? " and " : "",
        opt.clients.empty() ? "" : (opt.clients.size() == 1 ? "client " : "clients ") + list(opt.clients));
  out += fmt::format(
      "Legend: a solid arrow is a request or a replicated write, a dashed arrow a reply or an acknowledgement, an "
      "arrow ending in a cross a message lost (LOST, with the reason). `@A \u2192 B ms`: sent at A, delivered at B (one time: both the same). "
      "`W={} reached` marks where the write quorum holds a write, the moment it can be acknowledged; "
      "`STALE` notes a read that returned an older version than the newest acknowledged one; "
      "Cn are the clients, Nn the nodes, named with their role when the diagram starts.\n\n",
      sc.cluster.write_quorum);
  out += "```mermaid\nsequenceDiagram\n";
  // Named as in the reports (client-K for the scripted client K, workload-1.., probe).
  for (std::uint64_t c : cv.clients)
    out += fmt::format("    participant C{} as {}\n", c - cv.n + 1, participant_name(sc, c));
  for (std::uint32_t i = 0; i < cv.n; ++i) {
    std::string role = sc.cluster.replication == Replication::leaderless ? "replica" : cv.role_at_start[i];
    if (!role.empty()) role[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(role[0])));
    out += fmt::format("    participant N{} as {} node-{}\n", i + 1, role, i + 1);
  }
  for (const std::string& l : cv.body) out += l + "\n";
  out += "```\n";
  return out;
}

}  // namespace consim
