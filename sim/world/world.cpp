#include "sim/world/world.h"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "core/placement.h"
#include "sim/check/checker.h"
#include "sim/engine/event_queue.h"
#include "sim/world/network.h"
#include "sim/engine/rng.h"
#include "sim/io/trace.h"

namespace consim {

namespace {

enum EvKind : std::uint32_t {
  kDeliver,     // index: message slot
  kTimer,       // index: timer slot
  kArrival,     // open-loop workload arrival
  kThink,       // index: client (closed loop: next operation)
  kOpTimeout,   // index: op slot (client gives up)
  kProbeWrite,  // next probe write
  kProbeRead,   // index: op slot, prepared when the probe write was acknowledged
  kScript,      // index: scripted operation
  kTimeline,    // index: timeline event
};

constexpr Value kScriptValueBit = 1ULL << 63;

enum class Source : std::uint8_t { workload, script, probe };

struct Op {
  std::uint64_t id = 0;  // (generation << 32) | slot
  std::uint32_t client = 0;
  OpType type = OpType::get;
  Level level = Level::eventual;
  Source source = Source::workload;
  bool done = false;
  bool timeout_fired = false;
  bool counted = false;  // invoked after warmup
  bool scheduled = false;  // a probe read waiting for its time
  Key key = 0;
  Value value = 0;
  Time invoked = 0;
  NodeId node = 0;
  std::uint32_t redirects = 0;
  std::uint32_t source_index = 0;  // script index, or probe delay index
  Checker::ReadStart start;
};

struct Client {
  EndpointId endpoint = 0;
  Rng rng;
  NodeId leader_hint = 0;
  Version written;  // session token parts (leader mode; leaderless: per key, from op.start)
  Version read;
  // Leaderless with routing "client": the client coordinates its own requests.
  std::unique_ptr<Coordinator> coord;
  Client(EndpointId ep, std::uint64_t seed, std::uint64_t stream) : endpoint(ep), rng(seed, stream) {}
};

struct NodeSlot {
  std::unique_ptr<Node> node;
  Rng rng;  // timer jitter
  bool up = true;
  bool paused = false;
  bool leader = false;  // as the node itself believes
  std::uint32_t incarnation = 0;
  std::vector<Event> deferred;  // events held while paused
  NodeSlot(std::uint64_t seed, std::uint64_t stream) : rng(seed, stream) {}
};

struct TimerSlot {
  NodeId node = 0;
  std::uint32_t incarnation = 0;
  std::uint64_t id = 0;
};

// A pool of T with a free list: slots are reused, never freed, so the hot
// path does not allocate once the pool has grown to the run's high-water mark.
template <typename T>
class Pool {
 public:
  std::uint32_t acquire() {
    if (!free_.empty()) {
      std::uint32_t i = free_.back();
      free_.pop_back();
      return i;
    }
    items_.emplace_back();
    return static_cast<std::uint32_t>(items_.size() - 1);
  }
  void release(std::uint32_t i) { free_.push_back(i); }
  T& operator[](std::uint32_t i) { return items_[i]; }
  const T& operator[](std::uint32_t i) const { return items_[i]; }
  std::size_t in_use() const { return items_.size() - free_.size(); }

 private:
  std::vector<T> items_;
  std::vector<std::uint32_t> free_;
};

Time clamp_stop(Time stop, Time duration) { return std::min(stop, duration); }

}  // namespace

struct World::Impl {
  const Scenario sc;
  TraceWriter* trace;
  WorldObserver* observer = nullptr;
  const std::uint32_t n;
  EventQueue queue;
  Network network;
  Checker checker;
  ConvergenceTracker convergence;
  Metrics m;

  std::vector<NodeSlot> nodes;
  std::vector<Client> clients;  // workload clients, then scripted, then the probe client
  std::uint32_t first_script_client = 0;
  std::uint32_t probe_client = 0;
  std::map<std::uint32_t, std::uint32_t> script_client_index;  // JSON client number -> clients index

  Pool<Message> messages;
  Pool<TimerSlot> timers;
  Pool<Op> ops;
  std::vector<std::uint32_t> op_generation;

  Rng workload_rng;
  ZipfSampler zipf;
  std::array<double, kLevelCount> level_cdf{};

  // keys: workload keys first, then probe keys, then named script keys
  std::uint32_t workload_keys = 0;
  std::uint32_t probe_key_base = 0;
  std::vector<std::string> extra_key_names;  // probe and script keys, by id - workload_keys
  std::vector<std::string> script_values;
  std::vector<Key> script_keys;     // per script op
  std::vector<Value> script_vals;   // per script op
  Value next_value = 1;
  std::uint32_t probe_seq = 0;

  Outputs out;
  std::vector<Message> client_replies;  // reused: replies a client coordinator gave itself
  const bool leaderless;
  std::uint32_t leaders_now = 0;
  Time no_leader_since = 0;
  Time end_time = 0;
  Time ops_stop = 0;  // no new operations at or after this time

  Impl(const Scenario& s, TraceWriter* t)
      : sc(s),
        trace(t),
        n(s.cluster.nodes),
        network(s.cluster.nodes, s.network, s.seed),
        checker(s.measure.lost_write_window),
        workload_rng(s.seed, stream_id("workload")),
        leaderless(s.cluster.replication == Replication::leaderless) {
    end_time = sc.duration + sc.drain;
    ops_stop = sc.duration;
    setup_keys();
    setup_nodes();
    setup_clients();
    setup_measure();
  }

  // ---------------------------------------------------------------- setup

  std::uint32_t total_keys() const { return workload_keys + static_cast<std::uint32_t>(extra_key_names.size()); }

  void setup_keys() {
    workload_keys = sc.workload.enabled ? sc.workload.keys : 0;
    probe_key_base = workload_keys;
    if (sc.probe.enabled)
      for (std::uint32_t i = 0; i < sc.probe.keys; ++i) extra_key_names.push_back(fmt::format("probe-{}", i));
    std::map<std::string, Key> named;
    for (const ScriptedOp& op : sc.script) {
      Key k;
      unsigned long idx = 0;
      int consumed = 0;
      if (std::sscanf(op.key.c_str(), "k%lu%n", &idx, &consumed) == 1 &&
          static_cast<std::size_t>(consumed) == op.key.size() && idx < workload_keys &&
          op.key == fmt::format("k{}", idx)) {
        k = static_cast<Key>(idx);
      } else {
        auto it = named.find(op.key);
        if (it == named.end()) {
          k = total_keys();
          named.emplace(op.key, k);
          extra_key_names.push_back(op.key);
        } else {
          k = it->second;
        }
      }
      script_keys.push_back(k);
      if (op.op == OpType::put) {
        script_vals.push_back(kScriptValueBit | script_values.size());
        script_values.push_back(op.value);
      } else {
        script_vals.push_back(0);
      }
    }
  }

  // Node i's configuration, as the scenario sets it.
  NodeConfig node_config(NodeId i) const {
    NodeConfig cfg;
    cfg.id = i;
    cfg.nodes = n;
    cfg.write_quorum = sc.cluster.write_quorum;
    cfg.read_quorum = sc.cluster.read_quorum;
    cfg.key_space = total_keys();
    cfg.election = sc.cluster.election;
    cfg.heartbeat_interval = sc.cluster.heartbeat_interval;
    cfg.election_timeout = sc.cluster.election_timeout;
    cfg.write_timeout = sc.cluster.write_timeout;
    cfg.read_timeout = sc.cluster.read_timeout;
    cfg.read_repair = sc.cluster.read_repair;
    cfg.session_behind = sc.cluster.session_behind;
    cfg.bootstrap_leader = sc.cluster.bootstrap_leader;
    cfg.replication = sc.cluster.replication;
    cfg.replicas = sc.cluster.replicas;
    cfg.read_fanout = sc.cluster.read_fanout;
    cfg.read_repair_blocking = sc.cluster.read_repair_blocking;
    cfg.sloppy_quorum = sc.cluster.sloppy_quorum;
    cfg.anti_entropy_interval = sc.cluster.anti_entropy_interval;
    if (i < sc.cluster.clock_offset.size()) cfg.clock.offset = sc.cluster.clock_offset[i];
    if (i < sc.cluster.clock_drift_ppb.size()) cfg.clock.drift_ppb = sc.cluster.clock_drift_ppb[i];
    return cfg;
  }

  void setup_nodes() {
    nodes.reserve(n);
    for (NodeId i = 0; i < n; ++i) {
      nodes.emplace_back(sc.seed, stream_id("node", i));
      nodes[i].node = std::make_unique<Node>(node_config(i));
    }
  }


  void setup_clients() {
    const std::uint32_t wc = sc.workload.enabled ? sc.workload.clients : 0;
    for (std::uint32_t i = 0; i < wc; ++i) clients.emplace_back(n + i, sc.seed, stream_id("client", i));
    first_script_client = wc;
    for (const ScriptedOp& op : sc.script) {
      if (script_client_index.count(op.client)) continue;
      const std::uint32_t idx = static_cast<std::uint32_t>(clients.size());
      script_client_index.emplace(op.client, idx);
      clients.emplace_back(n + idx, sc.seed, stream_id("script-client", op.client));
    }
    probe_client = static_cast<std::uint32_t>(clients.size());
    if (sc.probe.enabled) clients.emplace_back(n + probe_client, sc.seed, stream_id("probe-client"));
    if (leaderless) {
      // With routing "client", workload and probe clients coordinate for
      // themselves; a scripted operation names its node, which coordinates it.
      for (std::uint32_t i = 0; i < clients.size(); ++i) {
        const bool workload_client = i < first_script_client;
        if (!(workload_client && sc.workload.routing == Routing::client) &&
            !(i == probe_client && sc.probe.enabled && sc.probe.routing == Routing::client))
          continue;
        // A node's settings, but its own identity and a clock that reads virtual time.
        CoordinatorConfig cc = coordinator_config(node_config(0));
        cc.self = clients[i].endpoint;
        cc.clock = NodeClock{};
        clients[i].coord = std::make_unique<Coordinator>(cc, 0);
      }
    }
    if (sc.workload.enabled) {
      zipf = ZipfSampler(sc.workload.keys, sc.workload.zipf);
      double total = 0;
      for (int l = 0; l < kLevelCount; ++l) total += sc.workload.level_weights[l];
      double acc = 0;
      for (int l = 0; l < kLevelCount; ++l) {
        acc += sc.workload.level_weights[l] / total;
        level_cdf[l] = acc;
      }
    }
  }

  void setup_measure() {
    const auto& edges = sc.measure.window_edges;
    for (int l = 0; l < kLevelCount; ++l) {
      for (std::size_t i = 0; i < edges.size(); ++i) {
        WindowBucket b;
        b.lo = edges[i];
        b.hi = i + 1 < edges.size() ? edges[i + 1] : kNever;
        m.window[l].push_back(b);
      }
      for (Time d : sc.probe.delays) m.probe[l].push_back(ProbeCell{d, 0, 0, 0});
    }
    if (sc.probe.enabled)
      for (Level l : sc.probe.levels) m.level_used[static_cast<int>(l)] = true;
    if (sc.workload.enabled)
      for (int l = 0; l < kLevelCount; ++l)
        if (sc.workload.level_weights[l] > 0) m.level_used[l] = true;
    for (const ScriptedOp& op : sc.script)
      if (op.op == OpType::get) m.level_used[static_cast<int>(op.level)] = true;
  }

  // ---------------------------------------------------------------- tracing

  template <typename... Args>
  void tr(fmt::format_string<Args...> f, Args&&... args) {
    auto& b = trace->buffer();
    fmt::format_to(std::back_inserter(b), "{{\"t\":{},", queue.now());
    fmt::format_to(std::back_inserter(b), f, std::forward<Args>(args)...);
    b.push_back('}');
    trace->end_line();
  }

  // One line for a message event; `reason` is added for drops.
  void trace_message(std::string_view ev, const Message& msg, std::string_view reason = {}) {
    tr("\"ev\":\"{}\",\"kind\":\"{}\",\"from\":{},\"to\":{},\"term\":{},\"index\":{},\"key\":{},\"op\":{},"
       "\"status\":\"{}\",\"version\":[{},{}]{}{}{}",
       ev, to_string(msg.kind), msg.from, msg.to, msg.term, msg.index, msg.key, msg.op, to_string(msg.status),
       msg.rec.version.term, msg.rec.version.index, reason.empty() ? "" : ",\"reason\":\"", reason,
       reason.empty() ? "" : "\"");
  }

  // ---------------------------------------------------------------- live view

  // The nodes that replicate `key` (every node in leader mode).
  std::uint64_t replicas_of(Key key) const { return replica_mask(key, n, sc.cluster.replicas); }

  std::uint64_t live_mask() const {
    std::uint64_t mask = 0;
    for (NodeId i = 0; i < n; ++i)
      if (nodes[i].up) mask |= 1ULL << i;
    return mask;
  }

  void set_leader(NodeId i, bool is_leader) {
    if (nodes[i].leader == is_leader) return;
    const Time now = queue.now();
    nodes[i].leader = is_leader;
    if (is_leader) {
      if (leaders_now == 0) m.elections.time_without_leader += now - no_leader_since;
      ++leaders_now;
      ++m.elections.leader_changes;
      m.elections.max_simultaneous_leaders = std::max(m.elections.max_simultaneous_leaders, leaders_now);
    } else {
      --leaders_now;
      if (leaders_now == 0) no_leader_since = now;
    }
  }

  // ---------------------------------------------------------------- network

  void send(const Message& msg) {
    ++m.engine.messages_sent;
    ++m.engine.sent_by_kind[static_cast<int>(msg.kind)];
    Transit t = network.transit(msg.from, msg.to, msg.kind);
    if (t.drop != DropReason::none) {
      ++m.engine.messages_dropped;
      ++m.engine.dropped_by[static_cast<int>(t.drop)];
      if (trace) trace_message("drop", msg, to_string(t.drop));
      return;
    }
    if (trace) trace_message("send", msg);
    std::uint32_t slot = messages.acquire();
    messages[slot] = msg;
    queue.push(queue.now() + t.delay, kDeliver, slot);
    if (t.duplicate) {
      ++m.engine.messages_duplicated;
      std::uint32_t dup = messages.acquire();
      messages[dup] = msg;
      queue.push(queue.now() + t.dup_delay, kDeliver, dup);
      if (trace) trace_message("duplicate", msg);
    }
  }

  // Execute what a node asked for.
  void dispatch(NodeId i) {
    NodeSlot& ns = nodes[i];
    const Time now = queue.now();
    for (const Message& msg : out.messages) send(msg);
    for (const TimerRequest& t : out.timers) {
      Time at_min = std::max(t.at_min, now);
      Time at_max = std::max(t.at_max, at_min);
      Time at = at_min;
      if (at_max > at_min) {
        const std::uint64_t span = static_cast<std::uint64_t>(at_max - at_min) + 1;
        at = at_min + static_cast<Time>(ns.rng.next_below(span));
      }
      std::uint32_t slot = timers.acquire();
      timers[slot] = TimerSlot{i, ns.incarnation, t.id};
      queue.push(at, kTimer, slot);
      ++m.engine.timers;
    }
    const std::uint64_t live = live_mask();
    for (const Applied& a : out.applied) {
      convergence.applied(a.key, a.version, i, now, live & replicas_of(a.key));
      if (trace) tr("\"ev\":\"apply\",\"node\":{},\"key\":{},\"version\":[{},{}]", i, a.key, a.version.term, a.version.index);
    }
    for (const RoleChange& rc : out.roles) {
      if (observer) observer->on_role(now, i, rc.role, rc.term);
      set_leader(i, rc.role == Role::leader);
      m.elections.max_term = std::max(m.elections.max_term, rc.term);
      if (trace)
        tr("\"ev\":\"role\",\"node\":{},\"role\":\"{}\",\"term\":{},\"leader\":{}", i, to_string(rc.role), rc.term,
           rc.leader == kNoNode ? -1 : static_cast<long long>(rc.leader));
    }
    out.clear();
  }

  // ---------------------------------------------------------------- events

  void run() {
    const Time now0 = 0;
    for (NodeId i = 0; i < n; ++i) {
      nodes[i].node->start(now0, out);
      dispatch(i);
    }
    if (leaders_now == 0) no_leader_since = 0;
    for (std::uint32_t i = 0; i < sc.timeline.size(); ++i) queue.push(sc.timeline[i].at, kTimeline, i);
    for (std::uint32_t i = 0; i < sc.script.size(); ++i) queue.push(sc.script[i].at, kScript, i);
    if (sc.workload.enabled) {
      const Time start = sc.workload.start;
      if (sc.workload.mode == WorkloadSpec::Mode::open) {
        queue.push(start + exp_interval(), kArrival, 0);
      } else {
        for (std::uint32_t c = 0; c < sc.workload.clients; ++c) {
          Time think = sc.workload.think.sample(clients[c].rng);
          queue.push(start + think, kThink, c);
        }
      }
    }
    if (sc.probe.enabled) queue.push(sc.probe.start, kProbeWrite, 0);

    while (!queue.empty() && queue.top().time <= end_time) {
      Event e = queue.pop();
      if (observer) observe(e);
      ++m.engine.events;
      handle(e);
    }
    finish();
  }

  // Fold the event's time, kind and payload's key fields into a hash (FNV-1a
  // over 64-bit words) and hand it to the observer.
  void observe(const Event& e) {
    EventInfo info;
    info.index = m.engine.events;
    info.time = e.time;
    info.kind = e.kind;
    std::uint64_t h = 0xcbf29ce484222325ULL;
    auto mix = [&h](std::uint64_t x) {
      for (int b = 0; b < 8; ++b) {
        h ^= (x >> (8 * b)) & 0xff;
        h *= 0x100000001b3ULL;
      }
    };
    mix(static_cast<std::uint64_t>(e.time));
    mix(e.kind);
    switch (e.kind) {
      case kDeliver: {
        const Message& msg = messages[e.index];
        info.msg_kind = static_cast<int>(msg.kind);
        info.from = msg.from;
        info.to = msg.to;
        mix(static_cast<std::uint64_t>(msg.kind));
        mix(msg.from);
        mix(msg.to);
        mix(msg.term);
        mix(msg.index);
        mix(msg.key);
        mix(msg.op);
        mix(static_cast<std::uint64_t>(msg.status));
        mix(msg.rec.version.term);
        mix(msg.rec.version.index);
        break;
      }
      case kTimer:
        info.from = timers[e.index].node;
        info.to = timers[e.index].id;
        mix(info.from);
        mix(info.to);
        break;
      case kOpTimeout:
      case kProbeRead: {
        const Op& op = ops[e.index];
        mix(op.id);
        mix(op.client);
        mix(static_cast<std::uint64_t>(op.type));
        mix(op.key);
        break;
      }
      default: mix(e.index); break;  // arrival, think (client), script, timeline, probe write
    }
    info.hash = h;
    observer->on_event(info);
  }

  Time exp_interval() {
    const double u = workload_rng.next_double_open0();
    const double secs = -std::log(u) / sc.workload.rate_per_s;
    return static_cast<Time>(secs * 1e9 + 0.5);
  }

  void handle(const Event& e) {
    switch (e.kind) {
      case kDeliver: return deliver(e);
      case kTimer: return fire_timer(e);
      case kArrival: return on_arrival();
      case kThink: return on_think(e.index);
      case kOpTimeout: return on_op_timeout(e.index);
      case kProbeWrite: return on_probe_write();
      case kProbeRead: return on_probe_read(e.index);
      case kScript: return on_script(e.index);
      case kTimeline: return on_timeline(e.index);
    }
    assert(false && "unknown event kind");
  }

  void deliver(const Event& e) {
    const Message& msg = messages[e.index];
    if (msg.to < n) {
      NodeSlot& ns = nodes[msg.to];
      if (!ns.up) {
        ++m.engine.messages_dropped;
        ++m.engine.dropped_by[static_cast<int>(DropReason::node_down)];
        if (trace) trace_message("drop", msg, to_string(DropReason::node_down));
        messages[e.index].snapshot.reset();
        messages.release(e.index);
        return;
      }
      if (ns.paused) {
        ns.deferred.push_back(e);
        return;
      }
      ++m.engine.messages_delivered;
      if (trace) trace_message("deliver", msg);
      const NodeId to = msg.to;
      // step() only appends to `out`; nothing is sent (and no slot taken)
      // until dispatch(), so `msg` stays valid throughout.
      ns.node->step(queue.now(), msg, out);
      messages[e.index].snapshot.reset();
      messages.release(e.index);
      dispatch(to);
      return;
    }
    ++m.engine.messages_delivered;
    if (trace) trace_message("deliver", msg);
    Message copy = msg;
    messages.release(e.index);
    if (copy.kind == MsgKind::replica_write_ack || copy.kind == MsgKind::replica_read_reply) {
      const std::uint32_t ci = copy.to - n;
      Coordinator* co = ci < clients.size() ? clients[ci].coord.get() : nullptr;
      if (co == nullptr) return;
      if (copy.kind == MsgKind::replica_write_ack)
        co->handle_write_ack(queue.now(), copy, out);
      else
        co->handle_read_reply(queue.now(), copy, out);
      dispatch_client(ci);
      return;
    }
    on_client_reply(copy);
  }

  // Execute what client `ci`'s coordinator asked for: replica requests go on
  // the network; its answers to its own client are taken at once.
  void dispatch_client(std::uint32_t ci) {
    const Time now = queue.now();
    const EndpointId self = clients[ci].endpoint;
    std::vector<Message> replies;
    replies.swap(client_replies);  // reentrancy: on_client_reply may coordinate again
    for (const Message& msg : out.messages) {
      if (msg.kind == MsgKind::client_reply && msg.to == self)
        replies.push_back(msg);
      else
        send(msg);
    }
    for (const TimerRequest& t : out.timers) {
      std::uint32_t slot = timers.acquire();
      timers[slot] = TimerSlot{n + ci, 0, t.id};
      queue.push(std::max(t.at_min, now), kTimer, slot);
      ++m.engine.timers;
    }
    out.clear();
    for (const Message& r : replies) {
      if (trace) trace_message("deliver", r);
      on_client_reply(r);
    }
    replies.clear();
    if (client_replies.empty()) client_replies.swap(replies);
  }

  void fire_timer(const Event& e) {
    TimerSlot t = timers[e.index];
    if (t.node >= n) {  // a client coordinator's deadline
      timers.release(e.index);
      const std::uint32_t ci = t.node - n;
      if (trace) tr("\"ev\":\"timer\",\"client\":{},\"id\":{}", ci, t.id);
      clients[ci].coord->on_timer(queue.now(), out);
      dispatch_client(ci);
      return;
    }
    NodeSlot& ns = nodes[t.node];
    if (t.incarnation != ns.incarnation || !ns.up) {
      timers.release(e.index);
      return;
    }
    if (ns.paused) {
      ns.deferred.push_back(e);
      return;
    }
    timers.release(e.index);
    if (trace) tr("\"ev\":\"timer\",\"node\":{},\"id\":{}", t.node, t.id);
    ns.node->on_timer(queue.now(), t.id, out);
    dispatch(t.node);
  }

  // ---------------------------------------------------------------- faults

  void on_timeline(std::uint32_t idx) {
    const TimelineEvent& te = sc.timeline[idx];
    const Time now = queue.now();
    using K = TimelineEvent::Kind;
    if (trace) {
      std::string nodes_s;
      for (NodeId x : te.nodes) nodes_s += fmt::format("{}{}", nodes_s.empty() ? "" : ",", x);
      tr("\"ev\":\"fault\",\"action\":\"{}\",\"nodes\":[{}]", timeline_kind_name(te.kind), nodes_s);
    }
    switch (te.kind) {
      case K::crash:
        for (NodeId x : te.nodes) {
          NodeSlot& ns = nodes[x];
          if (!ns.up) continue;
          ns.up = false;
          ++ns.incarnation;
          set_leader(x, false);
          for (const Event& d : ns.deferred) release_event_payload(d);
          ns.deferred.clear();
          ns.paused = false;
        }
        break;
      case K::restart:
        for (NodeId x : te.nodes) {
          NodeSlot& ns = nodes[x];
          if (ns.up) continue;
          ns.up = true;
          ++ns.incarnation;
          ns.node->restart(now, sc.cluster.durable, out);
          dispatch(x);
        }
        break;
      case K::pause:
        for (NodeId x : te.nodes)
          if (nodes[x].up) nodes[x].paused = true;
        break;
      case K::resume:
        for (NodeId x : te.nodes) {
          NodeSlot& ns = nodes[x];
          if (!ns.paused) continue;
          ns.paused = false;
          std::vector<Event> held;
          held.swap(ns.deferred);
          for (const Event& d : held) handle(d);
        }
        break;
      case K::partition: network.partition(te.groups); break;
      case K::heal: network.heal(); break;
      case K::cut: network.cut(te.from, te.to, true); break;
      case K::restore: network.cut(te.from, te.to, false); break;
      case K::set_network: network.configure(te.network); break;
    }
  }

  static std::string_view timeline_kind_name(TimelineEvent::Kind k) {
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

  void release_event_payload(const Event& e) {
    if (e.kind == kDeliver) {
      ++m.engine.messages_dropped;
      ++m.engine.dropped_by[static_cast<int>(DropReason::node_down)];
      messages[e.index].snapshot.reset();
      messages.release(e.index);
    } else if (e.kind == kTimer) {
      timers.release(e.index);
    }
  }

  // ---------------------------------------------------------------- clients

  std::uint32_t new_op(std::uint32_t client, OpType type, Key key, Level level, Source src) {
    std::uint32_t slot = ops.acquire();
    if (slot >= op_generation.size()) op_generation.resize(slot + 1, 0);
    const std::uint32_t gen = ++op_generation[slot];
    Op& op = ops[slot];
    op = Op{};
    op.id = (static_cast<std::uint64_t>(gen) << 32) | slot;
    op.client = client;
    op.type = type;
    op.key = key;
    op.level = level;
    op.source = src;
    return slot;
  }

  NodeId route(Client& c, std::uint32_t client_index, Routing routing) {
    switch (routing) {
      case Routing::random: return static_cast<NodeId>(c.rng.next_below(n));
      case Routing::sticky: return client_index % n;
      case Routing::leader: return c.leader_hint;
      case Routing::followers: {
        if (n == 1) return 0;
        NodeId pick = static_cast<NodeId>(c.rng.next_below(n - 1));
        return pick >= c.leader_hint ? pick + 1 : pick;
      }
      case Routing::client: return kNoNode;  // the client coordinates
    }
    return 0;
  }

  // Invoke op `slot` now, sending it to `node`.
  void invoke(std::uint32_t slot, NodeId node) {
    Op& op = ops[slot];
    const Time now = queue.now();
    op.invoked = now;
    op.node = node;
    op.scheduled = false;
    op.counted = now >= sc.measure.warmup;
    // Reads: what the checker judges them by. Writes: the newest version
    // acknowledged before, to catch a write that orders before it (LWW).
    if (op.type == OpType::get)
      op.start = checker.read_invoked(op.key, op.client, now);
    else
      op.start.newest = checker.newest_acknowledged(op.key);
    if (op.counted && op.source != Source::probe) {
      if (op.type == OpType::get)
        ++m.reads[static_cast<int>(op.level)].reads;
      else
        ++m.writes[static_cast<int>(op.type)].writes;
    }
    if (trace)
      tr("\"ev\":\"invoke\",\"client\":{},\"op\":{},\"type\":\"{}\",\"key\":{},\"level\":\"{}\",\"node\":{}", op.client,
         op.id, to_string(op.type), op.key, to_string(op.level),
         node == kNoNode ? -1 : static_cast<long long>(node));
    queue.push_lane(0, now + sc.request_timeout, kOpTimeout, slot);  // a fixed delay: time-ordered
    send_request(slot);
  }

  void send_request(std::uint32_t slot) {
    Op& op = ops[slot];
    Client& c = clients[op.client];
    Message msg;
    msg.from = c.endpoint;
    msg.to = op.node;
    msg.op = op.id;
    msg.key = op.key;
    msg.level = op.level;
    switch (op.type) {
      case OpType::get: {
        msg.kind = MsgKind::client_get;
        // Leaderless: LWW stamps order only the writes to one key, so the
        // token is the client's history of this key, which the checker keeps
        // and op.start took at invocation.
        const Version written = leaderless ? op.start.own_write : c.written;
        const Version read = leaderless ? op.start.own_read : c.read;
        if (op.level == Level::read_your_writes)
          msg.token = written;
        else if (op.level == Level::monotonic_reads)
          msg.token = read;
        else if (op.level == Level::causal)
          msg.token = std::max(written, read);
        break;
      }
      case OpType::put:
        msg.kind = MsgKind::client_put;
        msg.rec.value = op.value;
        break;
      case OpType::del: msg.kind = MsgKind::client_delete; break;
    }
    if (c.coord && op.node == kNoNode) {  // client-side coordination
      const std::uint64_t all = n >= 64 ? ~0ULL : (1ULL << n) - 1;  // no failure detector
      if (op.type == OpType::get)
        c.coord->read(queue.now(), msg, all, out);
      else
        c.coord->write(queue.now(), msg, all, out);
      dispatch_client(op.client);
      return;
    }
    send(msg);
  }

  void on_client_reply(const Message& msg) {
    const std::uint32_t slot = static_cast<std::uint32_t>(msg.op & 0xffffffffu);
    const std::uint32_t gen = static_cast<std::uint32_t>(msg.op >> 32);
    if (slot >= op_generation.size() || op_generation[slot] != gen) return;  // a late answer to a finished op
    Op& op = ops[slot];
    if (op.done || op.scheduled) return;
    Client& c = clients[op.client];
    if (msg.status == Status::not_leader) {
      if (msg.hint != kNoNode) c.leader_hint = msg.hint;
      if (msg.hint != kNoNode && msg.hint != op.node && op.redirects < sc.max_redirects) {
        ++op.redirects;
        op.node = msg.hint;
        if (op.counted && op.source != Source::probe) {
          if (op.type == OpType::get)
            ++m.reads[static_cast<int>(op.level)].redirects;
          else
            ++m.writes[static_cast<int>(op.type)].redirects;
        }
        send_request(slot);
        return;
      }
      return complete_failed(slot, FailReason::no_leader, msg.from);
    }
    if (msg.status == Status::timeout) return complete_failed(slot, FailReason::node_timeout, msg.from);
    if (msg.status == Status::behind) return complete_failed(slot, FailReason::behind, msg.from);
    assert(msg.status == Status::ok || msg.status == Status::not_found);
    complete_ok(slot, msg);
  }

  void complete_ok(std::uint32_t slot, const Message& msg) {
    Op& op = ops[slot];
    Client& c = clients[op.client];
    const Time now = queue.now();
    const Time latency = now - op.invoked;
    op.done = true;
    bool stale = false;
    if (op.type == OpType::get) {
      const Version got = msg.rec.version;
      Checker::ReadVerdict v = checker.read_answered(op.key, op.client, op.start, got);
      stale = v.stale;
      if (got > c.read) c.read = got;
      if (op.counted) record_read(op, msg, v, latency);
    } else {
      const Version ver = msg.rec.version;
      if (op.counted && op.source != Source::probe && ver < op.start.newest)  // zero if none: never
        ++m.violations.writes_reordered;
      checker.write_acknowledged(op.key, ver, now, op.client);
      if (ver > c.written) c.written = ver;
      const std::uint64_t owners = replicas_of(op.key);
      std::uint64_t holders = 0;
      for (NodeId i = 0; i < n; ++i)
        if (nodes[i].up && ((owners >> i) & 1) && nodes[i].node->record(op.key).version >= ver) holders |= 1ULL << i;
      convergence.track(op.key, ver, now, holders, live_mask() & owners);
      if (op.counted && op.source != Source::probe) {
        WriteStats& ws = m.writes[static_cast<int>(op.type)];
        ++ws.acked;
        ws.latency.record(latency);
      }
    }
    if (op.source == Source::script) {
      ScriptResult& r = script_result(op, msg.from);
      r.rec = msg.rec;
      r.stale = stale;
    }
    if (trace)
      tr("\"ev\":\"complete\",\"client\":{},\"op\":{},\"status\":\"{}\",\"node\":{},\"key\":{},\"version\":[{},{}],"
         "\"tombstone\":{},\"value\":{},\"stale\":{},\"latency\":{}",
         op.client, op.id, to_string(msg.status), msg.from, op.key, msg.rec.version.term, msg.rec.version.index,
         msg.rec.tombstone, msg.rec.value, stale, latency);
    // Last, since it takes op slots: the pool may grow and move `op`.
    if (op.type != OpType::get && op.source == Source::probe) schedule_probe_reads(op.key, msg.from);
    after_completion(slot);
  }

  void record_read(const Op& op, const Message& msg, const Checker::ReadVerdict& v, Time latency) {
    if (op.source == Source::probe) {
      ProbeCell& cell = m.probe[static_cast<int>(op.level)][op.source_index];
      ++cell.reads;
      if (v.stale) ++cell.stale;
      const std::uint64_t rank = v.stale ? v.versions_behind : 0;  // >= 1 when stale
      if (rank < kMaxProbeK) ++cell.by_rank[rank];
      return;
    }
    ReadStats& rs = m.reads[static_cast<int>(op.level)];
    if (msg.status == Status::ok)
      ++rs.ok;
    else
      ++rs.not_found;
    rs.latency.record(latency);
    if (op.start.any_write) {
      ++rs.after_write;
      auto& buckets = m.window[static_cast<int>(op.level)];
      // buckets are few (tens): a linear scan from the right is cheap
      for (std::size_t b = buckets.size(); b-- > 0;) {
        if (v.since_newest >= buckets[b].lo) {
          ++buckets[b].reads;
          if (v.stale) ++buckets[b].stale;
          break;
        }
      }
    }
    if (v.stale) {
      ++rs.stale;
      rs.versions_behind_sum += v.versions_behind;
      rs.versions_behind_max = std::max(rs.versions_behind_max, v.versions_behind);
      rs.stale_age.record(v.stale_age);
    }
    if (v.read_your_writes_violation) ++m.violations.read_your_writes;
    if (v.monotonic_violation) ++m.violations.monotonic_reads;
  }

  void complete_failed(std::uint32_t slot, FailReason why, EndpointId from) {
    Op& op = ops[slot];
    op.done = true;
    // A client that heard nothing from the node it believed to lead tries the
    // next node next time; that node answers or points to the leader.
    Client& c = clients[op.client];
    if (why == FailReason::client_timeout && c.leader_hint == op.node && n > 1) c.leader_hint = (op.node + 1) % n;
    if (op.counted) {
      if (op.source == Source::probe) {
        if (op.type == OpType::get) ++m.probe[static_cast<int>(op.level)][op.source_index].failed;
      } else if (op.type == OpType::get) {
        ReadStats& rs = m.reads[static_cast<int>(op.level)];
        ++rs.failed;
        ++rs.failed_by[static_cast<int>(why)];
      } else {
        WriteStats& ws = m.writes[static_cast<int>(op.type)];
        ++ws.failed;
        ++ws.failed_by[static_cast<int>(why)];
      }
    }
    if (op.source == Source::script) {
      ScriptResult& r = script_result(op, from);
      r.failed = true;
      r.reason = why;
    }
    if (trace)
      tr("\"ev\":\"fail\",\"client\":{},\"op\":{},\"reason\":\"{}\",\"key\":{}", op.client, op.id, to_string(why), op.key);
    after_completion(slot);
  }

  // The result line of a scripted operation that ends now, answered by `from`.
  ScriptResult& script_result(const Op& op, EndpointId from) {
    ScriptResult& r = m.script.emplace_back();
    r.index = op.source_index;
    r.invoked = op.invoked;
    r.completed = queue.now();
    r.served_by = from < n ? from : kNoNode;
    r.newest_acked = op.start.newest;
    return r;
  }

  void after_completion(std::uint32_t slot) {
    Op& op = ops[slot];
    const std::uint32_t client = op.client;
    const bool closed = op.source == Source::workload && sc.workload.mode == WorkloadSpec::Mode::closed;
    if (op.timeout_fired) ops.release(slot);
    if (closed) {
      const Time think = sc.workload.think.sample(clients[client].rng);
      const Time at = queue.now() + think;
      if (at < ops_stop) queue.push(at, kThink, client);
    }
  }

  void on_op_timeout(std::uint32_t slot) {
    Op& op = ops[slot];
    op.timeout_fired = true;
    if (!op.done) {
      complete_failed(slot, FailReason::client_timeout, kNoNode);  // releases the slot
      return;
    }
    ops.release(slot);
  }

  // ---------------------------------------------------------------- workload

  bool workload_active(Time now) const {
    return now >= sc.workload.start && now < clamp_stop(sc.workload.stop, sc.duration);
  }

  void on_arrival() {
    const Time now = queue.now();
    if (!workload_active(now)) return;
    const std::uint32_t c = static_cast<std::uint32_t>(workload_rng.next_below(sc.workload.clients));
    start_workload_op(c);
    queue.push(now + exp_interval(), kArrival, 0);
  }

  void on_think(std::uint32_t c) {
    if (!workload_active(queue.now())) return;
    start_workload_op(c);
  }

  void start_workload_op(std::uint32_t ci) {
    Client& c = clients[ci];
    const WorkloadSpec& w = sc.workload;
    const double u = c.rng.next_double();
    OpType type = OpType::get;
    if (u >= w.read_fraction) type = (u < w.read_fraction + w.write_fraction) ? OpType::put : OpType::del;
    const Key key = zipf.sample(c.rng);
    Level level = Level::eventual;
    if (type == OpType::get) {
      const double lu = c.rng.next_double();
      int l = 0;
      while (l < kLevelCount - 1 && (lu >= level_cdf[l] || sc.workload.level_weights[l] <= 0)) ++l;
      level = static_cast<Level>(l);
    }
    const NodeId node = route(c, ci, sc.workload.routing);
    const std::uint32_t slot = new_op(ci, type, key, level, Source::workload);
    if (type == OpType::put) ops[slot].value = next_value++;
    invoke(slot, node);
  }

  void on_script(std::uint32_t idx) {
    const ScriptedOp& s = sc.script[idx];
    const std::uint32_t ci = script_client_index.at(s.client);
    const std::uint32_t slot = new_op(ci, s.op, script_keys[idx], s.level, Source::script);
    ops[slot].value = script_vals[idx];
    ops[slot].source_index = idx;
    invoke(slot, s.node);
  }

  void on_probe_write() {
    const Time now = queue.now();
    if (now >= clamp_stop(sc.probe.stop, sc.duration)) return;
    Client& c = clients[probe_client];
    const Key key = probe_key_base + (probe_seq++ % sc.probe.keys);
    const std::uint32_t slot = new_op(probe_client, OpType::put, key, Level::eventual, Source::probe);
    ops[slot].value = next_value++;
    // Leader mode: to the leader. Leaderless: a coordinator chosen by routing.
    invoke(slot, leaderless ? route(c, probe_client, sc.probe.routing) : c.leader_hint);
    queue.push(now + sc.probe.interval, kProbeWrite, 0);
  }

  // The probe write of `key` was acknowledged by `acked_by`: schedule its read-backs.
  // Takes the key by value: new_op() may grow the op pool, moving every Op.
  void schedule_probe_reads(Key key, EndpointId acked_by) {
    const Time now = queue.now();
    const NodeId writer = acked_by < n ? acked_by : 0;
    for (std::size_t d = 0; d < sc.probe.delays.size(); ++d) {
      for (Level level : sc.probe.levels) {
        Client& c = clients[probe_client];
        NodeId target = writer;
        if (leaderless) {
          target = route(c, probe_client, sc.probe.routing);
        } else if (n > 1) {
          NodeId pick = static_cast<NodeId>(c.rng.next_below(n - 1));
          target = pick >= writer ? pick + 1 : pick;
        }
        const std::uint32_t slot = new_op(probe_client, OpType::get, key, level, Source::probe);
        Op& op = ops[slot];
        op.source_index = static_cast<std::uint32_t>(d);
        op.scheduled = true;
        op.node = target;
        queue.push(now + sc.probe.delays[d], kProbeRead, slot);
      }
    }
  }

  void on_probe_read(std::uint32_t slot) { invoke(slot, ops[slot].node); }

  // ---------------------------------------------------------------- the end

  void finish() {
    const Time now = std::max(queue.now(), end_time);
    m.engine.end_time = end_time;
    if (leaders_now == 0) m.elections.time_without_leader += now - no_leader_since;
    m.engine.messages_in_flight_at_end = messages.in_use();
    // Operations still open at the end: the client never heard back.
    // (Their timeout events lie beyond the end of the run.)
    // Collect them in slot order so the result does not depend on the heap.
    std::vector<std::uint32_t> open;
    while (!queue.empty()) {
      Event e = queue.pop();
      if (e.kind == kOpTimeout) open.push_back(e.index);
    }
    std::sort(open.begin(), open.end());
    for (std::uint32_t slot : open) {
      Op& op = ops[slot];
      op.timeout_fired = true;
      if (!op.done && !op.scheduled) complete_failed(slot, FailReason::client_timeout, kNoNode);
    }

    // Final state: the live node that leads with the highest term, or else
    // the live node with the most up-to-date log.
    NodeId ref = kNoNode;
    NodeStatus best{};
    for (NodeId i = 0; i < n; ++i) {
      if (!nodes[i].up) continue;
      NodeStatus st = nodes[i].node->status();
      auto rank = [](const NodeStatus& s, bool leader) {
        return std::tuple<bool, std::uint64_t, std::uint64_t, std::uint64_t>(leader, leader ? s.term : 0, s.last_term,
                                                                              s.last_index);
      };
      if (ref == kNoNode || rank(st, nodes[i].leader) > rank(best, nodes[ref].leader)) {
        ref = i;
        best = st;
      }
    }
    if (leaderless) {
      // No node's state is the reference: a key's final version is the
      // newest any live replica of it holds (what a read of all would find).
      m.lost = checker.lost_writes([&](Key k) {
        Version v;
        const std::uint64_t owners = replicas_of(k);
        for (NodeId i = 0; i < n; ++i)
          if (nodes[i].up && ((owners >> i) & 1)) v = std::max(v, nodes[i].node->record(k).version);
        return v;
      });
      m.lost.reference = kNoNode;
      for (const NodeSlot& ns : nodes) m.leaderless.add(ns.node->leaderless_counters());
      for (const Client& c : clients)
        if (c.coord) m.leaderless.add(c.coord->counters());
    } else if (ref != kNoNode) {
      const Node& rn = *nodes[ref].node;
      m.lost = checker.lost_writes([&](Key k) { return rn.record(k).version; });
      m.lost.reference = ref;
    }
    // Did the live replicas converge?
    std::uint32_t diverged = 0;
    const std::uint32_t keys = total_keys();
    for (Key k = 0; k < keys; ++k) {
      Version v0;
      bool first = true;
      const std::uint64_t owners = replicas_of(k);
      for (NodeId i = 0; i < n; ++i) {
        if (!nodes[i].up || !((owners >> i) & 1)) continue;
        Version v = nodes[i].node->record(k).version;
        if (first) {
          v0 = v;
          first = false;
        } else if (v != v0) {
          ++diverged;
          break;
        }
      }
    }
    m.convergence.keys_diverged = diverged;
    m.convergence.cluster_converged = diverged == 0;
    convergence.finish(m.convergence);
    std::stable_sort(m.script.begin(), m.script.end(),
                     [](const ScriptResult& a, const ScriptResult& b) { return a.index < b.index; });
  }
};

World::World(const Scenario& scenario, TraceWriter* trace) : impl_(std::make_unique<Impl>(scenario, trace)) {}
World::~World() = default;
void World::run() { impl_->run(); }
void World::set_observer(WorldObserver* observer) { impl_->observer = observer; }

std::string World::event_kind_name(std::uint32_t kind, int msg_kind) {
  switch (kind) {
    case kDeliver:
      return msg_kind >= 0 ? fmt::format("deliver {}", to_string(static_cast<MsgKind>(msg_kind))) : "deliver";
    case kTimer: return "timer";
    case kArrival: return "arrival";
    case kThink: return "think";
    case kOpTimeout: return "op-timeout";
    case kProbeWrite: return "probe-write";
    case kProbeRead: return "probe-read";
    case kScript: return "script";
    case kTimeline: return "timeline";
  }
  return fmt::format("kind#{}", kind);
}
const Scenario& World::scenario() const { return impl_->sc; }
const Metrics& World::metrics() const { return impl_->m; }
const Node& World::node(NodeId n) const { return *impl_->nodes.at(n).node; }

std::vector<NodeStatus> World::node_statuses() const {
  std::vector<NodeStatus> v;
  for (const auto& ns : impl_->nodes) v.push_back(ns.node->status());
  return v;
}

std::vector<bool> World::nodes_up() const {
  std::vector<bool> v;
  for (const auto& ns : impl_->nodes) v.push_back(ns.up);
  return v;
}

std::string World::key_name(Key k) const {
  if (k < impl_->workload_keys) return fmt::format("k{}", k);
  const std::size_t i = k - impl_->workload_keys;
  if (i < impl_->extra_key_names.size()) return impl_->extra_key_names[i];
  return fmt::format("key#{}", k);
}

std::string World::value_text(const Record& r) const {
  if (r.version.is_zero()) return "(none)";
  if (r.tombstone) return "(deleted)";
  if (r.value & kScriptValueBit) {
    const std::size_t i = r.value & ~kScriptValueBit;
    if (i < impl_->script_values.size()) return impl_->script_values[i];
  }
  return fmt::format("v{}", r.value);
}

}  // namespace consim
