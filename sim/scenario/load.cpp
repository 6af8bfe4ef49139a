// sim/scenario/load.cpp: JSON scenario -> validated Scenario.
//
// docs/scenario-format.md is the user-facing description of everything this
// file accepts, and scenarios/consim.schema.json mirrors it for editors: keep
// all three in step. Every rejection is an InputError with one line:
//   <source>: <json path>: <what is wrong; what would be right>
// Paths look like $.cluster.write_quorum or $.timeline[2].crash[0].
#include "sim/scenario/load.h"

#include "sim/scenario/budget.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <utility>

#include <fmt/format.h>

namespace consim {

namespace {

using json = nlohmann::json;

// ---- limits (documented in docs/scenario-format.md, "Limits") ----
constexpr double kMaxTimeMs = 1e9;                // any time or delay parameter: about 11.6 days
constexpr std::uint32_t kMaxKeys = 10'000'000;    // workload.keys, probe.keys
constexpr std::uint32_t kMaxClients = 1'000'000;  // workload.clients, script[].client
constexpr std::size_t kMaxListEntries = 1000;     // probe.delays_ms, measure.window_edges_ms
constexpr double kMaxWorkloadOps = 1e9;           // open loop: rate_per_s * duration
constexpr double kMaxProbeReads = 1e9;            // probe writes * (1 + delays * levels)
constexpr double kMaxHeartbeatMessages = 1e10;    // (duration + drain) / heartbeat * nodes^2
constexpr double kMaxSyncExchanges = 1e6;         // (duration + drain) / anti_entropy_interval * nodes
constexpr double kMaxSyncRecords = 2e9;           // anti-entropy: exchanges x keys compared
constexpr double kMaxClockOffsetMs = 3'600'000;   // |cluster.clock_offset_ms|: one hour
constexpr double kMaxClockDriftPpm = 100'000;     // |cluster.clock_drift_ppm|: 10%
constexpr std::uint32_t kMaxRedirectsLimit = 16;
constexpr std::uint32_t kMaxLostWriteWindow = 4096;
constexpr double kFractionTolerance = 1e-6;

const char* const kActions[] = {"crash", "restart", "pause", "resume", "partition",
                                "heal",  "cut",     "restore", "network"};

std::string num(double x) { return fmt::format("{}", x); }

// "a", "b" and "c"  /  "a" or "b"
std::string qlist(const std::vector<std::string>& names, const char* last_sep = " or ") {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += (i + 1 == names.size()) ? last_sep : ", ";
    out += json_path::quoted(names[i]);
  }
  return out;
}

std::string plain_list(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
  return out;
}

Time ms_to_ns(double ms) { return static_cast<Time>(std::llround(ms * 1e6)); }

std::vector<std::string> level_names() {
  std::vector<std::string> out;
  for (int i = 0; i < kLevelCount; ++i) out.emplace_back(to_string(static_cast<Level>(i)));
  return out;
}

// Names of message kinds in network.kinds (docs/scenario-format.md#message-kinds).
// Entries marked as groups are aliases for one or more kinds.
struct KindName {
  std::string name;
  std::vector<MsgKind> kinds;
  bool group = false;  // an alias: a single kind's own entry wins over it
};
const std::vector<KindName>& kind_names() {
  static const std::vector<KindName> names = {
      {"client_request", {MsgKind::client_get, MsgKind::client_put, MsgKind::client_delete}, true},
      {"client_get", {MsgKind::client_get}},
      {"client_put", {MsgKind::client_put}},
      {"client_delete", {MsgKind::client_delete}},
      {"client_reply", {MsgKind::client_reply}},
      {"append", {MsgKind::append}},
      {"append_reply", {MsgKind::append_reply}},
      {"heartbeat", {MsgKind::heartbeat}},
      {"heartbeat_reply", {MsgKind::heartbeat_reply}},
      {"install_snapshot", {MsgKind::install_snapshot}},
      {"request_vote", {MsgKind::request_vote}},
      {"vote_reply", {MsgKind::vote_reply}},
      {"read_query", {MsgKind::read_query}},
      {"read_reply", {MsgKind::read_reply}},
      {"repair", {MsgKind::repair}},
      {"replica_write", {MsgKind::replica_write}},
      {"replica_write_ack", {MsgKind::replica_write_ack}},
      {"replica_read", {MsgKind::replica_read}},
      {"replica_read_reply", {MsgKind::replica_read_reply}},
      {"sync", {MsgKind::sync}},
      {"sync_reply", {MsgKind::sync_reply}},
      // Groups named for what the messages do, in either replication mode.
      {"replicate", {MsgKind::append, MsgKind::install_snapshot, MsgKind::replica_write}, true},
      {"ack", {MsgKind::append_reply, MsgKind::replica_write_ack}, true},
      {"vote", {MsgKind::request_vote, MsgKind::vote_reply}, true},
      {"read_request", {MsgKind::read_query, MsgKind::replica_read}, true},
      {"read_response", {MsgKind::read_reply, MsgKind::replica_read_reply}, true},
      {"anti_entropy", {MsgKind::sync, MsgKind::sync_reply}, true},
  };
  return names;
}

// A timeline event before sorting: its index in the input and, for a network
// event, the merge patch still to be applied.
struct PendingEvent {
  TimelineEvent ev;
  std::size_t index = 0;
  const json* patch = nullptr;  // set_network only
};

class Loader {
 public:
  explicit Loader(std::string source) : src_(std::move(source)) {}

  Scenario load(const json& j) {
    Scenario sc;
    sc.source = src_;
    const std::string root = "$";
    expect_object(j, root, "the scenario");
    check_fields(j, root,
                 {"$schema", "name", "description", "seed", "duration_ms", "drain_ms",
                  "request_timeout_ms", "max_redirects", "cluster", "network", "workload",
                  "script", "probe", "timeline", "measure", "expect"});
    if (const json* v = find(j, "$schema")) string_value(*v, json_path::key(root, "$schema"));
    if (const json* v = find(j, "name")) sc.name = string_value(*v, json_path::key(root, "name"));
    if (const json* v = find(j, "description"))
      sc.description = string_value(*v, json_path::key(root, "description"));
    if (const json* v = find(j, "seed")) sc.seed = seed_value(*v, json_path::key(root, "seed"));
    if (const json* v = find(j, "duration_ms"))
      sc.duration = positive_time(*v, json_path::key(root, "duration_ms"), "duration_ms");
    if (const json* v = find(j, "drain_ms"))
      sc.drain = nonneg_time(*v, json_path::key(root, "drain_ms"), "drain_ms");
    if (const json* v = find(j, "request_timeout_ms"))
      sc.request_timeout = positive_time(*v, json_path::key(root, "request_timeout_ms"), "request_timeout_ms");
    if (const json* v = find(j, "max_redirects"))
      sc.max_redirects = uint_value(*v, json_path::key(root, "max_redirects"), "max_redirects", 0,
                                    kMaxRedirectsLimit);
    duration_ = sc.duration;
    duration_ms_ = static_cast<double>(sc.duration) / 1e6;

    if (const json* v = find(j, "cluster")) {
      sc.cluster = cluster(*v, json_path::key(root, "cluster"));
    } else {
      sc.cluster.clock_offset.assign(sc.cluster.nodes, 0);
      sc.cluster.clock_drift_ppb.assign(sc.cluster.nodes, 0);
    }
    nodes_ = sc.cluster.nodes;
    replication_ = sc.cluster.replication;
    check_heartbeat_budget(sc, j);
    check_anti_entropy_budget(sc);

    static const json kEmptyObject = json::object();
    const json* net_json = find(j, "network");
    if (net_json) sc.network = network(*net_json, json_path::key(root, "network"));
    if (const json* v = find(j, "workload")) {
      const std::string wpath = json_path::key(root, "workload");
      sc.workload = workload(*v, wpath);
      check_routing(sc.workload.routing, sc.cluster.replication, json_path::key(wpath, "routing"));
    }
    if (const json* v = find(j, "script")) sc.script = script(*v, json_path::key(root, "script"));
    if (const json* v = find(j, "probe")) {
      const std::string ppath = json_path::key(root, "probe");
      sc.probe = probe(*v, ppath);
      // The probe's coordinators: its own routing, else the workload's.
      sc.probe.routing = sc.workload.routing;
      if (const json* x = find(*v, "routing")) {
        // Leader mode ignores it (the probe writes to the leader and reads
        // from another node), so any routing name is accepted there.
        sc.probe.routing = enum_value<Routing>(*x, json_path::key(ppath, "routing"), "routing",
                                               {{"random", Routing::random},
                                                {"sticky", Routing::sticky},
                                                {"client", Routing::client},
                                                {"leader", Routing::leader},
                                                {"followers", Routing::followers}});
        if (sc.cluster.replication == Replication::leaderless)
          check_routing(sc.probe.routing, sc.cluster.replication, json_path::key(ppath, "routing"));
      }
    }
    check_anti_entropy_work(sc);
    if (const json* v = find(j, "timeline"))
      sc.timeline = timeline(*v, json_path::key(root, "timeline"), net_json ? *net_json : kEmptyObject);
    sc.measure = measure(find(j, "measure"), json_path::key(root, "measure"));
    if (const json* v = find(j, "expect")) sc.expect = expectations(*v, json_path::key(root, "expect"));
    check_run_budget(sc, src_);
    return sc;
  }

  // ---- the network at one time: also used for merge-patched timeline events ----
  NetworkSpec network(const json& v, const std::string& path) {
    expect_object(v, path, "the network settings");
    check_fields(v, path, {"delay", "client_delay", "loss", "duplicate", "kinds", "links"});
    NetworkSpec n;
    if (const json* d = find(v, "delay")) n.delay = distribution(*d, json_path::key(path, "delay"), true);
    if (const json* d = find(v, "client_delay"))
      n.client_delay = distribution(*d, json_path::key(path, "client_delay"), true);
    if (const json* d = find(v, "loss")) n.loss = probability(*d, json_path::key(path, "loss"));
    if (const json* d = find(v, "duplicate"))
      n.duplicate = probability(*d, json_path::key(path, "duplicate"));
    if (const json* d = find(v, "kinds")) n.kinds = kinds(*d, json_path::key(path, "kinds"));
    if (const json* d = find(v, "links")) {
      const std::string lpath = json_path::key(path, "links");
      expect_array(*d, lpath, "link overrides");
      for (std::size_t i = 0; i < d->size(); ++i) {
        const json& l = (*d)[i];
        const std::string p = json_path::index(lpath, i);
        expect_object(l, p, "a link override");
        check_fields(l, p, {"from", "to", "delay", "loss", "duplicate", "kinds"});
        LinkSpec ls;
        ls.from = endpoint(require(l, p, "from", "a link override"), json_path::key(p, "from"));
        ls.to = endpoint(require(l, p, "to", "a link override"), json_path::key(p, "to"));
        if (ls.from == kClientEndpoint && ls.to == kClientEndpoint)
          fail(p, "a link from \"client\" to \"client\" has no effect (clients only talk to "
                  "nodes); make one end a node number");
        if (const json* x = find(l, "delay"))
          ls.delay = distribution(*x, json_path::key(p, "delay"), true);
        if (const json* x = find(l, "loss")) ls.loss = probability(*x, json_path::key(p, "loss"));
        if (const json* x = find(l, "duplicate"))
          ls.duplicate = probability(*x, json_path::key(p, "duplicate"));
        if (const json* x = find(l, "kinds")) ls.kinds = kinds(*x, json_path::key(p, "kinds"));
        n.links.push_back(std::move(ls));
      }
    }
    return n;
  }

  // network.kinds / network.links[i].kinds: message kind (or group) -> overrides.
  // A group name (client_request, replicate, vote) applies to each of its
  // kinds; a single kind's own entry wins over its group's, field by field.
  KindSpecs kinds(const json& v, const std::string& path) const {
    expect_object(v, path, "message kinds mapped to {\"delay\", \"loss\", \"duplicate\"}");
    std::vector<std::string> names;
    for (const KindName& kn : kind_names()) names.push_back(kn.name);
    KindSpecs out;
    for (int pass = 0; pass < 2; ++pass) {  // groups first, then single kinds
      for (auto it = v.begin(); it != v.end(); ++it) {
        const std::string p = json_path::key(path, it.key());
        const KindName* kn = nullptr;
        for (const KindName& c : kind_names())
          if (c.name == it.key()) kn = &c;
        if (!kn) {
          std::string msg = "unknown message kind " + json_path::quoted(it.key());
          const std::string near = nearest_name(it.key(), names);
          if (!near.empty()) msg += "; did you mean " + json_path::quoted(near) + "?";
          msg += " (kinds: " + plain_list(names) + ")";
          fail(p, msg);
        }
        if (kn->group != (pass == 0)) continue;
        const json& o = it.value();
        expect_object(o, p, "overrides for this kind of message: {\"delay\", \"loss\", \"duplicate\"}");
        check_fields(o, p, {"delay", "loss", "duplicate"});
        KindSpec ks;
        if (const json* x = find(o, "delay")) ks.delay = distribution(*x, json_path::key(p, "delay"), true);
        if (const json* x = find(o, "loss")) ks.loss = probability(*x, json_path::key(p, "loss"));
        if (const json* x = find(o, "duplicate")) ks.duplicate = probability(*x, json_path::key(p, "duplicate"));
        for (MsgKind k : kn->kinds) {
          KindSpec& dst = out[static_cast<int>(k)];
          if (ks.delay) dst.delay = ks.delay;
          if (ks.loss) dst.loss = ks.loss;
          if (ks.duplicate) dst.duplicate = ks.duplicate;
        }
      }
    }
    return out;
  }

 private:
  std::string src_;
  Time duration_ = 60 * kSecond;
  double duration_ms_ = 60000;
  std::uint32_t nodes_ = 3;
  // Set from the cluster before the workload, script and probe are read
  // (their level names depend on it).
  Replication replication_ = Replication::leader;

  [[noreturn]] void fail(const std::string& path, const std::string& problem) const {
    throw InputError(src_ + ": " + path + ": " + problem);
  }

  static const json* find(const json& obj, const char* key) {
    const auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
  }

  const json& require(const json& obj, const std::string& path, const char* key,
                      const char* what) const {
    const json* v = find(obj, key);
    if (!v) fail(path, fmt::format("missing required field \"{}\" in {}", key, what));
    return *v;
  }

  void expect_object(const json& v, const std::string& path, const char* what) const {
    if (!v.is_object()) fail(path, fmt::format("expected an object ({}), got {}", what, json_path::describe(v)));
  }

  void expect_array(const json& v, const std::string& path, const char* what) const {
    if (!v.is_array()) fail(path, fmt::format("expected an array ({}), got {}", what, json_path::describe(v)));
  }

  void check_fields(const json& obj, const std::string& path,
                    const std::vector<std::string>& allowed) const {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      if (std::find(allowed.begin(), allowed.end(), it.key()) != allowed.end()) continue;
      const std::string near = nearest_name(it.key(), allowed);
      std::string msg = "unknown field " + json_path::quoted(it.key());
      if (!near.empty())
        msg += "; did you mean " + json_path::quoted(near) + "?";
      else
        msg += "; valid fields here: " + plain_list(allowed);
      fail(json_path::key(path, it.key()), msg);
    }
  }

  std::string string_value(const json& v, const std::string& path) const {
    if (!v.is_string()) fail(path, "expected a string, got " + json_path::describe(v));
    return v.get<std::string>();
  }

  bool bool_value(const json& v, const std::string& path) const {
    if (!v.is_boolean()) fail(path, "expected true or false, got " + json_path::describe(v));
    return v.get<bool>();
  }

  double number(const json& v, const std::string& path) const {
    if (!v.is_number()) fail(path, "expected a number, got " + json_path::describe(v));
    const double d = v.get<double>();
    if (!std::isfinite(d)) fail(path, "number is too large");
    return d;
  }

  // An integer in [lo, hi]; hi_text replaces hi in the message (e.g. "nodes (3)").
  std::uint32_t uint_value(const json& v, const std::string& path, const std::string& name,
                           double lo, double hi, const std::string& hi_text = "") const {
    if (!v.is_number()) fail(path, "expected an integer, got " + json_path::describe(v));
    const double d = number(v, path);
    if (d != std::floor(d)) fail(path, "expected an integer, got " + json_path::describe(v));
    if (d < lo || d > hi)
      fail(path, fmt::format("{} is {} but must be between {} and {}", name, num(d), num(lo),
                             hi_text.empty() ? num(hi) : hi_text));
    return static_cast<std::uint32_t>(d);
  }

  std::uint64_t seed_value(const json& v, const std::string& path) const {
    if (v.is_number_unsigned()) return v.get<std::uint64_t>();
    if (v.is_number_integer()) {  // signed: built in C++, or negative in the text
      if (v.get<std::int64_t>() >= 0) return static_cast<std::uint64_t>(v.get<std::int64_t>());
      fail(path, fmt::format("seed is {} but must be a non-negative integer (0..{})",
                             v.get<std::int64_t>(), UINT64_MAX));
    }
    if (v.is_number_float()) {
      const double d = v.get<double>();
      if (d == std::floor(d) && d >= 0 && d <= 9007199254740992.0)
        return static_cast<std::uint64_t>(d);
      fail(path, fmt::format("seed is {} but must be a non-negative integer (0..{})", num(d),
                             UINT64_MAX));
    }
    fail(path, "expected a non-negative integer, got " + json_path::describe(v));
  }

  double probability(const json& v, const std::string& path) const {
    const double d = number(v, path);
    if (d < 0 || d > 1) fail(path, fmt::format("probability {} is out of range; expected 0..1", num(d)));
    return d;
  }

  double ms_number(const json& v, const std::string& path, const std::string& name) const {
    const double d = number(v, path);
    if (d > kMaxTimeMs)
      fail(path, fmt::format("{} is {} but must be at most {} (about 11.6 days)", name, num(d),
                             num(kMaxTimeMs)));
    return d;
  }

  Time positive_time(const json& v, const std::string& path, const std::string& name) const {
    const double d = ms_number(v, path, name);
    if (d <= 0) fail(path, fmt::format("{} is {} but must be > 0", name, num(d)));
    const Time t = ms_to_ns(d);
    if (t < 1)
      fail(path, fmt::format("{} is {}, which rounds to 0 ns; it must be at least 0.000001 (1 ns)",
                             name, num(d)));
    return t;
  }

  Time nonneg_time(const json& v, const std::string& path, const std::string& name) const {
    const double d = ms_number(v, path, name);
    if (d < 0) fail(path, fmt::format("{} is {} but must be >= 0", name, num(d)));
    return ms_to_ns(d);
  }

  // A time within the run: 0..duration_ms inclusive.
  Time time_in_run(const json& v, const std::string& path, const std::string& name) const {
    const double d = number(v, path);
    if (d < 0 || d > duration_ms_)
      fail(path, fmt::format("{} is {} but must be within the run: 0..{} (duration_ms)", name,
                             num(d), num(duration_ms_)));
    return std::min(ms_to_ns(d), duration_);
  }

  template <typename E>
  E enum_value(const json& v, const std::string& path, const std::string& name,
               const std::vector<std::pair<std::string, E>>& choices) const {
    std::vector<std::string> names;
    for (const auto& c : choices) names.push_back(c.first);
    if (!v.is_string())
      fail(path, fmt::format("expected {}, got {}", qlist(names), json_path::describe(v)));
    const std::string s = v.get<std::string>();
    for (const auto& c : choices)
      if (c.first == s) return c.second;
    std::string msg = fmt::format("{} {} is not valid; expected {}", name, json_path::quoted(s), qlist(names));
    const std::string near = nearest_name(s, names);
    if (!near.empty()) msg += "; did you mean " + json_path::quoted(near) + "?";
    fail(path, msg);
  }

  Level level_from_name(const std::string& s, const std::string& path) const {
    Level l;
    if (parse_level(s, l)) {
      if (l == Level::leader && replication_ == Replication::leaderless)
        fail(path, "level \"leader\" needs replication \"leader\" (cluster.replication is "
                   "\"leaderless\": there is no leader); use \"strong\" for a quorum read");
      return l;
    }
    const std::vector<std::string> names = level_names();
    std::string msg = "unknown level " + json_path::quoted(s);
    const std::string near = nearest_name(s, names);
    if (!near.empty()) msg += "; did you mean " + json_path::quoted(near) + "?";
    msg += " (levels: " + plain_list(names) + ")";
    fail(path, msg);
  }

  Level level_value(const json& v, const std::string& path) const {
    if (!v.is_string())
      fail(path, fmt::format("expected a level name ({}), got {}", plain_list(level_names()),
                             json_path::describe(v)));
    return level_from_name(v.get<std::string>(), path);
  }

  // A list of distinct level names, at least one.
  std::vector<Level> level_list(const json& v, const std::string& path) const {
    expect_array(v, path, "level names");
    if (v.empty())
      fail(path, "the list of levels is empty; give at least one of: " + plain_list(level_names()));
    std::vector<Level> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const Level l = level_value(v[i], json_path::index(path, i));
      if (std::find(out.begin(), out.end(), l) != out.end())
        fail(json_path::index(path, i), fmt::format("level \"{}\" is listed twice", to_string(l)));
      out.push_back(l);
    }
    return out;
  }

  NodeId node_value(const json& v, const std::string& path) const {
    if (!v.is_number())
      fail(path, fmt::format("expected a node number 1..{}, got {}", nodes_, json_path::describe(v)));
    const double d = number(v, path);
    if (d != std::floor(d))
      fail(path, fmt::format("expected a node number 1..{}, got {}", nodes_, json_path::describe(v)));
    if (d < 1 || d > nodes_)
      fail(path, fmt::format("node {} does not exist; expected 1..{} (cluster.nodes is {})", num(d),
                             nodes_, nodes_));
    return static_cast<NodeId>(d) - 1;
  }

  NodeId endpoint(const json& v, const std::string& path) const {
    if (v.is_string()) {
      const std::string s = v.get<std::string>();
      if (s == "client") return kClientEndpoint;
      std::string msg = fmt::format("expected a node number 1..{} or \"client\", got {}", nodes_,
                                    json_path::describe(v));
      if (!nearest_name(s, {"client"}).empty()) msg += "; did you mean \"client\"?";
      fail(path, msg);
    }
    if (!v.is_number())
      fail(path, fmt::format("expected a node number 1..{} or \"client\", got {}", nodes_,
                             json_path::describe(v)));
    return node_value(v, path);
  }

  // Node numbers: a non-empty list without repeats.
  std::vector<NodeId> node_list(const json& v, const std::string& path) const {
    expect_array(v, path, "node numbers");
    if (v.empty()) fail(path, fmt::format("the list of nodes is empty; give node numbers 1..{}", nodes_));
    std::vector<NodeId> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const NodeId n = node_value(v[i], json_path::index(path, i));
      if (std::find(out.begin(), out.end(), n) != out.end())
        fail(json_path::index(path, i), fmt::format("node {} is listed twice", n + 1));
      out.push_back(n);
    }
    return out;
  }

  // ---- distributions ----
  Distribution distribution(const json& v, const std::string& path, bool allow_mixture) const {
    if (v.is_number()) {
      const double ms = ms_number(v, path, "delay");
      if (ms < 0) fail(path, fmt::format("delay is {} ms but must be >= 0 (delays cannot be negative)", num(ms)));
      return Distribution::constant_ms(ms);
    }
    if (!v.is_object())
      fail(path, "expected a distribution (a number of ms, or an object with \"type\"), got " +
                     json_path::describe(v));
    return distribution_object(v, path, allow_mixture, false);
  }

  Distribution distribution_object(const json& v, const std::string& path, bool allow_mixture,
                                   bool in_mixture) const {
    static const std::vector<std::string> kTypes = {"constant",  "uniform", "exponential", "normal",
                                                    "lognormal", "pareto",  "mixture"};
    const json* t = find(v, "type");
    if (!t)
      fail(path, "missing required field \"type\" in a distribution; expected " +
                     qlist(kTypes));
    enum K { constant, uniform, exponential, normal, lognormal, pareto, mixture };
    const K k = enum_value<K>(*t, json_path::key(path, "type"), "distribution type",
                              {{"constant", constant},
                               {"uniform", uniform},
                               {"exponential", exponential},
                               {"normal", normal},
                               {"lognormal", lognormal},
                               {"pareto", pareto},
                               {"mixture", mixture}});
    if (k == mixture && !allow_mixture)
      fail(json_path::key(path, "type"),
           "a mixture component cannot itself be a mixture; list its components in the outer "
           "mixture instead");
    std::vector<std::string> fields;
    switch (k) {
      case constant: fields = {"type", "ms"}; break;
      case uniform: fields = {"type", "min_ms", "max_ms"}; break;
      case exponential: fields = {"type", "mean_ms"}; break;
      case normal: fields = {"type", "mean_ms", "stddev_ms"}; break;
      case lognormal: fields = {"type", "median_ms", "sigma"}; break;
      case pareto: fields = {"type", "scale_ms", "shape"}; break;
      case mixture: fields = {"type", "components"}; break;
    }
    if (in_mixture) fields.push_back("weight");
    check_fields(v, path, fields);
    const std::string tname = t->get<std::string>();
    const std::string what = "a " + tname + " distribution";
    auto param = [&](const char* key) -> const json& { return require(v, path, key, what.c_str()); };
    // A non-negative (or positive) ms parameter.
    auto ms = [&](const char* key, bool positive) {
      const std::string p = json_path::key(path, key);
      const double d = ms_number(param(key), p, key);
      if (positive ? d <= 0 : d < 0)
        fail(p, fmt::format("{} is {} but must be {}{}", key, num(d), positive ? "> 0" : ">= 0",
                            d < 0 ? " (delays cannot be negative)" : ""));
      return d;
    };
    auto plain = [&](const char* key, bool positive) {
      const std::string p = json_path::key(path, key);
      const double d = number(param(key), p);
      if (positive ? d <= 0 : d < 0)
        fail(p, fmt::format("{} is {} but must be {}", key, num(d), positive ? "> 0" : ">= 0"));
      return d;
    };
    switch (k) {
      case constant: return Distribution::constant_ms(ms("ms", false));
      case uniform: {
        const double lo = ms("min_ms", false);
        const double hi = ms("max_ms", false);
        if (hi < lo)
          fail(json_path::key(path, "max_ms"),
               fmt::format("max_ms is {} but must be >= min_ms ({})", num(hi), num(lo)));
        return Distribution::uniform_ms(lo, hi);
      }
      case exponential: return Distribution::exponential_ms(ms("mean_ms", true));
      case normal: {
        const double m = ms("mean_ms", false);
        const double s = ms("stddev_ms", false);
        return Distribution::normal_ms(m, s);
      }
      case lognormal: {
        const double m = ms("median_ms", true);
        const double s = plain("sigma", false);
        return Distribution::lognormal_ms(m, s);
      }
      case pareto: {
        const double x = ms("scale_ms", true);
        const double a = plain("shape", true);
        return Distribution::pareto_ms(x, a);
      }
      case mixture: {
        const std::string cpath = json_path::key(path, "components");
        const json& comps = param("components");
        expect_array(comps, cpath, "mixture components");
        if (comps.empty()) fail(cpath, "a mixture needs at least one component");
        Distribution d;
        d.kind = Distribution::Kind::mixture;
        for (std::size_t i = 0; i < comps.size(); ++i) {
          const std::string p = json_path::index(cpath, i);
          const json& c = comps[i];
          expect_object(c, p, "a mixture component: a distribution object with a \"weight\"");
          double w = 1;
          if (const json* wj = find(c, "weight")) {
            w = number(*wj, json_path::key(p, "weight"));
            if (w <= 0) fail(json_path::key(p, "weight"), fmt::format("weight is {} but must be > 0", num(w)));
          }
          d.components.push_back(distribution_object(c, p, false, true));
          d.weights.push_back(w);
        }
        return d;
      }
    }
    return Distribution{};
  }

  // ---- cluster ----
  ClusterSpec cluster(const json& v, const std::string& path) const {
    expect_object(v, path, "the cluster settings");
    check_fields(v, path,
                 {"replication", "nodes", "replicas", "write_quorum", "read_quorum", "election",
                  "heartbeat_interval_ms", "election_timeout_ms", "write_timeout_ms",
                  "read_timeout_ms", "read_repair", "durable", "session_behind", "bootstrap_leader",
                  "read_fanout", "sloppy_quorum", "anti_entropy_interval_ms", "clock_offset_ms",
                  "clock_drift_ppm"});
    ClusterSpec c;
    // Replication, nodes and replicas first: the quorums are bounded by replicas.
    if (const json* x = find(v, "replication"))
      c.replication = enum_value<Replication>(*x, json_path::key(path, "replication"), "replication",
                                              {{"leader", Replication::leader},
                                               {"leaderless", Replication::leaderless}});
    const bool leaderless = c.replication == Replication::leaderless;
    if (const json* x = find(v, "nodes"))
      c.nodes = uint_value(*x, json_path::key(path, "nodes"), "nodes", 1, kMaxNodes);
    c.replicas = c.nodes;
    if (const json* x = find(v, "replicas")) {
      const std::string p = json_path::key(path, "replicas");
      c.replicas = replicas_value(*x, p, c.nodes);
      if (!leaderless && c.replicas != c.nodes)
        fail(p, "replicas applies to replication \"leaderless\"; in leader mode every node holds "
                "every key");
    }
    const std::string bound = fmt::format("{} ({})", leaderless ? "replicas" : "nodes", c.replicas);
    c.write_quorum = std::min<std::uint32_t>(2, c.replicas);
    c.read_quorum = 1;
    if (const json* x = find(v, "write_quorum"))
      c.write_quorum = quorum(*x, json_path::key(path, "write_quorum"), "write_quorum", c.replicas, bound);
    if (const json* x = find(v, "read_quorum"))
      c.read_quorum = quorum(*x, json_path::key(path, "read_quorum"), "read_quorum", c.replicas, bound);
    if (const json* x = find(v, "election"))
      c.election = enum_value<Election>(*x, json_path::key(path, "election"), "election",
                                        {{"lowest-alive", Election::lowest_alive},
                                         {"majority", Election::majority}});
    if (const json* x = find(v, "heartbeat_interval_ms"))
      c.heartbeat_interval =
          positive_time(*x, json_path::key(path, "heartbeat_interval_ms"), "heartbeat_interval_ms");
    if (const json* x = find(v, "election_timeout_ms"))
      c.election_timeout =
          positive_time(*x, json_path::key(path, "election_timeout_ms"), "election_timeout_ms");
    if (c.election_timeout <= c.heartbeat_interval) {
      const bool et_given = find(v, "election_timeout_ms") != nullptr;
      fail(json_path::key(path, et_given ? "election_timeout_ms" : "heartbeat_interval_ms"),
           fmt::format("election_timeout_ms ({}) must be greater than heartbeat_interval_ms ({})",
                       num(static_cast<double>(c.election_timeout) / 1e6),
                       num(static_cast<double>(c.heartbeat_interval) / 1e6)));
    }
    if (const json* x = find(v, "write_timeout_ms"))
      c.write_timeout = positive_time(*x, json_path::key(path, "write_timeout_ms"), "write_timeout_ms");
    if (const json* x = find(v, "read_timeout_ms"))
      c.read_timeout = positive_time(*x, json_path::key(path, "read_timeout_ms"), "read_timeout_ms");
    if (const json* x = find(v, "read_repair")) read_repair(*x, json_path::key(path, "read_repair"), c);
    if (const json* x = find(v, "durable")) c.durable = bool_value(*x, json_path::key(path, "durable"));
    if (const json* x = find(v, "session_behind"))
      c.session_behind = enum_value<SessionPolicy>(*x, json_path::key(path, "session_behind"), "session_behind",
                                                   {{"wait", SessionPolicy::wait},
                                                    {"fail", SessionPolicy::fail},
                                                    {"forward", SessionPolicy::forward}});
    if (const json* x = find(v, "bootstrap_leader"))
      c.bootstrap_leader = bool_value(*x, json_path::key(path, "bootstrap_leader"));

    // Leaderless only: in leader mode each is accepted only at its default.
    auto leaderless_only = [&](const char* key, bool is_default) {
      if (!leaderless && !is_default)
        fail(json_path::key(path, key),
             "applies to replication \"leaderless\" only (cluster.replication is \"leader\")");
    };
    if (const json* x = find(v, "read_fanout")) {
      c.read_fanout = enum_value<ReadFanout>(*x, json_path::key(path, "read_fanout"), "read_fanout",
                                             {{"all", ReadFanout::all}, {"r", ReadFanout::r}});
      leaderless_only("read_fanout", c.read_fanout == ReadFanout::all);
    }
    if (const json* x = find(v, "sloppy_quorum")) {
      c.sloppy_quorum = bool_value(*x, json_path::key(path, "sloppy_quorum"));
      leaderless_only("sloppy_quorum", !c.sloppy_quorum);
    }
    if (const json* x = find(v, "anti_entropy_interval_ms")) {
      c.anti_entropy_interval =
          nonneg_time(*x, json_path::key(path, "anti_entropy_interval_ms"), "anti_entropy_interval_ms");
      leaderless_only("anti_entropy_interval_ms", c.anti_entropy_interval == 0);
    }
    c.clock_offset.assign(c.nodes, 0);
    c.clock_drift_ppb.assign(c.nodes, 0);
    if (const json* x = find(v, "clock_offset_ms")) {
      const std::vector<double> ms =
          per_node(*x, json_path::key(path, "clock_offset_ms"), "clock_offset_ms", kMaxClockOffsetMs,
                   c.nodes, "1 hour");
      bool zero = true;
      for (std::uint32_t i = 0; i < c.nodes; ++i) {
        c.clock_offset[i] = ms_to_ns(ms[i]);
        zero = zero && c.clock_offset[i] == 0;
      }
      leaderless_only("clock_offset_ms", zero);
    }
    if (const json* x = find(v, "clock_drift_ppm")) {
      const std::vector<double> ppm =
          per_node(*x, json_path::key(path, "clock_drift_ppm"), "clock_drift_ppm", kMaxClockDriftPpm,
                   c.nodes, "10%");
      bool zero = true;
      for (std::uint32_t i = 0; i < c.nodes; ++i) {
        c.clock_drift_ppb[i] = std::llround(ppm[i] * 1000);
        zero = zero && c.clock_drift_ppb[i] == 0;
      }
      leaderless_only("clock_drift_ppm", zero);
    }
    return c;
  }

  // cluster.replicas: 1..nodes or "all".
  std::uint32_t replicas_value(const json& v, const std::string& path, std::uint32_t n) const {
    if (v.is_string()) {
      const std::string s = v.get<std::string>();
      if (s == "all") return n;
      std::string msg = fmt::format("expected a number 1..{} or \"all\", got {}", n, json_path::describe(v));
      if (!nearest_name(s, {"all"}).empty()) msg += "; did you mean \"all\"?";
      fail(path, msg);
    }
    if (!v.is_number())
      fail(path, fmt::format("expected a number 1..{} or \"all\", got {}", n, json_path::describe(v)));
    return uint_value(v, path, "replicas", 1, n, fmt::format("nodes ({})", n));
  }

  // cluster.read_repair: true/false, or "off" | "async" | "blocking" (true == "async").
  enum class RepairMode : std::uint8_t { off, async, blocking };
  void read_repair(const json& v, const std::string& path, ClusterSpec& c) const {
    c.read_repair_blocking = false;
    if (v.is_boolean()) {
      c.read_repair = v.get<bool>();
      return;
    }
    const RepairMode m = enum_value<RepairMode>(v, path, "read_repair",
                                                {{"off", RepairMode::off},
                                                 {"async", RepairMode::async},
                                                 {"blocking", RepairMode::blocking}});
    c.read_repair = m != RepairMode::off;
    if (m == RepairMode::blocking) {
      if (c.replication != Replication::leaderless)
        fail(path, "read_repair \"blocking\" needs replication \"leaderless\" (cluster.replication "
                   "is \"leader\"); use true or \"async\"");
      c.read_repair_blocking = true;
    }
  }

  // A number for every node, or an array of exactly `nodes` numbers; |x| <= limit.
  std::vector<double> per_node(const json& v, const std::string& path, const std::string& name,
                               double limit, std::uint32_t nodes, const char* limit_text) const {
    auto checked = [&](const json& x, const std::string& p) {
      const double d = number(x, p);
      if (std::fabs(d) > limit)
        fail(p, fmt::format("{} is {} but must be between -{} and {} ({})", name, num(d), num(limit),
                            num(limit), limit_text));
      return d;
    };
    if (v.is_array()) {
      if (v.size() != nodes)
        fail(path, fmt::format("{} has {} entries but must have one per node: {} (cluster.nodes), "
                               "or be a single number for every node",
                               name, v.size(), nodes));
      std::vector<double> out;
      for (std::size_t i = 0; i < v.size(); ++i) out.push_back(checked(v[i], json_path::index(path, i)));
      return out;
    }
    if (!v.is_number())
      fail(path, fmt::format("expected a number or an array of {} numbers (one per node), got {}",
                             nodes, json_path::describe(v)));
    return std::vector<double>(nodes, checked(v, path));
  }

  std::uint32_t quorum(const json& v, const std::string& path, const std::string& name,
                       std::uint32_t n, const std::string& bound) const {
    if (v.is_string()) {
      const std::string s = v.get<std::string>();
      if (s == "majority") return n / 2 + 1;
      if (s == "all") return n;
      std::string msg = fmt::format("expected a number 1..{}, \"majority\" or \"all\", got {}", n, json_path::describe(v));
      const std::string near = nearest_name(s, {"majority", "all"});
      if (!near.empty()) msg += "; did you mean " + json_path::quoted(near) + "?";
      fail(path, msg);
    }
    if (!v.is_number())
      fail(path, fmt::format("expected a number 1..{}, \"majority\" or \"all\", got {}", n, json_path::describe(v)));
    return uint_value(v, path, name, 1, n, bound);
  }

  void check_anti_entropy_budget(const Scenario& sc) const {
    if (sc.cluster.anti_entropy_interval <= 0) return;
    const double rounds = static_cast<double>(sc.duration + sc.drain) /
                          static_cast<double>(sc.cluster.anti_entropy_interval);
    const double exchanges = rounds * sc.cluster.nodes;
    if (exchanges > kMaxSyncExchanges)
      fail("$.cluster.anti_entropy_interval_ms",
           fmt::format("anti_entropy_interval_ms {} over duration_ms + drain_ms ({}) with {} nodes "
                       "means about {} sync exchanges; the limit is {}: raise "
                       "anti_entropy_interval_ms or shorten the run (duration_ms)",
                       num(static_cast<double>(sc.cluster.anti_entropy_interval) / 1e6),
                       num(static_cast<double>(sc.duration + sc.drain) / 1e6), sc.cluster.nodes,
                       fmt::format("{:.3g}", exchanges), fmt::format("{:g}", kMaxSyncExchanges)));
  }

  // Each anti-entropy exchange compares every key: bound exchanges x keys.
  void check_anti_entropy_work(const Scenario& sc) const {
    if (sc.cluster.anti_entropy_interval <= 0) return;
    const double exchanges = static_cast<double>(sc.duration + sc.drain) /
                             static_cast<double>(sc.cluster.anti_entropy_interval) * sc.cluster.nodes;
    const double keys = (sc.workload.enabled ? double(sc.workload.keys) : 0.0) +
                        (sc.probe.enabled ? double(sc.probe.keys) : 0.0) + double(sc.script.size());
    if (exchanges * keys > kMaxSyncRecords)
      fail("$.cluster.anti_entropy_interval_ms",
           fmt::format("anti-entropy would compare about {} records ({} exchanges x {} keys); the limit is {}: "
                       "raise anti_entropy_interval_ms, or use fewer keys",
                       fmt::format("{:.3g}", exchanges * keys), fmt::format("{:.3g}", exchanges), keys,
                       fmt::format("{:g}", kMaxSyncRecords)));
  }

  // workload.routing against cluster.replication.
  void check_routing(Routing r, Replication rep, const std::string& path) const {
    if (rep == Replication::leaderless && (r == Routing::leader || r == Routing::followers))
      fail(path, fmt::format("routing \"{}\" needs replication \"leader\" (cluster.replication is "
                             "\"leaderless\": there is no leader); use \"random\", \"sticky\" or "
                             "\"client\"",
                             to_string(r)));
    if (rep == Replication::leader && r == Routing::client)
      fail(path, "routing \"client\" needs replication \"leaderless\" (cluster.replication is "
                 "\"leader\"); use \"random\", \"sticky\", \"leader\" or \"followers\"");
  }

  void check_heartbeat_budget(const Scenario& sc, const json& j) const {
    const double rounds = static_cast<double>(sc.duration + sc.drain) /
                          static_cast<double>(sc.cluster.heartbeat_interval);
    const double msgs = rounds * sc.cluster.nodes * sc.cluster.nodes;
    if (msgs > kMaxHeartbeatMessages) {
      const bool given = j.contains("cluster") && j["cluster"].contains("heartbeat_interval_ms");
      fail(given ? "$.cluster.heartbeat_interval_ms" : "$.duration_ms",
           fmt::format("heartbeat_interval_ms {} over duration_ms + drain_ms ({}) with {} nodes "
                       "means about {} heartbeat messages; the limit is {}: raise "
                       "heartbeat_interval_ms or shorten the run",
                       num(static_cast<double>(sc.cluster.heartbeat_interval) / 1e6),
                       num(static_cast<double>(sc.duration + sc.drain) / 1e6), sc.cluster.nodes,
                       fmt::format("{:.3g}", msgs), fmt::format("{:g}", kMaxHeartbeatMessages)));
    }
  }

  // start_ms/stop_ms of the workload or the probe; stop is clamped to the duration.
  std::pair<Time, Time> active_window(const json& v, const std::string& path) const {
    Time start = 0;
    Time stop = duration_;
    if (const json* x = find(v, "start_ms")) {
      const std::string p = json_path::key(path, "start_ms");
      start = nonneg_time(*x, p, "start_ms");
      if (start >= duration_)
        fail(p, fmt::format("start_ms is {} but must be less than duration_ms ({})",
                            num(x->get<double>()), num(duration_ms_)));
    }
    if (const json* x = find(v, "stop_ms")) {
      const std::string p = json_path::key(path, "stop_ms");
      const Time s = nonneg_time(*x, p, "stop_ms");
      if (s <= start)
        fail(p, fmt::format("stop_ms is {} but must be greater than start_ms ({})",
                            num(x->get<double>()), num(static_cast<double>(start) / 1e6)));
      stop = std::min(s, duration_);
    }
    return {start, stop};
  }

  // ---- workload ----
  WorkloadSpec workload(const json& v, const std::string& path) const {
    expect_object(v, path, "the workload settings");
    check_fields(v, path,
                 {"mode", "rate_per_s", "clients", "think", "read_fraction", "write_fraction",
                  "delete_fraction", "keys", "zipf", "levels", "routing", "start_ms", "stop_ms"});
    WorkloadSpec w;
    w.enabled = true;
    if (const json* x = find(v, "mode"))
      w.mode = enum_value<WorkloadSpec::Mode>(*x, json_path::key(path, "mode"), "mode",
                                              {{"open", WorkloadSpec::Mode::open},
                                               {"closed", WorkloadSpec::Mode::closed}});
    if (const json* x = find(v, "rate_per_s")) {
      const std::string p = json_path::key(path, "rate_per_s");
      w.rate_per_s = number(*x, p);
      if (w.rate_per_s <= 0) fail(p, fmt::format("rate_per_s is {} but must be > 0", num(w.rate_per_s)));
    }
    if (w.mode == WorkloadSpec::Mode::open) {
      const double ops = w.rate_per_s * duration_ms_ / 1000.0;
      if (ops > kMaxWorkloadOps)
        fail(json_path::key(path, "rate_per_s"),
             fmt::format("rate_per_s {} over duration_ms {} would start about {} operations; the "
                         "limit is {}: lower rate_per_s or duration_ms",
                         num(w.rate_per_s), num(duration_ms_), fmt::format("{:.3g}", ops),
                         fmt::format("{:g}", kMaxWorkloadOps)));
    }
    if (const json* x = find(v, "clients"))
      w.clients = uint_value(*x, json_path::key(path, "clients"), "clients", 1, kMaxClients);
    if (const json* x = find(v, "think")) w.think = distribution(*x, json_path::key(path, "think"), true);
    const char* fnames[3] = {"read_fraction", "write_fraction", "delete_fraction"};
    double f[3] = {0.8, 0.2, 0.0};
    for (int i = 0; i < 3; ++i) {
      if (const json* x = find(v, fnames[i])) {
        const std::string p = json_path::key(path, fnames[i]);
        f[i] = number(*x, p);
        if (f[i] < 0 || f[i] > 1)
          fail(p, fmt::format("fraction {} is out of range; expected 0..1", num(f[i])));
      }
    }
    const double sum = f[0] + f[1] + f[2];
    if (std::fabs(sum - 1.0) > kFractionTolerance)
      fail(path, fmt::format("read_fraction + write_fraction + delete_fraction = {} + {} + {} = {} "
                             "but must be 1 (within 1e-6); fractions not given default to 0.8, "
                             "0.2 and 0",
                             num(f[0]), num(f[1]), num(f[2]), num(sum)));
    w.read_fraction = f[0] / sum;
    w.write_fraction = f[1] / sum;
    w.delete_fraction = f[2] / sum;
    if (const json* x = find(v, "keys"))
      w.keys = uint_value(*x, json_path::key(path, "keys"), "keys", 1, kMaxKeys);
    if (const json* x = find(v, "zipf")) {
      const std::string p = json_path::key(path, "zipf");
      w.zipf = number(*x, p);
      if (w.zipf < 0) fail(p, fmt::format("zipf is {} but must be >= 0 (0 = uniform)", num(w.zipf)));
    }
    w.level_weights.fill(0);
    if (const json* x = find(v, "levels")) {
      const std::string p = json_path::key(path, "levels");
      if (x->is_array()) {
        for (Level l : level_list(*x, p)) w.level_weights[static_cast<int>(l)] = 1;
      } else if (x->is_object()) {
        double total = 0;
        for (auto it = x->begin(); it != x->end(); ++it) {
          const std::string lp = json_path::key(p, it.key());
          const Level l = level_from_name(it.key(), lp);
          const double wt = number(it.value(), lp);
          if (wt < 0) fail(lp, fmt::format("weight is {} but must be >= 0", num(wt)));
          w.level_weights[static_cast<int>(l)] = wt;
          total += wt;
        }
        if (!(total > 0))
          fail(p, "at least one level needs a weight > 0 (e.g. {\"eventual\": 1})");
      } else {
        fail(p, "expected an object of level weights (e.g. {\"eventual\": 3, \"strong\": 1}) or an "
                "array of level names, got " + json_path::describe(*x));
      }
    } else {
      w.level_weights[static_cast<int>(Level::eventual)] = 1;
    }
    if (const json* x = find(v, "routing"))
      w.routing = enum_value<Routing>(*x, json_path::key(path, "routing"), "routing",
                                      {{"random", Routing::random},
                                       {"sticky", Routing::sticky},
                                       {"leader", Routing::leader},
                                       {"followers", Routing::followers},
                                       {"client", Routing::client}});
    std::tie(w.start, w.stop) = active_window(v, path);
    return w;
  }

  // ---- script ----
  std::vector<ScriptedOp> script(const json& v, const std::string& path) const {
    expect_array(v, path, "scripted operations");
    std::vector<ScriptedOp> ops;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const json& o = v[i];
      const std::string p = json_path::index(path, i);
      expect_object(o, p, "a scripted operation");
      check_fields(o, p, {"at_ms", "client", "node", "op", "key", "value", "level", "label"});
      ScriptedOp op;
      op.at = time_in_run(require(o, p, "at_ms", "a scripted operation"), json_path::key(p, "at_ms"), "at_ms");
      if (const json* x = find(o, "client"))
        op.client = uint_value(*x, json_path::key(p, "client"), "client", 1, kMaxClients) - 1;
      if (const json* x = find(o, "node")) op.node = node_value(*x, json_path::key(p, "node"));
      op.op = enum_value<OpType>(require(o, p, "op", "a scripted operation"), json_path::key(p, "op"), "op",
                                 {{"get", OpType::get}, {"put", OpType::put}, {"delete", OpType::del}});
      op.key = string_value(require(o, p, "key", "a scripted operation"), json_path::key(p, "key"));
      if (op.key.empty()) fail(json_path::key(p, "key"), "the key is empty; give a non-empty string");
      const json* val = find(o, "value");
      if (op.op == OpType::put) {
        if (!val) fail(p, "missing required field \"value\" in a put");
        op.value = val->is_string() ? val->get<std::string>()
                                    : val->dump(-1, ' ', false, json::error_handler_t::replace);
      } else if (val) {
        fail(json_path::key(p, "value"),
             fmt::format("a value is only allowed with op \"put\" (this op is \"{}\")", to_string(op.op)));
      }
      if (const json* x = find(o, "level")) op.level = level_value(*x, json_path::key(p, "level"));
      if (const json* x = find(o, "label")) op.label = string_value(*x, json_path::key(p, "label"));
      ops.push_back(std::move(op));
    }
    std::stable_sort(ops.begin(), ops.end(),
                     [](const ScriptedOp& a, const ScriptedOp& b) { return a.at < b.at; });
    return ops;
  }

  // ---- probe ----
  ProbeSpec probe(const json& v, const std::string& path) const {
    expect_object(v, path, "the probe settings");
    check_fields(v, path, {"interval_ms", "delays_ms", "levels", "keys", "start_ms", "stop_ms", "target_stale",
                           "k_max", "routing"});
    ProbeSpec pr;
    pr.enabled = true;
    if (const json* x = find(v, "interval_ms"))
      pr.interval = positive_time(*x, json_path::key(path, "interval_ms"), "interval_ms");
    if (const json* x = find(v, "delays_ms")) {
      const std::string p = json_path::key(path, "delays_ms");
      expect_array(*x, p, "read delays in ms");
      if (x->empty()) fail(p, "the list of delays is empty; give at least one (e.g. [0, 5, 50])");
      if (x->size() > kMaxListEntries)
        fail(p, fmt::format("{} delays given; the limit is {}", x->size(), kMaxListEntries));
      for (std::size_t i = 0; i < x->size(); ++i)
        pr.delays.push_back(nonneg_time((*x)[i], json_path::index(p, i), "delay"));
    } else {
      for (double d : {0.0, 1.0, 5.0, 50.0, 100.0}) pr.delays.push_back(ms_to_ns(d));
    }
    if (const json* x = find(v, "levels")) pr.levels = level_list(*x, json_path::key(path, "levels"));
    if (const json* x = find(v, "keys"))
      pr.keys = uint_value(*x, json_path::key(path, "keys"), "keys", 1, kMaxKeys);
    if (const json* x = find(v, "target_stale")) {
      const std::string p = json_path::key(path, "target_stale");
      pr.target_stale = number(*x, p);
      if (!(pr.target_stale > 0 && pr.target_stale <= 1))
        fail(p, fmt::format("target_stale is {} but must be > 0 and <= 1 (a probability, e.g. 0.001 for 0.1%)",
                            num(pr.target_stale)));
    }
    if (const json* x = find(v, "k_max")) pr.k_max = uint_value(*x, json_path::key(path, "k_max"), "k_max", 1, kMaxProbeK);
    std::tie(pr.start, pr.stop) = active_window(v, path);
    // Writes to one key come every interval * keys; a read-back later than
    // that would be judged against the next write, not its own.
    if (!pr.delays.empty()) {
      const Time spacing = pr.interval * static_cast<Time>(pr.keys);
      const Time largest = *std::max_element(pr.delays.begin(), pr.delays.end());
      if (largest >= spacing)
        fail(json_path::key(path, "delays_ms"),
             fmt::format("the largest delay ({} ms) must be shorter than interval_ms x keys ({} ms x {} = {} ms), "
                         "the time between two probe writes to one key; raise interval_ms or keys",
                         num(static_cast<double>(largest) / 1e6), num(static_cast<double>(pr.interval) / 1e6), pr.keys,
                         num(static_cast<double>(spacing) / 1e6)));
    }
    const double writes = static_cast<double>(pr.stop - pr.start) / static_cast<double>(pr.interval);
    const double reads = writes * (1.0 + static_cast<double>(pr.delays.size() * pr.levels.size()));
    if (reads > kMaxProbeReads)
      fail(json_path::key(path, "interval_ms"),
           fmt::format("the probe would issue about {} operations ({} writes, each read back at {} "
                       "delays x {} levels); the limit is {}: raise interval_ms",
                       fmt::format("{:.3g}", reads), fmt::format("{:.3g}", writes), pr.delays.size(),
                       pr.levels.size(), fmt::format("{:g}", kMaxProbeReads)));
    return pr;
  }

  // ---- timeline ----
  std::vector<TimelineEvent> timeline(const json& v, const std::string& path, const json& base_network) {
    expect_array(v, path, "timeline events");
    std::vector<std::string> fields = {"at_ms"};
    std::vector<std::string> actions(std::begin(kActions), std::end(kActions));
    fields.insert(fields.end(), actions.begin(), actions.end());
    std::vector<PendingEvent> pending;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const json& e = v[i];
      const std::string p = json_path::index(path, i);
      expect_object(e, p, "a timeline event");
      check_fields(e, p, fields);
      std::vector<std::string> present;
      for (const auto& a : actions)
        if (e.contains(a)) present.push_back(a);
      if (present.empty())
        fail(p, "an event needs exactly one action, found none; add one of: " + plain_list(actions));
      if (present.size() > 1)
        fail(p, fmt::format("an event has exactly one action, found {}; split it into separate "
                            "events with the same at_ms",
                            qlist(present, " and ")));
      PendingEvent pe;
      pe.index = i;
      TimelineEvent& ev = pe.ev;
      ev.at = time_in_run(require(e, p, "at_ms", "a timeline event"), json_path::key(p, "at_ms"), "at_ms");
      const std::string& a = present[0];
      const json& x = e[a];
      const std::string ap = json_path::key(p, a);
      if (a == "crash" || a == "restart" || a == "pause" || a == "resume") {
        ev.kind = a == "crash"     ? TimelineEvent::Kind::crash
                  : a == "restart" ? TimelineEvent::Kind::restart
                  : a == "pause"   ? TimelineEvent::Kind::pause
                                   : TimelineEvent::Kind::resume;
        ev.nodes = node_list(x, ap);
      } else if (a == "partition") {
        ev.kind = TimelineEvent::Kind::partition;
        expect_array(x, ap, "groups of node numbers, e.g. [[1], [2, 3]]");
        if (x.empty()) fail(ap, "a partition needs at least one group, e.g. [[1], [2, 3]]");
        std::vector<int> group_of(nodes_, -1);
        for (std::size_t g = 0; g < x.size(); ++g) {
          const std::string gp = json_path::index(ap, g);
          expect_array(x[g], gp, "a group of node numbers");
          if (x[g].empty()) fail(gp, "a partition group is empty; list at least one node");
          std::vector<NodeId> group;
          for (std::size_t k = 0; k < x[g].size(); ++k) {
            const NodeId n = node_value(x[g][k], json_path::index(gp, k));
            if (group_of[n] >= 0)
              fail(json_path::index(gp, k), fmt::format("node {} is already in group {}; a node can be in "
                                                "at most one group",
                                                n + 1, group_of[n]));
            group_of[n] = static_cast<int>(g);
            group.push_back(n);
          }
          ev.groups.push_back(std::move(group));
        }
      } else if (a == "heal") {
        if (!x.is_boolean() || !x.get<bool>()) fail(ap, "expected true, got " + json_path::describe(x));
        ev.kind = TimelineEvent::Kind::heal;
      } else if (a == "cut" || a == "restore") {
        ev.kind = a == "cut" ? TimelineEvent::Kind::cut : TimelineEvent::Kind::restore;
        expect_object(x, ap, "{\"from\": node, \"to\": node}");
        check_fields(x, ap, {"from", "to"});
        ev.from = node_value(require(x, ap, "from", "a link"), json_path::key(ap, "from"));
        ev.to = node_value(require(x, ap, "to", "a link"), json_path::key(ap, "to"));
        if (ev.from == ev.to)
          fail(ap, fmt::format("from and to are both node {}; a link joins two different nodes", ev.from + 1));
      } else {
        ev.kind = TimelineEvent::Kind::set_network;
        expect_object(x, ap, "a JSON merge patch of the network settings");
        pe.patch = &x;
      }
      pending.push_back(std::move(pe));
    }
    std::stable_sort(pending.begin(), pending.end(),
                     [](const PendingEvent& a, const PendingEvent& b) { return a.ev.at < b.ev.at; });
    // Network patches apply in time order, each to the network then in force.
    json current = base_network.is_object() ? base_network : json::object();
    std::vector<TimelineEvent> out;
    for (PendingEvent& pe : pending) {
      if (pe.patch) {
        json next = current;
        // A distribution in the patch that names its "type" replaces the old one
        // instead of merging into it (stale parameters of another type would
        // otherwise survive the merge).
        for (const char* k : {"delay", "client_delay"}) {
          const json* pd = find(*pe.patch, k);
          if (pd && pd->is_object() && pd->contains("type")) next.erase(k);
        }
        // The same for the delay of each kind in "kinds".
        const json* pk = find(*pe.patch, "kinds");
        json* nk = next.contains("kinds") ? &next["kinds"] : nullptr;
        if (pk && pk->is_object() && nk && nk->is_object()) {
          for (auto it = pk->begin(); it != pk->end(); ++it) {
            const json* pd = it->is_object() ? find(*it, "delay") : nullptr;
            if (pd && pd->is_object() && pd->contains("type") && nk->contains(it.key()) &&
                (*nk)[it.key()].is_object())
              (*nk)[it.key()].erase("delay");
          }
        }
        next.merge_patch(*pe.patch);
        pe.ev.network = network(next, json_path::key(json_path::index(path, pe.index), "network"));
        current = std::move(next);
      }
      out.push_back(std::move(pe.ev));
    }
    return out;
  }

  // ---- expect: assertions on report values (evaluated by sim/check/expect.h) ----
  std::vector<Expectation> expectations(const json& v, const std::string& path) const {
    expect_array(v, path, "expectations on report values");
    std::vector<Expectation> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const json& o = v[i];
      const std::string p = json_path::index(path, i);
      expect_object(o, p, "an expectation, e.g. {\"path\": \"levels.strong.stale_reads\", \"op\": \"==\", \"value\": 0}");
      check_fields(o, p, {"path", "op", "value", "note"});
      Expectation e;
      e.path = string_value(require(o, p, "path", "an expectation"), json_path::key(p, "path"));
      if (e.path.empty() || e.path.front() == '.' || e.path.back() == '.' ||
          e.path.find("..") != std::string::npos)
        fail(json_path::key(p, "path"), fmt::format("path {} is not a dot-separated path into the report "
                                              "(e.g. \"levels.eventual.stale_rate\", \"probe.eventual.0.stale_rate\")",
                                              json_path::quoted(e.path)));
      e.op = enum_value<Expectation::Op>(require(o, p, "op", "an expectation"), json_path::key(p, "op"), "op",
                                         {{"==", Expectation::Op::eq}, {"!=", Expectation::Op::ne},
                                          {"<", Expectation::Op::lt}, {"<=", Expectation::Op::le},
                                          {">", Expectation::Op::gt}, {">=", Expectation::Op::ge}});
      const json& val = require(o, p, "value", "an expectation");
      const std::string vp = json_path::key(p, "value");
      if (val.is_number()) {
        e.kind = Expectation::Kind::number;
        e.number = number(val, vp);
      } else if (val.is_boolean() || val.is_string()) {
        e.kind = val.is_boolean() ? Expectation::Kind::boolean : Expectation::Kind::string;
        if (val.is_boolean()) e.boolean = val.get<bool>(); else e.text = val.get<std::string>();
        if (e.op != Expectation::Op::eq && e.op != Expectation::Op::ne)
          fail(json_path::key(p, "op"), fmt::format("op \"{}\" needs a number; a {} value allows only \"==\" and \"!=\"",
                                              o.at("op").get<std::string>(), val.is_boolean() ? "boolean" : "string"));
      } else {
        fail(vp, "expected a number, a boolean or a string, got " + json_path::describe(val));
      }
      if (const json* x = find(o, "note")) e.note = string_value(*x, json_path::key(p, "note"));
      out.push_back(std::move(e));
    }
    return out;
  }

  // ---- measure ----
  MeasureSpec measure(const json* v, const std::string& path) const {
    MeasureSpec m;
    const json empty = json::object();
    const json& o = v ? *v : empty;
    expect_object(o, path, "the measurement settings");
    check_fields(o, path, {"window_edges_ms", "lost_write_window", "warmup_ms", "linearizability"});
    if (const json* x = find(o, "window_edges_ms")) {
      const std::string p = json_path::key(path, "window_edges_ms");
      expect_array(*x, p, "increasing window edges in ms");
      if (x->empty()) fail(p, "the list of window edges is empty; give at least one (e.g. [0, 10, 100])");
      if (x->size() > kMaxListEntries)
        fail(p, fmt::format("{} window edges given; the limit is {}", x->size(), kMaxListEntries));
      double prev = 0;
      for (std::size_t i = 0; i < x->size(); ++i) {
        const std::string ip = json_path::index(p, i);
        const Time t = nonneg_time((*x)[i], ip, "window edge");
        const double d = (*x)[i].get<double>();
        if (i > 0 && !(t > m.window_edges.back()))
          fail(ip, fmt::format("window edge {} must be greater than the previous edge ({}); edges "
                               "are strictly increasing",
                               num(d), num(prev)));
        m.window_edges.push_back(t);
        prev = d;
      }
    } else {
      for (double d : {0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0,
                       5000.0, 10000.0})
        m.window_edges.push_back(ms_to_ns(d));
    }
    if (const json* x = find(o, "lost_write_window"))
      m.lost_write_window = uint_value(*x, json_path::key(path, "lost_write_window"), "lost_write_window", 1,
                                       kMaxLostWriteWindow);
    if (const json* x = find(o, "warmup_ms")) {
      const std::string p = json_path::key(path, "warmup_ms");
      m.warmup = nonneg_time(*x, p, "warmup_ms");
      if (m.warmup >= duration_)
        fail(p, fmt::format("warmup_ms is {} but must be less than duration_ms ({})",
                            num(x->get<double>()), num(duration_ms_)));
    }
    if (const json* x = find(o, "linearizability"))
      m.linearizability = bool_value(*x, json_path::key(path, "linearizability"));
    return m;
  }
};

}  // namespace

Scenario scenario_from_json(const nlohmann::json& j, const std::string& source) {
  return Loader(source).load(j);
}

Scenario load_scenario(const std::string& path, const std::vector<std::string>& sets) {
  const std::string source = path.empty() ? "<default>" : path;
  for (const auto& s : sets) check_set_syntax(s);
  json j = path.empty() ? parse_scenario_text(default_scenario_text(), source) : read_scenario_file(path);
  for (const auto& s : sets) apply_set(j, s, source);
  try {
    return scenario_from_json(j, source);
  } catch (const InputError& e) {
    if (sets.empty()) throw;
    throw InputError(std::string(e.what()) + " (in the scenario after --set)");
  }
}

std::string nearest_name(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = SIZE_MAX;
  std::vector<std::size_t> prev, row;
  for (const auto& c : candidates) {
    // Levenshtein distance, two rows.
    prev.resize(c.size() + 1);
    row.resize(c.size() + 1);
    for (std::size_t k = 0; k <= c.size(); ++k) prev[k] = k;
    for (std::size_t i = 1; i <= word.size(); ++i) {
      row[0] = i;
      for (std::size_t k = 1; k <= c.size(); ++k) {
        const std::size_t sub = prev[k - 1] + (word[i - 1] == c[k - 1] ? 0 : 1);
        row[k] = std::min({prev[k] + 1, row[k - 1] + 1, sub});
      }
      std::swap(prev, row);
    }
    const std::size_t d = prev[c.size()];
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  const std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
  return best_d <= limit ? best : std::string();
}

}  // namespace consim
