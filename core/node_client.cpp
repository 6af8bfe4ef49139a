// core/node_client.cpp: client requests: writes at the leader, reads at
// every consistency level, quorum reads with read repair, session reads.
#include <algorithm>

#include "core/node_impl.h"

namespace consim {

void Node::Impl::reply_client(EndpointId client, std::uint64_t op, Key key, Status s,
                              const Record& rec, Outputs& out) const {
  Message& r = send(MsgKind::client_reply, client, out);
  r.op = op;
  r.key = key;
  r.status = s;
  r.rec = rec;
  r.hint = leader;
}

// The local record: ok if present, not_found otherwise (rec still carries
// the version, so a tombstone's version is visible).
void Node::Impl::reply_local(EndpointId client, std::uint64_t op, Key key,
                             Outputs& out) const {
  const Record& rec = local(key);
  reply_client(client, op, key, rec.present() ? Status::ok : Status::not_found, rec, out);
}

// ---------------------------------------------------------------- writes

// client_put and client_delete. At the leader: a new log entry of version
// {term, index}, replicated entry by entry, acknowledged at W holders.
void Node::Impl::handle_client_put(Time now, const Message& m, Outputs& out) {
  if (role != Role::leader) {
    reply_client(m.from, m.op, m.key, Status::not_leader, Record{}, out);
    return;
  }
  const std::uint64_t index = log.last_index() + 1;
  Record rec;
  rec.version = Version{term, index};
  rec.tombstone = m.kind == MsgKind::client_delete;
  rec.value = rec.tombstone ? 0 : m.rec.value;
  append_local(now, m.key, rec, lead_id(), out);
  count_own_append();
  broadcast_append(index, out);
  after_log_change(now, out);
  if (cfg.write_quorum <= 1) {
    reply_client(m.from, m.op, m.key, Status::ok, rec, out);
    return;
  }
  PendingWrite pw;
  pw.index = index;
  pw.client = m.from;
  pw.op = m.op;
  pw.key = m.key;
  pw.rec = rec;
  pw.deadline = now + cfg.write_timeout;
  writes.push_back(pw);
  arm_deadline_timer(TimerKind::writes, writes_timer, pw.deadline, out);
  advance_writes(out);
}

// ---------------------------------------------------------------- reads

void Node::Impl::handle_client_get(Time now, const Message& m, Outputs& out) {
  switch (m.level) {
    case Level::eventual:
      reply_local(m.from, m.op, m.key, out);
      return;
    case Level::leader:
      if (role == Role::leader) {
        reply_local(m.from, m.op, m.key, out);
      } else {
        reply_client(m.from, m.op, m.key, Status::not_leader, Record{}, out);
      }
      return;
    case Level::strong:
      start_quorum_read(now, m, out);
      return;
    case Level::read_your_writes:
    case Level::monotonic_reads:
    case Level::causal:
      break;
  }
  if (has_token(m.token)) {
    reply_local(m.from, m.op, m.key, out);
    return;
  }
  switch (cfg.session_behind) {
    case SessionPolicy::wait: {
      ParkedRead p;
      p.client = m.from;
      p.op = m.op;
      p.key = m.key;
      p.token = m.token;
      p.deadline = now + cfg.read_timeout;
      parked.push_back(p);
      arm_deadline_timer(TimerKind::reads, reads_timer, p.deadline, out);
      return;
    }
    case SessionPolicy::fail:
      reply_client(m.from, m.op, m.key, Status::behind, local(m.key), out);
      return;
    case SessionPolicy::forward:
      // Sending the client to ourselves would loop: a leader that is behind
      // (its client's write was lost) answers `behind`.
      reply_client(m.from, m.op, m.key,
                   role == Role::leader ? Status::behind : Status::not_leader,
                   local(m.key), out);
      return;
  }
}

// The session token rule. This node "has" token {term, index} when:
//   - the token is zero (nothing written or read yet), or
//   - our log holds index `token.index` with term `token.term` (the snapshot
//     point counts: its term is known), or
//   - `token.index` is compacted (below our snapshot point, its term is no
//     longer known) and our last (term, index) >= token lexicographically.
// A token whose entry was overwritten by another term is never had: that
// write was lost, and a waiting read times out.
bool Node::Impl::has_token(const Version& token) const {
  if (token.is_zero()) return true;
  if (log.matches(token.index, token.term)) return true;
  if (token.index < log.snapshot_index()) {
    return Version{log.last_term(), log.last_index()} >= token;
  }
  return false;
}

void Node::Impl::recheck_parked(Outputs& out) {
  if (parked.empty()) return;
  std::size_t keep = 0;
  for (std::size_t i = 0; i < parked.size(); ++i) {
    if (has_token(parked[i].token)) {
      reply_local(parked[i].client, parked[i].op, parked[i].key, out);
    } else {
      parked[keep++] = parked[i];
    }
  }
  parked.resize(keep);
}

// Strong read: R replies, this node's own included; the newest version wins.
void Node::Impl::start_quorum_read(Time now, const Message& m, Outputs& out) {
  if (cfg.read_quorum <= 1) {
    reply_local(m.from, m.op, m.key, out);
    return;
  }
  PendingRead& pr = reads.emplace_back();
  pr.id = ++next_read;  // never reset, so a pre-crash reply cannot match
  pr.client = m.from;
  pr.op = m.op;
  pr.key = m.key;
  pr.deadline = now + cfg.read_timeout;
  pr.replies = 1;
  pr.replied = std::uint64_t{1} << cfg.id;
  pr.best = local(m.key);
  pr.best_safe = pr.best.version.index <= safe_prefix();
  pr.seen.fill(Version{});
  pr.seen[cfg.id] = pr.best.version;
  for (NodeId n = 0; n < cfg.nodes; ++n) {
    if (n == cfg.id) continue;
    Message& q = send(MsgKind::read_query, n, out);
    q.op = pr.id;
    q.key = m.key;
  }
  arm_deadline_timer(TimerKind::reads, reads_timer, pr.deadline, out);
}

void Node::Impl::handle_read_query(const Message& m, Outputs& out) {
  Message& r = send(MsgKind::read_reply, m.from, out);
  r.op = m.op;
  r.key = m.key;
  r.rec = local(m.key);
  r.commit = safe_prefix();
}

// Late replies (after the read completed or timed out) are ignored.
void Node::Impl::handle_read_reply(const Message& m, Outputs& out) {
  if (!is_node(m.from)) return;
  for (std::size_t i = 0; i < reads.size(); ++i) {
    PendingRead& pr = reads[i];
    if (pr.id != m.op) continue;
    const std::uint64_t bit = std::uint64_t{1} << m.from;
    if (pr.replied & bit) return;
    pr.replied |= bit;
    pr.seen[m.from] = m.rec.version;
    ++pr.replies;
    const bool safe = m.rec.version.index <= m.commit;
    if (m.rec.version > pr.best.version) {
      pr.best = m.rec;
      pr.best_safe = safe;
    } else if (m.rec.version == pr.best.version && safe) {
      pr.best_safe = true;
    }
    if (pr.replies >= cfg.read_quorum) finish_quorum_read(i, out);
    return;
  }
}

// Answers the client with the newest record seen and, with read_repair,
// sends it to every replier that held an older version (ourselves included),
// if a replier holding it knew it committed (see safe_prefix()).
void Node::Impl::finish_quorum_read(std::size_t i, Outputs& out) {
  const PendingRead& pr = reads[i];
  reply_client(pr.client, pr.op, pr.key, pr.best.present() ? Status::ok : Status::not_found,
               pr.best, out);
  if (cfg.read_repair && pr.best_safe) {
    for (NodeId n = 0; n < cfg.nodes; ++n) {
      if (!(pr.replied & (std::uint64_t{1} << n)) || !(pr.seen[n] < pr.best.version)) continue;
      if (n == cfg.id) {
        Message self;
        self.key = pr.key;
        self.rec = pr.best;
        handle_repair(self, out);
      } else {
        Message& r = send(MsgKind::repair, n, out);
        r.key = pr.key;
        r.rec = pr.best;
      }
    }
  }
  reads.erase(reads.begin() + static_cast<std::ptrdiff_t>(i));
}

// A repair is applied if it is newer than our record and either is in our
// log (our store missed it: nothing to undo) or lies beyond our log's end
// (we lag: it is held as tentative until the log reaches its index). A
// version at an index our log holds with another term, or compacted, is
// not our history: ignored.
void Node::Impl::handle_repair(const Message& m, Outputs& out) {
  const Version v = m.rec.version;
  if (!(v > local(m.key).version)) return;
  if (log.matches(v.index, v.term)) {
    set_record(m.key, m.rec, out);
    return;
  }
  if (v.index <= log.last_index()) return;
  if (role == Role::leader && v.term < term) return;  // can never enter our log
  Tentative* t = find_tentative(m.key);
  if (t == nullptr) {
    if (tentative.size() >= kTentativeLimit) return;
    tentative.push_back(Tentative{m.key, v, local(m.key)});
  } else {
    t->version = v;  // prev (the log's view) is unchanged
  }
  set_record(m.key, m.rec, out);
}

// Strong reads short of R replies and parked session reads past their
// deadline answer timeout.
void Node::Impl::expire_reads(Time now, Outputs& out) {
  Time next = kNever;
  std::size_t keep = 0;
  for (std::size_t i = 0; i < reads.size(); ++i) {
    if (reads[i].deadline <= now) {
      reply_client(reads[i].client, reads[i].op, reads[i].key, Status::timeout,
                   Record{}, out);
    } else {
      next = std::min(next, reads[i].deadline);
      if (keep != i) reads[keep] = reads[i];
      ++keep;
    }
  }
  reads.resize(keep);
  keep = 0;
  for (std::size_t i = 0; i < parked.size(); ++i) {
    if (parked[i].deadline <= now) {
      reply_client(parked[i].client, parked[i].op, parked[i].key, Status::timeout,
                   Record{}, out);
    } else {
      next = std::min(next, parked[i].deadline);
      parked[keep++] = parked[i];
    }
  }
  parked.resize(keep);
  if (next != kNever) arm_deadline_timer(TimerKind::reads, reads_timer, next, out);
}

}  // namespace consim
