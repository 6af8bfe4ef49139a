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
#include <cassert>
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

#include "sim/scenario/fields.h"
#include "sim/scenario/names.h"

namespace consim {

namespace {

using json = nlohmann::json;

// ---- limits (documented in docs/scenario-format.md, "Limits"); the ranges of
// single fields are declared with the fields (sim/scenario/fields.h) ----
using fields::kMaxClients;
using fields::kMaxClockDriftPpm;
using fields::kMaxClockOffsetMs;
using fields::kMaxKeys;
using fields::kMaxListEntries;
using fields::kMaxLostWriteWindow;
using fields::kMaxRedirectsLimit;
using fields::kMaxTimeMs;
constexpr double kMaxWorkloadOps = 1e9;           // open loop: rate_per_s * duration
constexpr double kMaxProbeReads = 1e9;            // probe writes * (1 + delays * levels)
constexpr double kMaxHeartbeatMessages = 1e10;    // (duration + drain) / heartbeat * nodes^2
constexpr double kMaxSyncExchanges = 1e6;         // (duration + drain) / anti_entropy_interval * nodes
constexpr double kMaxSyncRecords = 2e9;           // anti-entropy: exchanges x keys compared
constexpr double kFractionTolerance = 1e-6;

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

  // The whole scenario. Each section is read on after a failure in another
  // (errors_ collects them), except that the top level's and the cluster's
  // values must be right before anything that depends on them is judged.
  Scenario load(const json& j) {
    Scenario sc;
    sc.source = src_;
    const std::string root = "$";
    const fields::Object& decl = fields::root();
    expect_object(j, root, "the scenario");
    check_declared(j, root, decl);
    if (const json* v = find(j, "$schema")) attempt([&] { string_value(*v, json_path::key(root, "$schema")); });
    if (const json* v = find(j, "seed")) attempt([&] { sc.seed = seed_value(*v, json_path::key(root, "seed")); });
    const std::set<std::string> root_failed = plain_fields(j, root, decl, &sc, "the scenario");
    duration_ = sc.duration;
    duration_ms_ = static_cast<double>(sc.duration) / 1e6;

    const std::size_t before_cluster = errors_.size();
    if (const json* v = find(j, "cluster")) {
      attempt([&] { sc.cluster = cluster(*v, json_path::key(root, "cluster")); });
    } else {
      sc.cluster.clock_offset.assign(sc.cluster.nodes, 0);
      sc.cluster.clock_drift_ppb.assign(sc.cluster.nodes, 0);
    }
    // Everything below is judged against the run's length and the cluster.
    if (root_failed.count("duration_ms") || root_failed.count("drain_ms") || errors_.size() > before_cluster)
      throw Failed{};
    nodes_ = sc.cluster.nodes;
    replication_ = sc.cluster.replication;
    attempt([&] { check_heartbeat_budget(sc, j); });
    attempt([&] { check_anti_entropy_budget(sc); });

    static const json kEmptyObject = json::object();
    const json* net_json = find(j, "network");
    const std::size_t before_network = errors_.size();
    if (net_json) attempt([&] { sc.network = network(*net_json, json_path::key(root, "network")); });
    const bool network_ok = errors_.size() == before_network;
    if (const json* v = find(j, "workload")) {
      attempt([&] {
        const std::string wpath = json_path::key(root, "workload");
        sc.workload = workload(*v, wpath);
        check_routing(sc.workload.routing, sc.cluster.replication, json_path::key(wpath, "routing"));
      });
    }
    if (const json* v = find(j, "script")) attempt([&] { sc.script = script(*v, json_path::key(root, "script")); });
    if (const json* v = find(j, "probe")) {
      attempt([&] {
        const std::string ppath = json_path::key(root, "probe");
        sc.probe = probe(*v, ppath);
        // The probe's coordinators: its own routing, else the workload's.
        sc.probe.routing = sc.workload.routing;
        if (const json* x = find(*v, "routing")) {
          // Leader mode ignores it (the probe writes to the leader and reads
          // from another node), so any routing name is accepted there.
          sc.probe.routing = enum_value(*x, json_path::key(ppath, "routing"), "routing", kRoutingNames);
          if (sc.cluster.replication == Replication::leaderless)
            check_routing(sc.probe.routing, sc.cluster.replication, json_path::key(ppath, "routing"));
        }
      });
    }
    attempt([&] { check_anti_entropy_work(sc); });
    if (const json* v = find(j, "timeline"))
      attempt([&] {
        sc.timeline = timeline(*v, json_path::key(root, "timeline"), net_json ? *net_json : kEmptyObject, network_ok);
      });
    attempt([&] { sc.measure = measure(find(j, "measure"), json_path::key(root, "measure")); });
    if (const json* v = find(j, "expect"))
      attempt([&] { sc.expect = expectations(*v, json_path::key(root, "expect")); });
    stop_if_failed();
    // The run's memory budget (sim/scenario/budget.h), on a scenario that passed.
    try {
      check_run_budget(sc, src_);
    } catch (const InputError& e) {
      errors_.push_back(e.what());
      throw Failed{};
    }
    return sc;
  }

  // ---- the network at one time: also used for merge-patched timeline events ----
  NetworkSpec network(const json& v, const std::string& path) {
    expect_object(v, path, "the network settings");
    const fields::Object& decl = fields::network();
    check_declared(v, path, decl);
    NetworkSpec n;
    plain_fields(v, path, decl, &n, "the network settings");
    if (const json* d = find(v, "delay"))
      attempt([&] { n.delay = distribution(*d, json_path::key(path, "delay"), true); });
    if (const json* d = find(v, "client_delay"))
      attempt([&] { n.client_delay = distribution(*d, json_path::key(path, "client_delay"), true); });
    if (const json* d = find(v, "kinds")) attempt([&] { n.kinds = kinds(*d, json_path::key(path, "kinds")); });
    if (const json* d = find(v, "links")) {
      const std::string lpath = json_path::key(path, "links");
      expect_array(*d, lpath, "link overrides");
      for (std::size_t i = 0; i < d->size(); ++i) {
        attempt([&] {
          const json& l = (*d)[i];
          const std::string p = json_path::index(lpath, i);
          expect_object(l, p, "a link override");
          const fields::Object& ldecl = fields::link();
          check_declared(l, p, ldecl);
          LinkSpec ls;
          ls.from = endpoint(require(l, p, "from", "a link override"), json_path::key(p, "from"));
          ls.to = endpoint(require(l, p, "to", "a link override"), json_path::key(p, "to"));
          if (ls.from == kClientEndpoint && ls.to == kClientEndpoint)
            fail_rule("cut-two-nodes", p, "a link from \"client\" to \"client\" has no effect (clients only talk to "
                    "nodes); make one end a node number");
          plain_fields(l, p, ldecl, &ls, "a link override");
          if (const json* x = find(l, "delay"))
            attempt([&] { ls.delay = distribution(*x, json_path::key(p, "delay"), true); });
          if (const json* x = find(l, "kinds")) attempt([&] { ls.kinds = kinds(*x, json_path::key(p, "kinds")); });
          n.links.push_back(std::move(ls));
        });
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
          if (pass == 1) continue;  // reported in the first pass
          std::string msg = "unknown message kind " + json_path::quoted(it.key());
          const std::string near = nearest_name(it.key(), names);
          if (!near.empty()) msg += "; did you mean " + json_path::quoted(near) + "?";
          msg += " (kinds: " + plain_list(names) + ")";
          attempt([&] { fail(p, msg); });
          continue;
        }
        if (kn->group != (pass == 0)) continue;
        attempt([&] {
          const json& o = it.value();
          expect_object(o, p, "overrides for this kind of message: {\"delay\", \"loss\", \"duplicate\"}");
          const fields::Object& kdecl = fields::kind_override();
          check_declared(o, p, kdecl);
          KindSpec ks;
          plain_fields(o, p, kdecl, &ks, "overrides for this kind of message");
          if (const json* x = find(o, "delay"))
            attempt([&] { ks.delay = distribution(*x, json_path::key(p, "delay"), true); });
          for (MsgKind k : kn->kinds) {
            KindSpec& dst = out[static_cast<int>(k)];
            if (ks.delay) dst.delay = ks.delay;
            if (ks.loss) dst.loss = ks.loss;
            if (ks.duplicate) dst.duplicate = ks.duplicate;
          }
        });
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

  // ---- errors: each is recorded, then the reading of that field stops ----
 public:
  struct Failed {};  // thrown by fail(), caught by attempt() or by scenario_from_json()

 private:
  mutable std::vector<std::string> errors_;

  [[noreturn]] void fail(const std::string& path, const std::string& problem) const {
    errors_.push_back(src_ + ": " + path + ": " + problem);
    throw Failed{};
  }

  // A failure of a rule between fields: the rule is listed in fields::rules()
  // (the schema's description quotes that list; the corpus tags cases with it).
  [[noreturn]] void fail_rule(std::string_view rule, const std::string& path, const std::string& problem) const {
    assert(fields::is_rule(rule) && "a rule between fields is listed in fields::rules()");
    (void)rule;
    fail(path, problem);
  }

  // Run one reading step; a failure in it is recorded and reading goes on.
  template <typename F>
  bool attempt(F&& step) const {
    try {
      step();
      return true;
    } catch (const Failed&) {
      return false;
    }
  }

  // Stop here when anything failed so far (later checks would be judged
  // against defaults instead of the file's values).
  void stop_if_failed() const {
    if (!errors_.empty()) throw Failed{};
  }

 public:
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  // ---- the declarations' part (sim/scenario/fields.h) ----
  void check_declared(const json& obj, const std::string& path, const fields::Object& decl,
                    const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> allowed = decl.names();
    allowed.insert(allowed.end(), extra.begin(), extra.end());
    check_fields(obj, path, allowed);
  }

  // One value of a declared scalar field, checked against its type and range.
  fields::Value scalar(const fields::Field& f, const json& v, const std::string& path) const {
    using fields::Type;
    fields::Value out;
    switch (f.type) {
      case Type::string: out.text = string_value(v, path); break;
      case Type::boolean: out.boolean = bool_value(v, path); break;
      case Type::integer: out.number = uint_value(v, path, f.name, f.min, f.max); break;
      case Type::name: {
        std::vector<std::pair<std::string, std::size_t>> choices;
        for (std::size_t i = 0; i < f.names.size(); ++i) choices.emplace_back(std::string(f.names[i]), i);
        out.index = enum_value<std::size_t>(v, path, f.name, choices);
        break;
      }
      case Type::number: {
        const bool ms = f.unit == "ms";
        const double d = ms ? ms_number(v, path, f.name) : number(v, path);
        out.number = d;
        if ((f.unit == "probability" && !f.min_exclusive) || f.unit == "fraction") {
          if (d < f.min || d > f.max)
            fail(path, fmt::format("{} {} is out of range; expected {}..{}", f.unit, num(d), num(f.min), num(f.max)));
        } else if ((f.min_exclusive ? d <= f.min : d < f.min) || (!ms && d > f.max)) {
          const std::string range = ms ? fmt::format("{} {}", f.min_exclusive ? ">" : ">=", num(f.min)) : f.range_text();
          fail(path, fmt::format("{} is {} but must be {}{}", f.name, num(d), range,
                                 !f.hint_if_negative || d < 0 ? f.hint : std::string()));
        }
        if (f.time) {
          out.ns = ms_to_ns(d);
          if (f.min_exclusive && out.ns < 1)
            fail_rule("ns-resolution", path, fmt::format("{} is {}, which rounds to 0 ns; it must be at least 0.000001 (1 ns)", f.name,
                                   num(d)));
        }
        break;
      }
      case Type::object:
      case Type::custom: assert(false && "not a scalar"); break;
    }
    return out;
  }

  // Every field of `decl` declared with the member it fills, read into
  // `spec` in declaration order; a required one that is missing is an
  // error ("missing required field ... in <what>"). Each failure is
  // recorded and the next field read. Returns the names that failed.
  std::set<std::string> plain_fields(const json& obj, const std::string& path, const fields::Object& decl, void* spec,
                                     const std::string& what) const {
    std::set<std::string> failed;
    for (const fields::Field& f : decl.fields) {
      if (!f.fill) continue;
      const json* x = find(obj, f.name.c_str());
      const bool ok = attempt([&] {
        if (!x) {
          if (f.required) require(obj, path, f.name.c_str(), what.c_str());
          return;
        }
        f.fill(spec, scalar(f, *x, json_path::key(path, f.name)));
      });
      if (!ok) failed.insert(f.name);
    }
    return failed;
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
    // Every unknown field is reported; the known ones are read on.
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      if (std::find(allowed.begin(), allowed.end(), it.key()) != allowed.end()) continue;
      const std::string near = nearest_name(it.key(), allowed);
      std::string msg = "unknown field " + json_path::quoted(it.key());
      if (!near.empty())
        msg += "; did you mean " + json_path::quoted(near) + "?";
      else
        msg += "; valid fields here: " + plain_list(allowed);
      attempt([&] { fail(json_path::key(path, it.key()), msg); });
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
      fail_rule("ns-resolution", path, fmt::format("{} is {}, which rounds to 0 ns; it must be at least 0.000001 (1 ns)",
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
      fail_rule("within-run", path, fmt::format("{} is {} but must be within the run: 0..{} (duration_ms)", name,
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

  template <typename E, std::size_t N>
  E enum_value(const json& v, const std::string& path, const std::string& name, const NameTable<E, N>& table) const {
    std::vector<std::pair<std::string, E>> choices;
    for (std::size_t i = 0; i < N; ++i) choices.emplace_back(std::string(table.names[i]), static_cast<E>(i));
    return enum_value<E>(v, path, name, choices);
  }

  Level level_from_name(const std::string& s, const std::string& path) const {
    Level l;
    if (parse_level(s, l)) {
      if (l == Level::leader && replication_ == Replication::leaderless)
        fail_rule("mode-values", path, "level \"leader\" needs replication \"leader\" (cluster.replication is "
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
      fail_rule("node-exists", path, fmt::format("node {} does not exist; expected 1..{} (cluster.nodes is {})", num(d),
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

  // An object distribution: "type" picks the declaration (fields::distribution),
  // whose plain fields (the parameters, shift_ms) fill the Distribution.
  Distribution distribution_object(const json& v, const std::string& path, bool allow_mixture,
                                   bool in_mixture) const {
    const json* t = find(v, "type");
    if (!t)
      fail(path, "missing required field \"type\" in a distribution; expected " +
                     qlist(std::vector<std::string>(kDistributionKindNames.names.begin(), kDistributionKindNames.names.end())));
    using K = Distribution::Kind;
    const K k = enum_value(*t, json_path::key(path, "type"), "distribution type", kDistributionKindNames);
    if (k == K::mixture && !allow_mixture)
      fail(json_path::key(path, "type"),
           "a mixture component cannot itself be a mixture; list its components in the outer "
           "mixture instead");
    const fields::Object& decl = fields::distribution(k);
    if (in_mixture)
      check_declared(v, path, decl, {fields::mixture_weight().name});
    else
      check_declared(v, path, decl);
    const std::string what = "a " + std::string(kDistributionKindNames[k]) + " distribution";
    Distribution d;
    d.kind = k;
    const std::set<std::string> failed = plain_fields(v, path, decl, &d, what);
    if (k == K::uniform && !failed.count("min_ms") && !failed.count("max_ms") && d.b < d.a)
      attempt([&] {
        fail_rule("uniform-ordered", json_path::key(path, "max_ms"), fmt::format("max_ms is {} but must be >= min_ms ({})", num(d.b), num(d.a)));
      });
    if (k == K::mixture) {
      const std::string cpath = json_path::key(path, "components");
      const json& comps = require(v, path, "components", what.c_str());
      expect_array(comps, cpath, "mixture components");
      if (comps.empty()) fail(cpath, "a mixture needs at least one component");
      for (std::size_t i = 0; i < comps.size(); ++i) {
        attempt([&] {
          const std::string p = json_path::index(cpath, i);
          const json& c = comps[i];
          expect_object(c, p, "a mixture component: a distribution object with a \"weight\"");
          double w = 1;
          if (const json* wj = find(c, "weight")) w = scalar(fields::mixture_weight(), *wj, json_path::key(p, "weight")).number;
          d.components.push_back(distribution_object(c, p, false, true));
          d.weights.push_back(w);
        });
      }
    }
    return d;
  }

  // ---- cluster ----
  ClusterSpec cluster(const json& v, const std::string& path) const {
    expect_object(v, path, "the cluster settings");
    const fields::Object& decl = fields::cluster();
    const std::size_t before = errors_.size();
    check_declared(v, path, decl);
    ClusterSpec c;
    // The plain fields first (replication and nodes bound the rest); a bad
    // one ends the cluster here, as the rest would be judged against it.
    plain_fields(v, path, decl, &c, "the cluster settings");
    if (errors_.size() > before) throw Failed{};
    const bool leaderless = c.replication == Replication::leaderless;
    // Leaderless-only plain fields: in leader mode each is accepted only at its default.
    auto leaderless_only = [&](const std::string& key, bool is_default) {
      if (!leaderless && !is_default)
        attempt([&] {
          fail(json_path::key(path, key), "applies to replication \"leaderless\" only (cluster.replication is \"leader\")");
        });
    };
    for (const fields::Field& f : decl.fields) {
      const json* x = find(v, f.name.c_str());
      if (f.mode == fields::Mode::leaderless && f.fill && x)
        leaderless_only(f.name, *x == json::parse(f.default_json));
    }
    c.replicas = c.nodes;
    if (const json* x = find(v, "replicas")) {
      const std::string p = json_path::key(path, "replicas");
      c.replicas = replicas_value(*x, p, c.nodes);
      if (!leaderless && c.replicas != c.nodes)
        fail_rule("replicas-within-nodes", p, "replicas applies to replication \"leaderless\"; in leader mode every node holds "
                "every key");
    }
    const std::string bound = fmt::format("{} ({})", leaderless ? "replicas" : "nodes", c.replicas);
    c.write_quorum = std::min<std::uint32_t>(2, c.replicas);
    c.read_quorum = 1;
    if (const json* x = find(v, "write_quorum"))
      attempt([&] { c.write_quorum = quorum(*x, json_path::key(path, "write_quorum"), "write_quorum", c.replicas, bound); });
    if (const json* x = find(v, "read_quorum"))
      attempt([&] { c.read_quorum = quorum(*x, json_path::key(path, "read_quorum"), "read_quorum", c.replicas, bound); });
    // Rule election-after-heartbeat.
    if (c.election_timeout <= c.heartbeat_interval) {
      const bool et_given = find(v, "election_timeout_ms") != nullptr;
      attempt([&] {
        fail_rule("election-after-heartbeat", json_path::key(path, et_given ? "election_timeout_ms" : "heartbeat_interval_ms"),
             fmt::format("election_timeout_ms ({}) must be greater than heartbeat_interval_ms ({})",
                         num(static_cast<double>(c.election_timeout) / 1e6),
                         num(static_cast<double>(c.heartbeat_interval) / 1e6)));
      });
    }
    if (const json* x = find(v, "read_repair"))
      attempt([&] { read_repair(*x, json_path::key(path, "read_repair"), c); });
    c.clock_offset.assign(c.nodes, 0);
    c.clock_drift_ppb.assign(c.nodes, 0);
    if (const json* x = find(v, "clock_offset_ms")) {
      attempt([&] {
        const std::vector<double> ms =
            per_node(*x, json_path::key(path, "clock_offset_ms"), "clock_offset_ms", kMaxClockOffsetMs, c.nodes,
                     "1 hour");
        bool zero = true;
        for (std::uint32_t i = 0; i < c.nodes; ++i) {
          c.clock_offset[i] = ms_to_ns(ms[i]);
          zero = zero && c.clock_offset[i] == 0;
        }
        leaderless_only("clock_offset_ms", zero);
      });
    }
    if (const json* x = find(v, "clock_drift_ppm")) {
      attempt([&] {
        const std::vector<double> ppm =
            per_node(*x, json_path::key(path, "clock_drift_ppm"), "clock_drift_ppm", kMaxClockDriftPpm, c.nodes,
                     "10%");
        bool zero = true;
        for (std::uint32_t i = 0; i < c.nodes; ++i) {
          c.clock_drift_ppb[i] = std::llround(ppm[i] * 1000);
          zero = zero && c.clock_drift_ppb[i] == 0;
        }
        leaderless_only("clock_drift_ppm", zero);
      });
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
  void read_repair(const json& v, const std::string& path, ClusterSpec& c) const {
    c.read_repair_blocking = false;
    if (v.is_boolean()) {
      c.read_repair = v.get<bool>();
      return;
    }
    const ReadRepair m = enum_value(v, path, "read_repair", kReadRepairNames);
    c.read_repair = m != ReadRepair::off;
    if (m == ReadRepair::blocking) {
      if (c.replication != Replication::leaderless)
        fail_rule("mode-values", path, "read_repair \"blocking\" needs replication \"leaderless\" (cluster.replication "
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
        fail_rule("clock-entry-per-node", path, fmt::format("{} has {} entries but must have one per node: {} (cluster.nodes), "
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
      fail_rule("mode-values", path, fmt::format("routing \"{}\" needs replication \"leader\" (cluster.replication is "
                             "\"leaderless\": there is no leader); use \"random\", \"sticky\" or "
                             "\"client\"",
                             to_string(r)));
    if (rep == Replication::leader && r == Routing::client)
      fail_rule("mode-values", path, "routing \"client\" needs replication \"leaderless\" (cluster.replication is "
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
        fail_rule("within-run", p, fmt::format("start_ms is {} but must be less than duration_ms ({})",
                            num(x->get<double>()), num(duration_ms_)));
    }
    if (const json* x = find(v, "stop_ms")) {
      const std::string p = json_path::key(path, "stop_ms");
      const Time s = nonneg_time(*x, p, "stop_ms");
      if (s <= start)
        fail_rule("stop-after-start", p, fmt::format("stop_ms is {} but must be greater than start_ms ({})",
                            num(x->get<double>()), num(static_cast<double>(start) / 1e6)));
      stop = std::min(s, duration_);
    }
    return {start, stop};
  }

  // ---- workload ----
  WorkloadSpec workload(const json& v, const std::string& path) const {
    expect_object(v, path, "the workload settings");
    const fields::Object& decl = fields::workload();
    check_declared(v, path, decl);
    WorkloadSpec w;
    w.enabled = true;
    plain_fields(v, path, decl, &w, "the workload settings");
    if (w.mode == WorkloadSpec::Mode::open) {
      const double ops = w.rate_per_s * duration_ms_ / 1000.0;
      if (ops > kMaxWorkloadOps)
        fail(json_path::key(path, "rate_per_s"),
             fmt::format("rate_per_s {} over duration_ms {} would start about {} operations; the "
                         "limit is {}: lower rate_per_s or duration_ms",
                         num(w.rate_per_s), num(duration_ms_), fmt::format("{:.3g}", ops),
                         fmt::format("{:g}", kMaxWorkloadOps)));
    }
    if (const json* x = find(v, "think"))
      attempt([&] { w.think = distribution(*x, json_path::key(path, "think"), true); });
    const char* fnames[3] = {"read_fraction", "write_fraction", "delete_fraction"};
    double f[3] = {0.8, 0.2, 0.0};
    bool fractions_read = true;
    for (int i = 0; i < 3; ++i) {
      if (const json* x = find(v, fnames[i]))
        fractions_read &= attempt([&] { f[i] = scalar(decl.at(fnames[i]), *x, json_path::key(path, fnames[i])).number; });
    }
    if (!fractions_read) throw Failed{};  // recorded; their sum needs them
    const double sum = f[0] + f[1] + f[2];
    if (std::fabs(sum - 1.0) > kFractionTolerance)
      fail_rule("fractions-sum-to-one", path, fmt::format("read_fraction + write_fraction + delete_fraction = {} + {} + {} = {} "
                             "but must be 1 (within 1e-6); fractions not given default to 0.8, "
                             "0.2 and 0",
                             num(f[0]), num(f[1]), num(f[2]), num(sum)));
    w.read_fraction = f[0] / sum;
    w.write_fraction = f[1] / sum;
    w.delete_fraction = f[2] / sum;
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
          fail_rule("level-weight-positive", p, "at least one level needs a weight > 0 (e.g. {\"eventual\": 1})");
      } else {
        fail(p, "expected an object of level weights (e.g. {\"eventual\": 3, \"strong\": 1}) or an "
                "array of level names, got " + json_path::describe(*x));
      }
    } else {
      w.level_weights[static_cast<int>(Level::eventual)] = 1;
    }
    std::tie(w.start, w.stop) = active_window(v, path);
    return w;
  }

  // ---- script ----
  std::vector<ScriptedOp> script(const json& v, const std::string& path) const {
    expect_array(v, path, "scripted operations");
    std::vector<ScriptedOp> ops;
    const fields::Object& decl = fields::scripted_op();
    for (std::size_t i = 0; i < v.size(); ++i) attempt([&] {
      const json& o = v[i];
      const std::string p = json_path::index(path, i);
      expect_object(o, p, "a scripted operation");
      check_declared(o, p, decl);
      ScriptedOp op;
      op.at = time_in_run(require(o, p, "at_ms", "a scripted operation"), json_path::key(p, "at_ms"), "at_ms");
      if (const json* x = find(o, "client"))
        op.client = uint_value(*x, json_path::key(p, "client"), "client", 1, kMaxClients) - 1;
      if (const json* x = find(o, "node")) op.node = node_value(*x, json_path::key(p, "node"));
      op.op = static_cast<OpType>(scalar(decl.at("op"), require(o, p, "op", "a scripted operation"), json_path::key(p, "op")).index);
      op.key = string_value(require(o, p, "key", "a scripted operation"), json_path::key(p, "key"));
      if (op.key.empty()) fail(json_path::key(p, "key"), "the key is empty; give a non-empty string");
      const json* val = find(o, "value");
      if (op.op == OpType::put) {
        if (!val) fail_rule("put-value", p, "missing required field \"value\" in a put");
        op.value = val->is_string() ? val->get<std::string>()
                                    : val->dump(-1, ' ', false, json::error_handler_t::replace);
      } else if (val) {
        fail_rule("put-value", json_path::key(p, "value"),
             fmt::format("a value is only allowed with op \"put\" (this op is \"{}\")", to_string(op.op)));
      }
      if (const json* x = find(o, "level")) op.level = level_value(*x, json_path::key(p, "level"));
      plain_fields(o, p, decl, &op, "a scripted operation");
      ops.push_back(std::move(op));
    });
    std::stable_sort(ops.begin(), ops.end(),
                     [](const ScriptedOp& a, const ScriptedOp& b) { return a.at < b.at; });
    return ops;
  }

  // ---- probe ----
  ProbeSpec probe(const json& v, const std::string& path) const {
    expect_object(v, path, "the probe settings");
    const fields::Object& decl = fields::probe();
    check_declared(v, path, decl);
    ProbeSpec pr;
    pr.enabled = true;
    if (!plain_fields(v, path, decl, &pr, "the probe settings").empty()) throw Failed{};  // the checks below need them
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
    std::tie(pr.start, pr.stop) = active_window(v, path);
    // Writes to one key come every interval * keys; a read-back later than
    // that would be judged against the next write, not its own.
    if (!pr.delays.empty()) {
      const Time spacing = pr.interval * static_cast<Time>(pr.keys);
      const Time largest = *std::max_element(pr.delays.begin(), pr.delays.end());
      if (largest >= spacing)
        fail_rule("probe-delays-spacing", json_path::key(path, "delays_ms"),
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
  // Network patches are checked only on a base network that passed (its
  // errors are reported once, at $.network), and a patch that fails is not
  // carried into the next one.
  std::vector<TimelineEvent> timeline(const json& v, const std::string& path, const json& base_network,
                                      bool base_ok) {
    expect_array(v, path, "timeline events");
    const fields::Object& decl = fields::event();
    const std::vector<std::string> actions = fields::event_actions();
    std::vector<PendingEvent> pending;
    for (std::size_t i = 0; i < v.size(); ++i) attempt([&] {
      const json& e = v[i];
      const std::string p = json_path::index(path, i);
      expect_object(e, p, "a timeline event");
      check_declared(e, p, decl);
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
              fail_rule("partition-disjoint", json_path::index(gp, k), fmt::format("node {} is already in group {}; a node can be in "
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
        check_declared(x, ap, fields::link_action());
        ev.from = node_value(require(x, ap, "from", "a link"), json_path::key(ap, "from"));
        ev.to = node_value(require(x, ap, "to", "a link"), json_path::key(ap, "to"));
        if (ev.from == ev.to)
          fail_rule("cut-two-nodes", ap, fmt::format("from and to are both node {}; a link joins two different nodes", ev.from + 1));
      } else {
        ev.kind = TimelineEvent::Kind::set_network;
        expect_object(x, ap, "a JSON merge patch of the network settings");
        pe.patch = &x;
      }
      pending.push_back(std::move(pe));
    });
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
        if (base_ok &&
            attempt([&] { pe.ev.network = network(next, json_path::key(json_path::index(path, pe.index), "network")); }))
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
    const fields::Object& decl = fields::expectation();
    for (std::size_t i = 0; i < v.size(); ++i) attempt([&] {
      const json& o = v[i];
      const std::string p = json_path::index(path, i);
      expect_object(o, p, "an expectation, e.g. {\"path\": \"levels.strong.stale_reads\", \"op\": \"==\", \"value\": 0}");
      check_declared(o, p, decl);
      Expectation e;
      e.path = string_value(require(o, p, "path", "an expectation"), json_path::key(p, "path"));
      if (e.path.empty() || e.path.front() == '.' || e.path.back() == '.' ||
          e.path.find("..") != std::string::npos)
        fail_rule("expect-op-type", json_path::key(p, "path"), fmt::format("path {} is not a dot-separated path into the report "
                                              "(e.g. \"levels.eventual.stale_rate\", \"probe.eventual.0.stale_rate\")",
                                              json_path::quoted(e.path)));
      e.op = static_cast<Expectation::Op>(scalar(decl.at("op"), require(o, p, "op", "an expectation"), json_path::key(p, "op")).index);
      const json& val = require(o, p, "value", "an expectation");
      const std::string vp = json_path::key(p, "value");
      if (val.is_number()) {
        e.kind = Expectation::Kind::number;
        e.number = number(val, vp);
      } else if (val.is_boolean() || val.is_string()) {
        e.kind = val.is_boolean() ? Expectation::Kind::boolean : Expectation::Kind::string;
        if (val.is_boolean()) e.boolean = val.get<bool>(); else e.text = val.get<std::string>();
        if (e.op != Expectation::Op::eq && e.op != Expectation::Op::ne)
          fail_rule("expect-op-type", json_path::key(p, "op"), fmt::format("op \"{}\" needs a number; a {} value allows only \"==\" and \"!=\"",
                                              o.at("op").get<std::string>(), val.is_boolean() ? "boolean" : "string"));
      } else {
        fail(vp, "expected a number, a boolean or a string, got " + json_path::describe(val));
      }
      plain_fields(o, p, decl, &e, "an expectation");
      out.push_back(std::move(e));
    });
    return out;
  }

  // ---- measure ----
  MeasureSpec measure(const json* v, const std::string& path) const {
    MeasureSpec m;
    const json empty = json::object();
    const json& o = v ? *v : empty;
    expect_object(o, path, "the measurement settings");
    const fields::Object& decl = fields::measure();
    check_declared(o, path, decl);
    plain_fields(o, path, decl, &m, "the measurement settings");
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
          fail_rule("edges-increasing", ip, fmt::format("window edge {} must be greater than the previous edge ({}); edges "
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
    if (const json* x = find(o, "warmup_ms")) {
      const std::string p = json_path::key(path, "warmup_ms");
      m.warmup = nonneg_time(*x, p, "warmup_ms");
      if (m.warmup >= duration_)
        fail_rule("within-run", p, fmt::format("warmup_ms is {} but must be less than duration_ms ({})",
                            num(x->get<double>()), num(duration_ms_)));
    }
    return m;
  }
};

}  // namespace

Scenario scenario_from_json(const nlohmann::json& j, const std::string& source) {
  Loader loader(source);
  try {
    Scenario sc = loader.load(j);
    if (loader.errors().empty()) return sc;
  } catch (const Loader::Failed&) {
  }
  throw ScenarioError(loader.errors());
}

Scenario load_scenario(const std::string& path, const std::vector<std::string>& sets) {
  const std::string source = path.empty() ? "<default>" : path;
  for (const auto& s : sets) check_set_syntax(s);
  json j = path.empty() ? parse_scenario_text(default_scenario_text(), source) : read_scenario_file(path);
  for (const auto& s : sets) apply_set(j, s, source);
  try {
    return scenario_from_json(j, source);
  } catch (const ScenarioError& e) {
    if (sets.empty()) throw;
    std::vector<std::string> errors;
    for (const std::string& m : e.errors()) errors.push_back(m + " (in the scenario after --set)");
    throw ScenarioError(std::move(errors));
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
