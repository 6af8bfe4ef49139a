// sim/live/api.cpp: the chapter's routes and the admin routes (api.h).
#include "sim/live/api.h"

#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/check/history.h"
#include "sim/live/cluster.h"
#include "sim/live/live_history.h"
#include "sim/live/sessions.h"
#include "sim/live/wire.h"
#include "sim/scenario/load.h"
#include "sim/world/keyspace.h"

namespace consim::live {

using json = nlohmann::ordered_json;

std::string node_name(NodeId n) { return "node-" + std::to_string(n + 1); }

namespace {

constexpr std::size_t kMaxKeyLength = 256;
constexpr const char* kLevels = "eventual, strong, read_your_writes, monotonic_reads, causal or leader";

ApiResponse reply(unsigned status, const json& body) {
  ApiResponse r;
  r.status = status;
  r.body = body.dump();
  return r;
}

ApiResponse error(unsigned status, const std::string& msg) { return reply(status, json{{"error", msg}}); }

bool valid_key(std::string_view k) {
  if (k.empty() || k.size() > kMaxKeyLength) return false;
  for (char c : k) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '~' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// The query's parameters, undecoded (the chapter's names need no decoding).
std::vector<std::pair<std::string, std::string>> query_params(std::string_view q) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!q.empty()) {
    const std::size_t amp = q.find('&');
    const std::string_view item = q.substr(0, amp);
    const std::size_t eq = item.find('=');
    if (!item.empty())
      out.emplace_back(std::string(item.substr(0, eq)),
                       eq == std::string_view::npos ? std::string() : std::string(item.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return out;
}

// The value of cookie `name` in a Cookie header, or "".
std::string cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const std::size_t semi = header.find(';');
    std::string_view item = header.substr(0, semi);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    if (item.size() > name.size() && item.substr(0, name.size()) == name && item[name.size()] == '=')
      return std::string(item.substr(name.size() + 1));
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return {};
}

// "node-3" or "3" (1-based) -> node 2; false when it names no node.
bool parse_node(std::string_view s, std::uint32_t nodes, NodeId& out) {
  if (s.substr(0, 5) == "node-") s.remove_prefix(5);
  if (s.empty() || s.size() > 3) return false;
  std::uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (v < 1 || v > nodes) return false;
  out = v - 1;
  return true;
}

bool parse_node_json(const json& j, std::uint32_t nodes, NodeId& out) {
  if (j.is_string()) return parse_node(j.get<std::string>(), nodes, out);
  if (j.is_number_unsigned() && j.get<std::uint64_t>() >= 1 && j.get<std::uint64_t>() <= nodes) {
    out = static_cast<NodeId>(j.get<std::uint64_t>() - 1);
    return true;
  }
  return false;
}

json version_json(const Version& v) { return json{{"term", v.term}, {"index", v.index}}; }

}  // namespace

struct Api::Impl {
  LiveCluster& cluster;
  LiveHistory* history;
  KeySpace keys;
  SessionTable sessions;

  ApiLimits limits;

  Impl(LiveCluster& c, LiveHistory* h, const ApiLimits& l) : cluster(c), history(h), limits(l) {}

  bool leaderless() const { return cluster.scenario().cluster.replication == Replication::leaderless; }

  // "leader", "follower", "candidate"; "replica" in leaderless mode.
  std::string role_name(NodeId n) const {
    if (leaderless()) return "replica";
    return std::string(to_string(cluster.host().node(n).status().role));
  }

  json leader_id(NodeId hint) const {
    if (hint == kNoNode) return "Unknown";
    return node_name(hint);
  }

  ApiResponse status(NodeId n) const {
    const Host& host = cluster.host();
    const Node& node = host.node(n);
    const NodeStatus st = node.status();
    const ClusterSpec& c = cluster.scenario().cluster;
    json key_names = json::array();
    for (Key k = 0; k < keys.size(); ++k)
      if (node.record(k).present()) key_names.push_back(keys.name(k));
    json j;
    j["nodeId"] = node_name(n);
    j["role"] = role_name(n);
    j["term"] = st.term;
    j["leaderId"] = st.leader == kNoNode ? json(nullptr) : json(node_name(st.leader));
    j["totalKeys"] = key_names.size();
    j["keys"] = key_names;
    j["config"] = {{"writeQuorum", c.write_quorum},
                   {"readQuorum", c.read_quorum},
                   {"totalNodes", c.nodes},
                   {"replication", c.replication == Replication::leaderless ? "leaderless" : "leader"},
                   {"election", c.election == Election::majority ? "majority" : "lowest-alive"}};
    j["commitIndex"] = st.commit_index;
    j["lastIndex"] = st.last_index;
    j["incarnation"] = host.incarnation(n);
    j["paused"] = host.paused(n);
    return reply(200, j);
  }

  void key_request(NodeId n, const ApiRequest& req, std::string_view path, std::string_view query, Done done);
  ApiResponse admin(const ApiRequest& req, std::string_view path, std::string_view query);
};

Api::Api(LiveCluster& cluster, LiveHistory* history, const ApiLimits& limits)
    : impl_(std::make_unique<Impl>(cluster, history, limits)) {}
Api::~Api() = default;

KeySpace& Api::keys() { return impl_->keys; }

void Api::handle(NodeId node, const ApiRequest& req, Done done) {
  Impl& s = *impl_;
  const std::size_t qm = req.target.find('?');
  const std::string_view target = req.target;
  const std::string_view path = target.substr(0, qm);
  const std::string_view query = qm == std::string::npos ? std::string_view() : target.substr(qm + 1);
  if (req.method == "OPTIONS") {
    ApiResponse r;
    done(r);
    return;
  }
  if (path.substr(0, 7) == "/admin/") {
    if (!req.from_loopback) {
      done(error(403, "admin endpoints answer loopback clients only"));
      return;
    }
    done(s.admin(req, path.substr(7), query));
    return;
  }
  const bool is_key = path.substr(0, 5) == "/key/";
  if (!(path == "/status" && req.method == "GET") &&
      !(is_key && (req.method == "GET" || req.method == "PUT" || req.method == "DELETE"))) {
    done(error(404, "Not found"));
    return;
  }
  if (!s.cluster.local(node)) {
    done(error(404, fmt::format("{} runs in another process", node_name(node))));
    return;
  }
  if (!s.cluster.host().up(node)) {
    done(reply(503, json{{"error", "Node is down"}, {"nodeId", node_name(node)}}));
    return;
  }
  if (path == "/status") {
    done(s.status(node));
    return;
  }
  s.key_request(node, req, path.substr(5), query, std::move(done));
}

void Api::Impl::key_request(NodeId n, const ApiRequest& req, std::string_view key_text, std::string_view query,
                            Done done) {
  const std::string key(key_text);
  if (!valid_key(key)) {
    done(error(400, key.empty()
                        ? std::string("Missing key: use /key/{key}")
                        : fmt::format("Malformed key: 1 to {} characters of A-Z a-z 0-9 . _ ~ -", kMaxKeyLength)));
    return;
  }
  Level level = Level::eventual;
  std::string session_id = req.session_header;
  for (const auto& [name, value] : query_params(query)) {
    if (name == "consistency") {
      if (!parse_level(value, level)) {
        done(error(400, fmt::format("Unknown consistency level \"{}\"; expected {}", value.substr(0, 64), kLevels)));
        return;
      }
    } else if (name == "session") {
      if (session_id.empty()) session_id = value;
    }
  }
  if (session_id.empty()) session_id = cookie_value(req.cookie, "consim_session");

  Message m;
  OpType type = OpType::get;
  json value;
  if (req.method == "PUT") {
    type = OpType::put;
    std::string why;
    if (body_is_json(req.body, &why)) value = json::parse(req.body, nullptr, false);
    if (!why.empty() || value.is_discarded()) {
      done(reply(400, json{{"error", "Invalid JSON"}, {"detail", why}}));
      return;
    }
    m.kind = MsgKind::client_put;
  } else if (req.method == "DELETE") {
    type = OpType::del;
    m.kind = MsgKind::client_delete;
  } else {
    m.kind = MsgKind::client_get;
  }
  // "s7", or in leader mode "s7-T.I-T.I": the session's written and read
  // versions travel with it, so a node in another process (--node-id)
  // serves the session as well as the one that issued it.
  const std::size_t dash = session_id.find('-');
  SessionState& session = sessions.open(std::string_view(session_id).substr(0, dash));
  if (dash != std::string::npos && !leaderless()) session_merge(session, std::string_view(session_id).substr(dash + 1));
  const std::string sid = SessionTable::name(session);
  auto finish = [this, sid](ApiResponse r) {
    const std::string v = session_text(sessions.open(sid), leaderless());
    r.headers.emplace_back("X-Consim-Session", v);
    r.headers.emplace_back("Set-Cookie", "consim_session=" + v + "; Path=/; SameSite=Strict");
    return r;
  };
  const std::string text = type == OpType::put ? value.dump() : std::string();
  if (!keys.is_named(key) && keys.named() >= limits.keys) {
    done(finish(reply(507, json{{"error", "Too many keys"}, {"limit", limits.keys}})));
    return;
  }
  if (type == OpType::put && keys.text_bytes() + text.size() > limits.value_bytes) {
    done(finish(reply(507, json{{"error", "Too many bytes of values"}, {"limit_bytes", limits.value_bytes}})));
    return;
  }
  const Key k = keys.intern(key);
  const Host& host = cluster.host();
  // The chapter's DELETE: 404 when the leader does not hold the key.
  if (type == OpType::del && !leaderless() && host.node(n).is_leader() && !host.node(n).record(k).present()) {
    done(finish(reply(404, json{{"error", "Key not found"}, {"key", key}})));
    return;
  }
  m.key = k;
  m.level = level;
  if (type == OpType::put) m.rec.value = keys.intern_text(text);
  if (type == OpType::get) m.token = session_token(session, level, k, leaderless());
  const std::uint64_t hop = history ? history->invoke(session.number, type, level, key, text, n, cluster.now()) : 0;
  const std::uint32_t W = cluster.scenario().cluster.write_quorum;
  cluster.request(
      n, m, [this, n, key, type, level, value, sid, hop, finish, W, done = std::move(done)](const ClientAnswer& a) {
        const Time now = cluster.now();
        auto record = [&](Outcome o, FailReason why, bool found, const std::string& v, Version ver) {
          if (history) history->complete(hop, now, o, why, found, v, ver, n);
        };
        const Outcome lost = type == OpType::get ? Outcome::fail : Outcome::unknown;
        if (a.kind == ClientAnswer::Kind::down) {
          record(lost, FailReason::client_timeout, false, "", {});
          done(finish(reply(503, json{{"error", "Node is down"}, {"nodeId", node_name(n)}})));
          return;
        }
        if (a.kind == ClientAnswer::Kind::timeout) {
          record(lost, FailReason::client_timeout, false, "", {});
          done(finish(error(504, "No answer from the node within the request timeout")));
          return;
        }
        const Message& r = a.reply;
        // The session lives in the table; look it up again (it may have been evicted).
        SessionState& ss = sessions.open(sid);
        switch (r.status) {
          case Status::ok:
          case Status::not_found: {
            if (type != OpType::get) {
              session_note(ss, true, r.key, r.rec.version, leaderless());
              record(Outcome::ok, FailReason::client_timeout, false, "", r.rec.version);
              json j;
              j["success"] = true;
              j["key"] = key;
              if (type == OpType::put) j["value"] = value;
              j["leaderId"] = leaderless() ? json(nullptr) : json(node_name(n));
              if (type == OpType::put) {
                j["achievedQuorum"] = true;
                j["writeQuorum"] = W;
              }
              j["version"] = version_json(r.rec.version);
              done(finish(reply(200, j)));
              return;
            }
            session_note(ss, false, r.key, r.rec.version, leaderless());
            const bool found = r.status == Status::ok && r.rec.present();
            const std::string text = found ? keys.value_text(r.rec) : std::string();
            record(Outcome::ok, FailReason::client_timeout, found, text, r.rec.version);
            if (!found) {
              // The chapter's body; the version read (a tombstone's, or 0.0: never written) as a header.
              ApiResponse nf = reply(404, json{{"error", "Key not found"}, {"key", key}});
              nf.headers.emplace_back("X-Consim-Version", std::to_string(r.rec.version.term) + "." +
                                                              std::to_string(r.rec.version.index));
              done(finish(std::move(nf)));
              return;
            }
            json j;
            j["key"] = key;
            j["value"] = json::parse(text, nullptr, false);
            j["nodeRole"] = role_name(n);
            j["consistency"] = to_string(level);
            j["version"] = version_json(r.rec.version);
            done(finish(reply(200, j)));
            return;
          }
          case Status::not_leader:
            record(Outcome::fail, FailReason::no_leader, false, "", {});
            done(finish(reply(
                503,
                json{{"error", "Not the leader"}, {"currentRole", role_name(n)}, {"leaderId", leader_id(r.hint)}})));
            return;
          case Status::behind:
            record(Outcome::fail, FailReason::behind, false, "", {});
            done(finish(reply(503, json{{"error",
                                         "Behind the session: this node has not caught up with your "
                                         "session's writes or reads; retry, or ask another node"},
                                        {"nodeId", node_name(n)}})));
            return;
          case Status::timeout:
          default:
            record(lost, FailReason::node_timeout, false, "", {});
            if (type == OpType::get) {
              done(finish(error(504, "Read quorum not reached within the read timeout")));
            } else {
              json j{{"success", false},
                     {"error", "Write quorum not reached within the write timeout (the write may still apply)"},
                     {"key", key},
                     {"achievedQuorum", false},
                     {"writeQuorum", W}};
              done(finish(reply(504, j)));
            }
            return;
        }
      });
}

ApiResponse Api::Impl::admin(const ApiRequest& req, std::string_view path, std::string_view query) {
  if (req.method != "POST") return error(405, "admin endpoints take POST");
  const std::uint32_t nodes = cluster.size();
  const std::size_t slash = path.find('/');
  const std::string_view verb = path.substr(0, slash);
  const std::string_view arg = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  if (verb == "crash" || verb == "restart" || verb == "pause" || verb == "resume") {
    NodeId n = 0;
    if (!parse_node(arg, nodes, n))
      return error(400, fmt::format("/admin/{}/NODE: NODE is node-1 .. node-{}", verb, nodes));
    if (!cluster.local(n)) return error(400, fmt::format("{} runs in another process: ask its own port", node_name(n)));
    bool changed = false;
    std::string state;
    if (verb == "crash") changed = cluster.crash(n), state = "already down";
    if (verb == "restart") changed = cluster.restart(n), state = "already up";
    if (verb == "pause") changed = cluster.pause(n), state = "down or already paused";
    if (verb == "resume") changed = cluster.resume(n), state = "not paused";
    if (!changed) return error(409, fmt::format("{} is {}", node_name(n), state));
    return reply(200, json{{"ok", true}, {"action", verb}, {"node", node_name(n)}});
  }
  if (verb == "heal") {
    cluster.heal();
    return reply(200, json{{"ok", true}, {"action", "heal"}});
  }
  json body = req.body.empty()         ? json::object()
              : body_is_json(req.body) ? json::parse(req.body, nullptr, false)
                                       : json(json::value_t::discarded);
  if (body.is_discarded()) return error(400, "Invalid JSON");
  if (verb == "partition") {
    if (!body.contains("groups") || !body["groups"].is_array())
      return error(400, R"(/admin/partition: body {"groups": [["node-1"], ["node-2", "node-3"]]})");
    std::vector<std::vector<NodeId>> groups;
    for (const json& g : body["groups"]) {
      if (!g.is_array()) return error(400, "/admin/partition: each group is an array of nodes");
      groups.emplace_back();
      for (const json& x : g) {
        NodeId n = 0;
        if (!parse_node_json(x, nodes, n))
          return error(400, fmt::format("/admin/partition: {} names no node (node-1 .. node-{})",
                                        x.dump().substr(0, 40), nodes));
        groups.back().push_back(n);
      }
    }
    cluster.partition(groups);
    return reply(200, json{{"ok", true}, {"action", "partition"}, {"groups", body["groups"]}});
  }
  if (verb == "cut" || verb == "restore") {
    NodeId from = 0, to = 0;
    if (!body.contains("from") || !body.contains("to") || !parse_node_json(body["from"], nodes, from) ||
        !parse_node_json(body["to"], nodes, to))
      return error(400, fmt::format(R"(/admin/{}: body {{"from": "node-1", "to": "node-3"}})", verb));
    cluster.cut(from, to, verb == "cut");
    return reply(200, json{{"ok", true}, {"action", verb}, {"from", node_name(from)}, {"to", node_name(to)}});
  }
  if (verb == "network") {
    // The scenario's "network" block, validated by the scenario loader.
    nlohmann::json sc{{"cluster", {{"nodes", nodes}}}, {"network", nlohmann::json::parse(body.dump())}};
    try {
      const Scenario parsed = scenario_from_json(sc, "/admin/network");
      cluster.set_network(parsed.network);
    } catch (const std::exception& e) {
      return error(400, e.what());
    }
    return reply(200, json{{"ok", true}, {"action", "network"}});
  }
  if (verb == "delay") {
    // Shorthand: ?ms=300[&kind=append]: a constant delay, network-wide or for one kind of message.
    double ms = -1;
    std::string kind;
    for (const auto& [name, value] : query_params(query)) {
      if (name == "ms") {
        char* end = nullptr;
        ms = std::strtod(value.c_str(), &end);
        if (value.empty() || *end != '\0' || !(ms >= 0 && ms <= 3600000)) ms = -1;
      } else if (name == "kind") {
        kind = value;
      }
    }
    if (ms < 0) return error(400, "/admin/delay?ms=MS[&kind=KIND]: MS from 0 to 3600000");
    NetworkSpec spec = cluster.network_spec();
    if (kind.empty()) {
      spec.delay = Distribution::constant_ms(ms);
      spec.client_delay.reset();
    } else {
      int found = -1;
      for (int i = 0; i < kMsgKindCount; ++i)
        if (to_string(static_cast<MsgKind>(i)) == kind) found = i;
      if (found < 0) return error(400, fmt::format("/admin/delay: unknown message kind \"{}\"", kind.substr(0, 40)));
      spec.kinds[static_cast<std::size_t>(found)].delay = Distribution::constant_ms(ms);
    }
    cluster.set_network(spec);
    return reply(200, json{{"ok", true}, {"action", "delay"}, {"ms", ms}, {"kind", kind.empty() ? "all" : kind}});
  }
  return error(404,
               "Not found: admin verbs are crash, restart, pause, resume, partition, heal, cut, restore, "
               "network and delay");
}

}  // namespace consim::live
