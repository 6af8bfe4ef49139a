// core/node_replication.cpp: the log: appending and rolling back, follower
// append handling with a reorder buffer, acknowledgement of writes at W
// holders, and catch-up of lagging or divergent followers (heartbeat-driven
// retransmission, Raft's fast back-up, install_snapshot).
//
// Retransmission is driven by heartbeat replies: a follower whose last index
// did not move since its previous heartbeat reply, and is short of ours, is
// sent the entries it lacks.
//
// Catch-up never floods: a follower whose position is unknown or divergent
// gets one probe entry at a time (send_probe); a batch of catchup_batch
// entries is sent only from a position known to match (send_batch), and
// the ack of a batch's last entry triggers the next batch (a pipeline that
// heartbeats restart if a message was lost).
//
// Only the committed prefix is compacted (see safe_prefix()), since a
// compacted entry can no longer be rolled back; a follower whose log
// conflicts with the leader's below its own snapshot point is sent a
// snapshot.
//
// Convergence: the leader brings any follower to its own state, whatever
// the follower holds.
//  - Entries are identified by (index, term, lead) (core/log.h): after a
//    non-durable restart a term number may be reused by a second
//    leadership, and (index, term) alone would make a foreign entry look
//    like ours.
//  - A follower whose log matches the leader's last entry drops every entry
//    beyond it that this leadership did not write (drop_foreign_suffix, on
//    heartbeat and snapshot): such entries can never be acknowledged.
//  - A follower whose last entry is not in the leader's log is probed back
//    to a common point; when that point is at or below the leader's
//    snapshot point (an empty leader log included) it is sent a snapshot.
//  - install_snapshot means "become exactly this state", even when the
//    follower's log or snapshot reaches further, unless the follower
//    already holds it or it is older than what the follower has of this
//    leadership's log (leader_match).
#include <algorithm>
#include <array>
#include <cassert>
#include <cstdint>

#include "core/node_impl.h"

namespace consim {

// ---------------------------------------------------------------- local log

// Appends the entry and applies it to the store if it is newer than what
// the store holds (a read repair may have got there first).
// REQUIRES: rec.version.index == log.last_index() + 1.
void Node::Impl::append_local(Time now, Key key, const Record& rec, std::uint64_t lead,
                              Outputs& out) {
  assert(rec.version.index == log.last_index() + 1);
  assert(rec.version.term >= log.last_term());
  LogEntry e;
  e.term = rec.version.term;
  e.lead = lead;
  e.key = key;
  e.rec = rec;
  e.undo = local(key);
  if (Tentative* t = find_tentative(key)) {
    e.undo = t->prev;  // the log's view of the key before this entry
    log.append(e);
    if (rec.version == t->version) {
      drop_tentative(t);  // confirmed: the store already holds it
    } else if (rec.version > t->version || rec.version.index >= t->version.index) {
      drop_tentative(t);  // the log has moved past the repair: it decides
      set_record(key, rec, out);
    } else {
      t->prev = rec;  // still ahead of the log
    }
  } else {
    log.append(e);
    apply_if_newer(key, rec, out);
  }
  drop_phantoms(0, rec.version.index, UINT64_MAX, out);
  (void)now;
}

Node::Impl::Tentative* Node::Impl::find_tentative(Key k) {
  for (Tentative& t : tentative) {
    if (t.key == k) return &t;
  }
  return nullptr;
}

void Node::Impl::drop_tentative(const Tentative* t) {
  tentative.erase(tentative.begin() + (t - tentative.data()));
}

// Repaired records with index in (above_index, through_index] and term
// below `below_term` are not in our history: their keys return to the
// log's view.
void Node::Impl::drop_phantoms(std::uint64_t above_index, std::uint64_t through_index,
                               std::uint64_t below_term, Outputs& out) {
  if (tentative.empty()) return;  // nearly always: every append asks
  std::size_t keep = 0;
  for (std::size_t i = 0; i < tentative.size(); ++i) {
    const Tentative t = tentative[i];
    if (t.version.index > above_index && t.version.index <= through_index &&
        t.version.term < below_term) {
      if (local(t.key).version == t.version) set_record(t.key, t.prev, out);
    } else {
      tentative[keep++] = t;
    }
  }
  tentative.resize(keep);
}

// Removes entries index.. last, newest first, restoring each key's previous
// record where the store still holds the removed write.
// REQUIRES: log.contains(index).
void Node::Impl::truncate_from(std::uint64_t index, Outputs& out) {
  assert(log.contains(index));
  while (log.last_index() >= index) {
    const LogEntry& e = log.back();
    if (local(e.key).version == e.rec.version) {
      set_record(e.key, e.undo, out);
    } else if (Tentative* t = find_tentative(e.key); t && t->prev.version == e.rec.version) {
      t->prev = e.undo;  // the store holds a repair; fix the log's view under it
    }
    log.pop_back();
  }
}

// Follower: our log matches the current leadership's through `after` (its
// last index when it sent what we are handling). Entries beyond it that
// this leadership (term t, lead) did not write are not in its log and never
// will be: the leader only appends its own entries there. Roll them back,
// so replicas converge even if no new write comes. (Entries it did write
// may be there ahead of the message, reordered: they are kept; they form a
// run right after `after`, since we append one only on a matching prefix.)
void Node::Impl::drop_foreign_suffix(std::uint64_t after, std::uint64_t t, std::uint64_t lead,
                                     Outputs& out) {
  std::uint64_t i = after + 1;
  while (i <= log.last_index() && log.term_at(i) == t && log.lead_at(i) == lead) ++i;
  if (i <= log.last_index()) truncate_from(i, out);
}

// Entries up to this index of our log are known committed (acknowledged
// by the leader and in the leader's log): the leader's commit index; for a
// follower, the leader's commit as far as our log is known to equal the
// leader's. Only this prefix is compacted, and only a committed record is
// spread by read repair: either way, a write that is later rolled back
// would otherwise leave a replica holding a version no log has, for good.
// (Committed means durable only with majority election and W >= a
// majority; otherwise this is best effort.)
std::uint64_t Node::Impl::safe_prefix() const {
  return role == Role::leader ? commit_index : std::min(commit_index, leader_match);
}

// The prefix compaction may drop: safe_prefix(), where a follower also
// counts the commit index appends carried (appended_commit). Without it a
// follower that hears no heartbeat (an interval longer than the run) would
// never compact, and its log would grow with the run.
std::uint64_t Node::Impl::compactable_prefix() const {
  if (role == Role::leader) return commit_index;
  return std::min(std::max(commit_index, appended_commit), leader_match);
}

// After any change of the log: compaction of the committed prefix beyond
// log_retain entries, and parked session reads may now be answerable.
void Node::Impl::after_log_change(Time now, Outputs& out) {
  log.compact(cfg.log_retain, compactable_prefix());
  recheck_parked(out);
  (void)now;
}

// ---------------------------------------------------------------- sending

// REQUIRES: log.contains(index).
void Node::Impl::send_entry(NodeId f, std::uint64_t index, Outputs& out) {
  const LogEntry& e = log.at(index);
  Message& m = send(MsgKind::append, f, out);
  m.lead = lead_id();
  m.index = index;
  m.prev_index = index - 1;
  m.prev_term = log.term_at(index - 1);
  m.prev_lead = log.lead_at(index - 1);
  m.rec_lead = e.lead;
  m.commit = commit_index;
  m.key = e.key;
  m.rec = e.rec;
}

void Node::Impl::broadcast_append(std::uint64_t index, Outputs& out) {
  for (NodeId n = 0; n < cfg.nodes; ++n) {
    if (n != cfg.id) send_entry(n, index, out);
  }
}

// Entries from .. from+catchup_batch-1 (at most up to our last); a
// snapshot instead if `from` was compacted.
// REQUIRES: the follower's log matches ours at from - 1 (or we think so).
void Node::Impl::send_batch(NodeId f, std::uint64_t from, Outputs& out) {
  if (from <= log.snapshot_index()) {
    send_snapshot(f, out);
    return;
  }
  const std::uint64_t batch = cfg.catchup_batch;
  const std::uint64_t end = std::min(log.last_index(), from + batch - 1);
  for (std::uint64_t i = from; i <= end; ++i) send_entry(f, i, out);
  catchup_end[f] = from <= end ? end : 0;
}

// One entry, to find where the follower's log matches ours.
void Node::Impl::send_probe(NodeId f, std::uint64_t at, Outputs& out) {
  if (at <= log.snapshot_index()) {
    send_snapshot(f, out);
    return;
  }
  if (at > log.last_index()) return;
  send_entry(f, at, out);
  catchup_end[f] = at;
}

// The whole store as of our last index. The copy is cached and shared by
// every follower while neither the log nor the store changes.
void Node::Impl::send_snapshot(NodeId f, Outputs& out) {
  if (!snap_cache || snap_cache_gen != store_gen ||
      snap_cache->last_index != log.last_index() ||
      snap_cache->last_term != log.last_term() || snap_cache->last_lead != log.last_lead()) {
    auto s = std::make_shared<Snapshot>();
    s->last_index = log.last_index();
    s->last_term = log.last_term();
    s->last_lead = log.last_lead();
    s->records = store;
    // A snapshot carries our history only: not records repaired ahead of it.
    for (const Tentative& t : tentative) {
      if (t.key < s->records.size() && s->records[t.key].version == t.version) {
        s->records[t.key] = t.prev;
      }
    }
    snap_cache = std::move(s);
    snap_cache_gen = store_gen;
  }
  Message& m = send(MsgKind::install_snapshot, f, out);
  m.lead = lead_id();
  m.index = snap_cache->last_index;
  m.prev_term = snap_cache->last_term;
  m.prev_lead = snap_cache->last_lead;
  m.commit = commit_index;
  m.snapshot = out.hold(snap_cache);
  catchup_end[f] = snap_cache->last_index;
}

// Leader: replication heartbeat. lowest_alive non-leaders: liveness ping.
// Convention: hint = the sender's leader belief, so a heartbeat carries
// replication meaning iff hint == from (always true in majority mode, where
// only leaders send them).
void Node::Impl::broadcast_heartbeat(Outputs& out) {
  for (NodeId n = 0; n < cfg.nodes; ++n) {
    if (n == cfg.id) continue;
    Message& m = send(MsgKind::heartbeat, n, out);
    m.commit = commit_index;
    m.index = log.last_index();
    m.prev_term = log.last_term();
    m.prev_lead = log.last_lead();
    m.lead = role == Role::leader ? lead_id() : 0;
    m.hint = leader;
  }
}

// ---------------------------------------------------------------- follower

void Node::Impl::reply_append(const Message& m, Status s, std::uint64_t hint_index,
                              std::uint64_t hint_term, Outputs& out) {
  Message& r = send(MsgKind::append_reply, m.from, out);
  r.status = s;
  r.index = log.last_index();
  r.prev_term = log.last_term();
  r.prev_lead = log.last_lead();
  r.hint_index = hint_index;
  r.hint_term = hint_term;
  if (s == Status::reject) r.prev_index = m.prev_index;  // the position that failed
}

// Reject hints (Raft's fast back-up):
//   hint_term = our conflicting term, hint_index = our first index of it;
//   hint_term = 0, hint_index = i: we cannot check below i, resend from i;
//   hint_index = 0: our log conflicts at our snapshot point, or our entry
//   before the append has the right term but another leadership (a reused
//   term): send a snapshot.
void Node::Impl::handle_append(Time now, const Message& m, Outputs& out) {
  if (!is_node(m.from)) return;
  if (m.term < term || reclaim_lead(now, m, out)) {
    reply_append(m, Status::reject, 0, 0, out);  // our term deposes the sender
    return;
  }
  observe_leader(now, m.term, m.from, m.lead, out);
  appended_commit = std::max(appended_commit, m.commit);
  assert(m.index == m.prev_index + 1 && m.rec.version.index == m.index);
  if (m.index <= leader_match) {  // a late duplicate of what we have
    reply_append(m, Status::ok, 0, 0, out);
    return;
  }
  const std::uint64_t p = m.prev_index;
  if (p > log.last_index()) {  // early: its predecessor has not arrived
    stash_early(m);
    reply_append(m, Status::ok, 0, 0, out);
    return;
  }
  if (p < log.snapshot_index()) {
    reply_append(m, Status::reject, log.snapshot_index() + 1, 0, out);
    return;
  }
  if (log.term_at(p) != m.prev_term) {
    if (p == log.snapshot_index()) {
      reply_append(m, Status::reject, 0, 0, out);
    } else {
      reply_append(m, Status::reject, log.first_index_of_term_at(p), log.term_at(p), out);
    }
    return;
  }
  if (log.lead_at(p) != m.prev_lead) {  // same term, another leadership
    reply_append(m, Status::reject, 0, 0, out);
    return;
  }
  // prev matches: the entry extends or overlaps our log.
  if (m.index <= log.last_index()) {
    if (log.term_at(m.index) == m.rec.version.term &&
        log.lead_at(m.index) == m.rec_lead) {  // duplicate
      leader_match = std::max(leader_match, m.index);
      reply_append(m, Status::ok, 0, 0, out);
      return;
    }
    truncate_from(m.index, out);  // conflict: the leader's entry wins
  }
  append_local(now, m.key, m.rec, m.rec_lead, out);
  leader_match = m.index;
  drain_early(now, out);
  after_log_change(now, out);
  reply_append(m, Status::ok, 0, 0, out);
}

// Buffers an append of the current term that arrived before its
// predecessor. Kept sorted by index; beyond kReorderLimit entries, dropped
// (the heartbeat catch-up resends them).
// REQUIRES: m.prev_index > log.last_index(), m.term == term.
void Node::Impl::stash_early(const Message& m) {
  EarlyEntry e;
  e.index = m.index;
  e.prev_term = m.prev_term;
  e.prev_lead = m.prev_lead;
  e.lead = m.rec_lead;
  e.key = m.key;
  e.rec = m.rec;
  auto it = std::lower_bound(early.begin(), early.end(), e.index,
                             [](const EarlyEntry& a, std::uint64_t i) { return a.index < i; });
  if (it != early.end() && it->index == e.index) {
    *it = e;  // same leader, same index: the same entry
    return;
  }
  if (early.size() >= kReorderLimit) return;
  early.insert(it, e);
}

// Appends buffered entries that now follow our last entry.
void Node::Impl::drain_early(Time now, Outputs& out) {
  if (early.empty()) return;  // nearly always: every append asks
  std::size_t used = 0;
  for (; used < early.size(); ++used) {
    const EarlyEntry& e = early[used];
    if (e.index <= log.last_index()) continue;  // we got it another way
    if (e.index != log.last_index() + 1) break;  // still a gap
    if (e.prev_term != log.last_term() || e.prev_lead != log.last_lead()) {
      continue;  // stale: cannot follow ours
    }
    append_local(now, e.key, e.rec, e.lead, out);
    leader_match = e.index;  // it followed our last entry: a leader's prefix
  }
  early.erase(early.begin(), early.begin() + static_cast<std::ptrdiff_t>(used));
}

// Leader heartbeat or, in lowest_alive, a liveness ping (hint != from).
void Node::Impl::handle_heartbeat(Time now, const Message& m, Outputs& out) {
  if (!is_node(m.from)) return;
  const bool from_leader = cfg.election == Election::majority || m.hint == m.from;
  if (!from_leader) {
    observe_term(now, m.term, out);
    return;
  }
  if (m.term < term || reclaim_lead(now, m, out)) {  // our term deposes it
    Message& r = send(MsgKind::heartbeat_reply, m.from, out);
    r.index = log.last_index();
    r.prev_term = log.last_term();
    r.prev_lead = log.last_lead();
    return;
  }
  observe_leader(now, m.term, m.from, m.lead, out);
  commit_index = std::max(commit_index, m.commit);
  // Our log matches the leader's at its last index but goes on with entries
  // this leadership did not write: roll them back (drop_foreign_suffix).
  // Otherwise our reply tells the leader where we are, and it repairs us.
  const std::uint64_t l = m.index;
  if (log.matches(l, m.prev_term, m.prev_lead)) {
    leader_match = std::max(leader_match, l);
    if (l < log.last_index()) {
      drop_foreign_suffix(l, m.term, m.lead, out);
      after_log_change(now, out);
    }
  }
  // Likewise a repaired record of an older term beyond the leader's last
  // index can never enter our log.
  if (!tentative.empty()) drop_phantoms(l, UINT64_MAX, m.term, out);
  Message& r = send(MsgKind::heartbeat_reply, m.from, out);
  r.index = log.last_index();
  r.prev_term = log.last_term();
  r.prev_lead = log.last_lead();
}

// Become exactly the snapshot's state: replace the store and empty the log,
// whatever we hold (a longer log, a snapshot beyond it, entries of a reused
// term). Two exceptions: our log already holds the snapshot's last entry
// (then we keep what this leadership wrote beyond it and drop the rest), or
// the snapshot is older than what we already have of this leadership's log
// (a late duplicate: s.last_index <= leader_match, with leader_match > 0).
void Node::Impl::handle_install_snapshot(Time now, const Message& m, Outputs& out) {
  if (!is_node(m.from)) return;
  if (m.term < term || reclaim_lead(now, m, out)) {
    reply_append(m, Status::reject, 0, 0, out);
    return;
  }
  observe_leader(now, m.term, m.from, m.lead, out);
  assert(m.snapshot);
  const Snapshot& s = *m.snapshot;
  if (log.matches(s.last_index, s.last_term, s.last_lead)) {
    leader_match = std::max(leader_match, s.last_index);
    if (s.last_index < log.last_index()) {
      drop_foreign_suffix(s.last_index, m.term, m.lead, out);
      after_log_change(now, out);
    }
  } else if (leader_match == 0 || s.last_index > leader_match) {
    tentative.clear();  // the whole store is replaced
    const std::size_t n = std::max(store.size(), s.records.size());
    for (std::size_t k = 0; k < n; ++k) {
      set_record(static_cast<Key>(k), k < s.records.size() ? s.records[k] : Record{}, out);
    }
    log.reset(s.last_index, s.last_term, s.last_lead);
    leader_match = s.last_index;
    drain_early(now, out);
    after_log_change(now, out);
  }
  reply_append(m, Status::ok, 0, 0, out);
}

// ---------------------------------------------------------------- leader

void Node::Impl::handle_append_reply(Time now, const Message& m, Outputs& out) {
  if (!is_node(m.from) || m.from == cfg.id) return;
  if (observe_term(now, m.term, out)) return;
  if (role != Role::leader || m.term != term) return;
  const NodeId f = m.from;
  if (m.status == Status::ok) {
    // A position not in our log (a divergent follower): the next heartbeat
    // reply resynchronises it.
    if (!log.matches(m.index, m.prev_term, m.prev_lead)) return;
    note_follower_at(now, f, m.index, out);
    if (catchup_end[f] != 0 && m.index >= catchup_end[f]) {  // pipeline
      if (m.index < log.last_index()) {
        send_batch(f, m.index + 1, out);
      } else {
        catchup_end[f] = 0;
      }
    }
    return;
  }
  // The follower conflicts at its snapshot point, or its compacted prefix
  // reaches past our whole log: no entry of ours can follow what it has.
  if (m.hint_index == 0 || (m.hint_term == 0 && m.hint_index > log.last_index())) {
    send_snapshot(f, out);
    return;
  }
  std::uint64_t next = m.hint_index;
  if (m.hint_term != 0) {
    // Our last entry of the follower's conflicting term. Without amnesia it
    // lies below the failed position; after a term was reused it may not
    // (our run of that term is another leadership's): then back up to the
    // start of the follower's run instead, so every probe moves back.
    const std::uint64_t l = log.last_index_of_term(m.hint_term);
    if (l != 0 && l < m.prev_index) next = l + 1;
  }
  next = std::min(next, log.last_index());
  if (next <= log.snapshot_index()) {  // no entry to offer (an empty log included)
    send_snapshot(f, out);
    return;
  }
  send_probe(f, next, out);
}

void Node::Impl::handle_heartbeat_reply(Time now, const Message& m, Outputs& out) {
  if (!is_node(m.from) || m.from == cfg.id) return;
  if (observe_term(now, m.term, out)) return;
  if (role != Role::leader || m.term != term) return;
  const NodeId f = m.from;
  const std::uint64_t before = hb_seen[f];
  hb_seen[f] = m.index;
  if (log.matches(m.index, m.prev_term, m.prev_lead)) {
    note_follower_at(now, f, m.index, out);
    // Resend only to a follower that made no progress over a heartbeat
    // interval: one that is merely behind by entries in flight (or buffered
    // out of order) will get them without help.
    if (m.index < log.last_index() && m.index <= before) send_batch(f, m.index + 1, out);
    return;
  }
  // Divergent, longer than ours, or behind our snapshot: probe where the
  // logs may meet; rejects walk it back. If that point is at or below our
  // snapshot point (our log may be empty), a snapshot of our state replaces
  // the follower's, whatever it holds.
  const std::uint64_t at = std::min(m.index, log.last_index());
  if (at <= log.snapshot_index()) {
    send_snapshot(f, out);
    return;
  }
  send_probe(f, at, out);
}

// The follower's log matches ours through `index`.
void Node::Impl::note_follower_at(Time now, NodeId f, std::uint64_t index, Outputs& out) {
  assert(index <= log.last_index());
  const std::uint64_t was = match[f];
  if (index > was) {
    match[f] = index;
    // One more holder of every index in (was, index] still counted.
    for (std::uint64_t i = std::max(was, quorum_base) + 1; i <= index; ++i) ++quorum_acks[i - quorum_base - 1];
    pop_acknowledged();
  }
  advance_writes(out);
  (void)now;
}

// Leader: quorum counting, incremental. For each index in (quorum_base,
// last index], quorum_acks holds how many nodes (this one included) are
// known to hold it; an index W nodes hold leaves the window, so quorum_base
// is the highest index W nodes hold: the W-th largest of the nodes' match
// indexes (ours is our last index), clamped from below by where the window
// started (see start_quorum()). Every (node, index) pair is counted at most
// once per leadership: O(1) per acknowledgement, no sort, no loop over nodes.

// Becoming leader: our commit index, or our whole log if shorter, needs no
// counting. An index at or below it changes nothing a count could: commit_index
// is already that high, and every write we will wait for lies above our log.
void Node::Impl::start_quorum() {
  quorum_base = std::min(commit_index, log.last_index());
  quorum_acks.clear();
  for (std::uint64_t i = quorum_base + 1; i <= log.last_index(); ++i) quorum_acks.push_back(1);
  pop_acknowledged();
}

// Leader: we appended an entry (held by us alone so far).
void Node::Impl::count_own_append() {
  quorum_acks.push_back(1);
  assert(quorum_base + quorum_acks.size() == log.last_index());
  pop_acknowledged();
}

// Counts only fall along the window (an index is held by everyone holding a
// later one), so the acknowledged ones are a prefix.
void Node::Impl::pop_acknowledged() {
  while (!quorum_acks.empty() && quorum_acks.front() >= cfg.write_quorum) {
    quorum_acks.pop_front();
    ++quorum_base;
  }
}

// A write is acknowledged once W nodes (the leader included) hold it.
void Node::Impl::advance_writes(Outputs& out) {
  const std::uint64_t acked = quorum_base;
  commit_index = std::max(commit_index, acked);
  while (!writes.empty() && writes.front().index <= acked) {
    const PendingWrite& pw = writes.front();
    reply_client(pw.client, pw.op, pw.key, Status::ok, pw.rec, out);
    writes.pop_front();
  }
}

void Node::Impl::fail_pending_writes(NodeId hint, Outputs& out) {
  while (!writes.empty()) {
    const PendingWrite& pw = writes.front();
    Message& r = send(MsgKind::client_reply, pw.client, out);
    r.op = pw.op;
    r.key = pw.key;
    r.status = Status::not_leader;
    r.rec = pw.rec;
    r.hint = hint;
    writes.pop_front();
  }
}

// Past the write timeout the leader answers failure; the entry stays in the
// log and may still replicate.
void Node::Impl::expire_writes(Time now, Outputs& out) {
  while (!writes.empty() && writes.front().deadline <= now) {
    const PendingWrite& pw = writes.front();
    reply_client(pw.client, pw.op, pw.key, Status::timeout, pw.rec, out);
    writes.pop_front();
  }
  if (!writes.empty()) {
    arm_deadline_timer(TimerKind::writes, writes_timer, writes.front().deadline, out);
  }
}

}  // namespace consim
