// core/node.cpp: the public Node API, message dispatch, timers, roles and
// leader election (majority and lowest_alive).
//
// Design notes (see also node_impl.h):
//  - Terms are unique per leader. In majority mode votes guarantee it. In
//    lowest_alive mode a node taking the lead picks the smallest term
//    t > term with t % N == id, so no two nodes can ever pick the same term.
//    With bootstrap_leader, node 0 leads term N (the smallest positive term
//    that rule allows node 0) and every other node starts as its follower in
//    term N, having voted for it; the same term is used in majority mode.
//  - A term is unique per leader only while durable state survives: a node
//    restarted without its disk may vote or lead twice in one term. That is a
//    simulated failure, handled as data (the older claim simply loses). So
//    that replicas still converge, a leadership is named by (term,
//    lead_id()) (leader id + restart count), every log entry records the
//    leadership that wrote it, and log matching compares it too
//    (core/log.h, node_replication.cpp).
#include <algorithm>
#include <cassert>

#include "core/node_impl.h"

namespace consim {

std::string_view to_string(Role r) {
  switch (r) {
    case Role::follower: return "follower";
    case Role::candidate: return "candidate";
    case Role::leader: return "leader";
  }
  return "?";
}

Node::Impl::Impl(const NodeConfig& c) : cfg(c) {
  assert(cfg.validate().empty());
  store.resize(cfg.key_space);
  early.reserve(kReorderLimit);
  if (cfg.replication == Replication::leaderless)
    coord = std::make_unique<Coordinator>(coordinator_config(cfg), timer_id(TimerKind::coordinator, epoch));
}

// ---------------------------------------------------------------- lifecycle

// REQUIRES: volatile state wiped (fresh Impl or wipe_volatile()).
void Node::Impl::boot(Time now, bool bootstrap, Outputs& out) {
  boot_time = now;
  if (cfg.replication == Replication::leaderless) {
    last_heard.fill(now);  // every peer counts as up at boot
    note_role(out);        // a follower of no one, for good
    request_timer(TimerKind::tick, now, now + cfg.heartbeat_interval, out);
    tick_armed = true;
    if (cfg.anti_entropy_interval > 0)
      request_timer(TimerKind::anti_entropy, now, now + cfg.anti_entropy_interval, out);
    return;
  }
  // Everyone counts as alive at boot: a node does not grab the lead before
  // it had election_timeout to hear the nodes below it.
  last_heard.fill(now);
  may_claim_at_once = bootstrap;
  if (bootstrap) {
    term = cfg.nodes;  // node 0's first term under the lowest_alive rule
    voted_for = 0;
    leader = 0;
    role = cfg.id == 0 ? Role::leader : Role::follower;
    if (role == Role::leader) start_quorum();
  }
  note_role(out);
  // First tick somewhere in the first heartbeat interval (the caller jitters),
  // then one every heartbeat_interval.
  request_timer(TimerKind::tick, now, now + cfg.heartbeat_interval, out);
  tick_armed = true;
  if (cfg.election == Election::majority && role != Role::leader) {
    reset_election_deadline(now, out);
  }
}

void Node::Impl::wipe_volatile() {
  role = Role::follower;
  leader = kNoNode;
  commit_index = 0;
  appended_commit = 0;
  leader_match = 0;
  leader_lead = 0;
  election_deadline = kNever;
  election_armed = false;
  tick_armed = false;
  votes = 0;
  match.fill(0);
  catchup_end.fill(0);
  hb_seen.fill(0);
  early.clear();
  writes.clear();
  writes_timer = TimerSlot{};
  reads.clear();
  parked.clear();
  reads_timer = TimerSlot{};
  snap_cache.reset();
  if (coord) coord->reset(timer_id(TimerKind::coordinator, epoch));
}

// A fresh, empty node. Every key that held a record reports the loss.
void Node::Impl::wipe_durable(Outputs& out) {
  term = 0;
  voted_for = kNoNode;
  log.reset(0, 0, 0);
  tentative.clear();
  hints.clear();
  for (Key k = 0; k < store.size(); ++k) set_record(k, Record{}, out);
}

// ---------------------------------------------------------------- dispatch

void Node::Impl::step(Time now, const Message& m, Outputs& out) {
  if (is_node(m.from) && m.from != cfg.id) last_heard[m.from] = now;
  if (cfg.replication == Replication::leaderless) {
    step_leaderless(now, m, out);
    return;
  }
  switch (m.kind) {
    case MsgKind::client_get: handle_client_get(now, m, out); break;
    case MsgKind::client_put:
    case MsgKind::client_delete: handle_client_put(now, m, out); break;
    case MsgKind::client_reply: break;  // not addressed to nodes
    case MsgKind::append: handle_append(now, m, out); break;
    case MsgKind::append_reply: handle_append_reply(now, m, out); break;
    case MsgKind::heartbeat: handle_heartbeat(now, m, out); break;
    case MsgKind::heartbeat_reply: handle_heartbeat_reply(now, m, out); break;
    case MsgKind::install_snapshot: handle_install_snapshot(now, m, out); break;
    case MsgKind::request_vote: handle_request_vote(now, m, out); break;
    case MsgKind::vote_reply: handle_vote_reply(now, m, out); break;
    case MsgKind::read_query: handle_read_query(m, out); break;
    case MsgKind::read_reply: handle_read_reply(m, out); break;
    case MsgKind::repair: handle_repair(m, out); break;
    default: break;  // leaderless kinds: not ours
  }
}

Message& Node::Impl::send(MsgKind k, EndpointId to, Outputs& out) const {
  Message& m = out.messages.emplace_back();
  m.kind = k;
  m.from = cfg.id;
  m.to = to;
  m.term = term;
  return m;
}

// ---------------------------------------------------------------- timers

void Node::Impl::request_timer(TimerKind k, Time at_min, Time at_max, Outputs& out) {
  out.timers.push_back({timer_id(k, epoch), at_min, at_max});
}

// One live timer per deadline kind. Deadlines of a kind are requested in
// increasing order (now + a fixed timeout), so a live timer always fires no
// later than any deadline added since; on firing it re-arms for the oldest.
void Node::Impl::arm_deadline_timer(TimerKind k, TimerSlot& slot, Time at, Outputs& out) {
  if (slot.armed && slot.at <= at) return;
  request_timer(k, at, at, out);
  slot.armed = true;
  slot.at = at;
}

void Node::Impl::on_timer(Time now, std::uint64_t id, Outputs& out) {
  if ((id & kTimerEpochMask) != (epoch & kTimerEpochMask)) return;  // pre-crash
  switch (static_cast<TimerKind>(id >> kTimerKindShift)) {
    case TimerKind::tick:
      tick_armed = false;
      if (cfg.replication == Replication::leaderless) {
        on_tick_leaderless(now, out);
      } else {
        on_tick(now, out);
      }
      break;
    case TimerKind::coordinator:
      if (coord) coord->on_timer(now, out);
      break;
    case TimerKind::anti_entropy:
      on_anti_entropy(now, out);
      break;
    case TimerKind::election:
      election_armed = false;
      on_election_timer(now, out);
      break;
    case TimerKind::writes:
      writes_timer.armed = false;
      expire_writes(now, out);
      break;
    case TimerKind::reads:
      reads_timer.armed = false;
      expire_reads(now, out);
      break;
    default:
      assert(false && "unknown timer kind");
  }
}

// The periodic tick: heartbeats (leader; in lowest_alive every node) and the
// lowest_alive leadership decisions.
void Node::Impl::on_tick(Time now, Outputs& out) {
  request_timer(TimerKind::tick, now + cfg.heartbeat_interval,
                now + cfg.heartbeat_interval, out);
  tick_armed = true;
  if (cfg.election == Election::lowest_alive) {
    const NodeId lowest = lowest_alive(now);
    if (lowest == cfg.id && role != Role::leader && may_claim(now)) {
      become_leader(now, next_unique_term(), out);  // heartbeats at once
      return;
    }
    if (lowest != cfg.id && role == Role::leader) step_down(now, term, lowest, out);
    broadcast_heartbeat(out);  // leader: replication; others: liveness ping
    return;
  }
  if (role == Role::leader) broadcast_heartbeat(out);
}

// lowest_alive: the lowest id heard from within election_timeout (self
// always counts).
NodeId Node::Impl::lowest_alive(Time now) const {
  for (NodeId n = 0; n < cfg.id; ++n) {
    if (now - last_heard[n] <= cfg.election_timeout) return n;
  }
  return cfg.id;
}

// lowest_alive: a node may take the lead once it had election_timeout since
// boot to hear the nodes below it (waived for the bootstrap leader).
bool Node::Impl::may_claim(Time now) const {
  return may_claim_at_once || now - boot_time >= cfg.election_timeout;
}

// lowest_alive: a leader message m (term >= ours) from a higher id reached
// the lowest alive node. That node does not follow it: it takes the lead at
// once with a term above m.term, and its reply (carrying that term) deposes
// the sender. Returns whether it did; the caller then only replies.
// Without this, the lowest node would follow the other leader (and take its
// entries) until its next tick; with it, the lowest node's log always wins,
// which is the chapter's rule: the lowest id alive leads.
bool Node::Impl::reclaim_lead(Time now, const Message& m, Outputs& out) {
  if (cfg.election != Election::lowest_alive) return false;
  if (lowest_alive(now) != cfg.id || !may_claim(now)) return false;
  if (role == Role::leader && m.term == term) return false;  // reused term
  step_down(now, m.term, kNoNode, out);  // answers our pending writes
  become_leader(now, next_unique_term(), out);
  return true;
}

// lowest_alive: the smallest term above every term seen (we adopt every
// higher term we see, so `term` is the maximum) that belongs to this node.
std::uint64_t Node::Impl::next_unique_term() const {
  std::uint64_t t = term + 1;
  while (t % cfg.nodes != cfg.id) ++t;
  return t;
}

// majority: push the election deadline to now + T. The timer is requested
// over [deadline, deadline + T]: the caller's choice inside it is the jitter.
void Node::Impl::reset_election_deadline(Time now, Outputs& out) {
  if (cfg.election != Election::majority) return;
  election_deadline = now + cfg.election_timeout;
  if (!election_armed) {
    request_timer(TimerKind::election, election_deadline,
                  election_deadline + cfg.election_timeout, out);
    election_armed = true;
  }
}

void Node::Impl::on_election_timer(Time now, Outputs& out) {
  if (cfg.election != Election::majority || role == Role::leader) return;
  if (now < election_deadline) {  // heard from a leader since: wait again
    request_timer(TimerKind::election, election_deadline,
                  election_deadline + cfg.election_timeout, out);
    election_armed = true;
    return;
  }
  start_election(now, out);
}

// ---------------------------------------------------------------- roles

void Node::Impl::note_role(Outputs& out) {
  RoleChange rc{role, term, leader};
  if (role_noted && rc.role == last_role.role && rc.term == last_role.term &&
      rc.leader == last_role.leader) {
    return;
  }
  role_noted = true;
  last_role = rc;
  out.roles.push_back(rc);
}

// Any Raft-family message carrying a higher term makes us a follower of that
// term (leader unknown). Returns whether it did.
bool Node::Impl::observe_term(Time now, std::uint64_t t, Outputs& out) {
  if (t <= term) return false;
  step_down(now, t, kNoNode, out);
  return true;
}

// A valid append / heartbeat / snapshot from `from` as leader of term t,
// leadership `lead`.
// REQUIRES: t >= term.
void Node::Impl::observe_leader(Time now, std::uint64_t t, NodeId from, std::uint64_t lead,
                                Outputs& out) {
  assert(t >= term);
  if (t > term || role != Role::follower || leader != from || leader_lead != lead) {
    // role == leader with t == term only happens after a non-durable
    // restart reused a term; the other claim wins.
    step_down(now, t, from, out);
    if (leader_lead != lead) {
      // Another leadership of the same term (a term reused after amnesia):
      // what we knew of the previous one's log says nothing about this one.
      leader_match = 0;
      early.clear();
      leader_lead = lead;
    }
  }
  reset_election_deadline(now, out);
}

// Become (or stay) a follower of term t, believing `new_leader` leads.
// REQUIRES: t >= term.
void Node::Impl::step_down(Time now, std::uint64_t t, NodeId new_leader, Outputs& out) {
  assert(t >= term);
  const bool was_leader = role == Role::leader;
  if (t > term) {
    term = t;
    voted_for = kNoNode;
    early.clear();  // buffered entries belong to the old term's leader
    leader_match = 0;
    leader_lead = 0;
  }
  role = Role::follower;
  leader = new_leader;
  votes = 0;
  if (was_leader) fail_pending_writes(new_leader, out);
  if (cfg.election == Election::majority && !election_armed) {
    reset_election_deadline(now, out);
  }
  note_role(out);
}

// REQUIRES: t >= term; t is ours alone (votes or the lowest_alive term rule).
void Node::Impl::become_leader(Time now, std::uint64_t t, Outputs& out) {
  assert(t >= term);
  assert(writes.empty());
  if (t > term) {
    term = t;
    early.clear();
  }
  leader_match = 0;
  leader_lead = lead_id();
  voted_for = cfg.id;
  role = Role::leader;
  leader = cfg.id;
  votes = 0;
  // Follower positions are unknown: heartbeat replies will tell.
  match.fill(0);
  catchup_end.fill(0);
  hb_seen.fill(0);
  start_quorum();
  // Repaired records of older terms beyond our log can never enter it now.
  if (!tentative.empty()) drop_phantoms(log.last_index(), UINT64_MAX, term, out);
  note_role(out);
  broadcast_heartbeat(out);
  (void)now;
}

// ---------------------------------------------------------------- majority

void Node::Impl::start_election(Time now, Outputs& out) {
  ++term;
  role = Role::candidate;
  leader = kNoNode;
  voted_for = cfg.id;
  votes = std::uint64_t{1} << cfg.id;
  early.clear();
  leader_match = 0;
  leader_lead = 0;
  note_role(out);
  reset_election_deadline(now, out);
  if (majority() <= 1) {
    become_leader(now, term, out);
    return;
  }
  for (NodeId n = 0; n < cfg.nodes; ++n) {
    if (n == cfg.id) continue;
    Message& m = send(MsgKind::request_vote, n, out);
    m.index = log.last_index();
    m.prev_term = log.last_term();
  }
}

void Node::Impl::handle_request_vote(Time now, const Message& m, Outputs& out) {
  if (cfg.election != Election::majority || !is_node(m.from)) return;
  observe_term(now, m.term, out);
  const bool log_ok = m.prev_term != log.last_term() ? m.prev_term > log.last_term()
                                                     : m.index >= log.last_index();
  const bool grant = m.term == term && log_ok &&
                     (voted_for == kNoNode || voted_for == m.from);
  if (grant) {
    voted_for = m.from;
    reset_election_deadline(now, out);
  }
  Message& r = send(MsgKind::vote_reply, m.from, out);
  r.status = grant ? Status::ok : Status::reject;
}

void Node::Impl::handle_vote_reply(Time now, const Message& m, Outputs& out) {
  if (cfg.election != Election::majority || !is_node(m.from)) return;
  if (observe_term(now, m.term, out)) return;
  if (role != Role::candidate || m.term != term || m.status != Status::ok) return;
  votes |= std::uint64_t{1} << m.from;
  if (static_cast<std::uint32_t>(__builtin_popcountll(votes)) >= majority()) {
    become_leader(now, term, out);
  }
}

// ---------------------------------------------------------------- store

const Record& Node::Impl::local(Key k) const {
  static const Record kNone{};
  return k < store.size() ? store[k] : kNone;
}

void Node::Impl::set_record(Key k, const Record& r, Outputs& out) {
  if (k >= store.size()) {
    if (r.version.is_zero() && !r.tombstone && r.value == 0) return;
    store.resize(std::size_t{k} + 1);
  }
  Record& cur = store[k];
  if (cur.version == r.version && cur.value == r.value && cur.tombstone == r.tombstone) {
    return;
  }
  cur = r;
  ++store_gen;
  out.applied.push_back({k, r.version});
}

bool Node::Impl::apply_if_newer(Key k, const Record& r, Outputs& out) {
  if (!(r.version > local(k).version)) return false;
  set_record(k, r, out);
  return true;
}

// ---------------------------------------------------------------- config

std::string NodeConfig::validate() const {
  if (nodes < 1 || nodes > kMaxNodes) return "nodes must be within 1..64";
  if (id >= nodes) return "id must be below nodes";
  const bool leaderless = replication == Replication::leaderless;
  if (replicas > nodes) return "replicas must be at most nodes";
  const std::uint32_t n = leaderless && replicas != 0 ? replicas : nodes;
  if (write_quorum < 1 || write_quorum > n) return "write_quorum must be within 1..N";
  if (read_quorum < 1 || read_quorum > n) return "read_quorum must be within 1..N";
  if (heartbeat_interval <= 0) return "heartbeat_interval must be > 0";
  if (election_timeout <= 0) return "election_timeout must be > 0";
  if (write_timeout <= 0 || read_timeout <= 0) return "write_timeout and read_timeout must be > 0";
  if (catchup_batch < 1) return "catchup_batch must be >= 1";
  if (log_retain < 1) return "log_retain must be >= 1";
  if (anti_entropy_interval < 0) return "anti_entropy_interval must be >= 0";
  if (read_repair_blocking && !(read_repair && leaderless))
    return "read_repair_blocking needs read_repair in leaderless mode";
  return "";
}

// ---------------------------------------------------------------- public API

CoordinatorConfig coordinator_config(const NodeConfig& c) {
  CoordinatorConfig cc;
  cc.self = c.id;
  cc.nodes = c.nodes;
  cc.replicas = c.replicas == 0 ? c.nodes : c.replicas;
  cc.write_quorum = c.write_quorum;
  cc.read_quorum = c.read_quorum;
  cc.read_fanout = c.read_fanout;
  cc.read_repair = c.read_repair;
  cc.read_repair_blocking = c.read_repair_blocking;
  cc.sloppy_quorum = c.sloppy_quorum;
  cc.write_timeout = c.write_timeout;
  cc.read_timeout = c.read_timeout;
  cc.clock = c.clock;
  return cc;
}

Node::Node(const NodeConfig& cfg) : impl_(std::make_unique<Impl>(cfg)) {}
Node::~Node() = default;

// In leaderless mode, messages a node addresses to itself (its coordinator
// asking its own replica) are handled at once, before the call returns.

void Node::start(Time now, Outputs& out) {
  const std::size_t mark = out.messages.size();
  impl_->boot(now, impl_->cfg.bootstrap_leader, out);
  impl_->loopback(now, mark, out);
}

void Node::restart(Time now, bool durable, Outputs& out) {
  const std::size_t mark = out.messages.size();
  ++impl_->epoch;  // every timer requested before the crash is now stale
  impl_->wipe_volatile();
  if (!durable) impl_->wipe_durable(out);
  impl_->boot(now, false, out);
  impl_->loopback(now, mark, out);
}

void Node::step(Time now, const Message& m, Outputs& out) {
  Impl& s = *impl_;
  // Leader mode: nothing to loop back, so a tail call (this runs for every message).
  if (s.cfg.replication != Replication::leaderless) return s.step(now, m, out);
  const std::size_t mark = out.messages.size();
  s.step(now, m, out);
  s.loopback_leaderless(now, mark, out);
}

void Node::on_timer(Time now, std::uint64_t timer_id, Outputs& out) {
  const std::size_t mark = out.messages.size();
  impl_->on_timer(now, timer_id, out);
  impl_->loopback(now, mark, out);
}

NodeStatus Node::status() const {
  const Impl& s = *impl_;
  NodeStatus st;
  st.id = s.cfg.id;
  st.role = s.role;
  st.term = s.term;
  st.leader = s.leader;
  st.last_index = s.log.last_index();
  st.last_term = s.log.last_term();
  st.commit_index = s.commit_index;
  for (const Record& r : s.store) st.keys_present += r.present() ? 1 : 0;
  return st;
}

Record Node::record(Key k) const { return impl_->local(k); }
std::uint32_t Node::key_count() const { return static_cast<std::uint32_t>(impl_->store.size()); }
bool Node::is_leader() const { return impl_->role == Role::leader; }
std::uint64_t Node::term() const { return impl_->term; }
NodeId Node::leader_hint() const { return impl_->leader; }
const NodeConfig& Node::config() const { return impl_->cfg; }
LeaderlessCounters Node::leaderless_counters() const {
  LeaderlessCounters c = impl_->ll;
  if (impl_->coord) c.add(impl_->coord->counters());
  return c;
}
NodeRetained Node::retained() const {
  const Impl& s = *impl_;
  NodeRetained r;
  r.log_entries = s.log.size();
  r.early = s.early.size();
  r.tentative = s.tentative.size();
  r.pending = s.writes.size() + s.reads.size() + s.parked.size() + (s.coord ? s.coord->pending() : 0);
  r.hints = s.hints.size();
  return r;
}

}  // namespace consim
