// core/message.h: every message a node sends or receives, client traffic included.
//
// One flat struct for all kinds keeps messages trivially poolable in the
// simulator (no per-message allocation). Only the fields named for a kind are
// meaningful; the rest are zero. install_snapshot, sync and sync_reply also
// point to a Snapshot (an immutable copy of key-space records) that the
// message does not own; see Message::snapshot.
#pragma once

#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include "core/types.h"

namespace consim {

enum class MsgKind : std::uint8_t {
  // client -> node. op = client's operation id; key; level (get);
  // rec.value (put); token = the client's session token (get).
  client_get,
  client_put,
  client_delete,
  // node -> client. op, key; status; rec = record read or version written;
  // hint = leader hint when status == not_leader.
  client_reply,

  // leader -> follower: one log entry. term, lead (the sender's leadership),
  // index (of the entry), rec_lead (the leadership that created the entry),
  // prev_index/prev_term/prev_lead (the entry before it), commit, key, rec
  // (the entry's record; rec.version == {entry term, index}).
  append,
  // follower -> leader: term, index = follower's last log index after
  // handling, prev_term/prev_lead = term/lead of that entry, status ok / reject;
  // on reject, hint_index/hint_term let the leader skip back a whole term
  // (hint_term 0: resend from hint_index; hint_index 0: send a snapshot),
  // and prev_index = the rejected append's prev_index.
  // Also the answer to install_snapshot.
  append_reply,
  // leader -> all: term, lead, commit, index = leader's last index,
  // prev_term/prev_lead = term/lead of that entry.
  // In lowest_alive mode every node broadcasts heartbeats (liveness pings).
  // hint = the sender's leader belief: a heartbeat has replication meaning
  // only when hint == from (the sender believes it leads).
  heartbeat,
  // follower -> leader: term, index = follower last index, prev_term/prev_lead
  // = term/lead of that entry.
  heartbeat_reply,
  // leader -> follower: term, lead, index/prev_term/prev_lead = last
  // index/term/lead covered, snapshot. The follower becomes exactly that
  // state (unless it already holds it, or it is older than what it has of
  // this leadership's log).
  install_snapshot,

  // candidate -> all: term, index = last log index, prev_term = last log term.
  request_vote,
  // voter -> candidate: term, status ok (granted) / reject.
  vote_reply,

  // serving node -> peer: op = read id, key.
  read_query,
  // peer -> serving node: op = read id, key, rec = peer's record,
  // commit = the peer's known-committed prefix (read repair spreads only
  // records at or below it).
  read_reply,
  // serving node -> peer (read repair): key, rec = newest record seen.
  // Leaderless: op != 0 asks for a replica_write_ack with that op (blocking
  // read repair).
  repair,

  // Leaderless (core/coordinator.h). coordinator -> replica: op = the
  // coordinator's operation id, key, rec (LWW version). hint != kNoNode: a
  // sloppy-quorum write held by the receiver for node `hint`.
  replica_write,
  // replica -> coordinator: op, key, rec.version = the version the replica
  // now holds for the key (>= the one written). Also answers a repair with op.
  replica_write_ack,
  // coordinator -> replica: op, key.
  replica_read,
  // replica -> coordinator: op, key, rec = the replica's record (a fallback
  // answers from the writes it holds for others).
  replica_read_reply,
  // replica -> replica (anti-entropy): snapshot = the sender's records.
  sync,
  // answer to sync: snapshot = the records the answerer holds newer.
  sync_reply,
};
constexpr int kMsgKindCount = 20;
static_assert(static_cast<int>(MsgKind::sync_reply) + 1 == kMsgKindCount, "kMsgKindCount counts every MsgKind");

std::string_view to_string(MsgKind k);

enum class Status : std::uint8_t {
  ok = 0,
  not_found,   // read: key absent or deleted (rec.version tells which version)
  not_leader,  // write / leader read at a non-leader; hint = leader or kNoNode
  timeout,     // write: W acks not reached in write_timeout; read: R replies
               // not reached in read_timeout, or session wait expired
  behind,      // session read refused: node older than token (policy fail)
  reject,      // internal (append_reply, vote_reply)
};
constexpr int kStatusCount = 6;
static_assert(static_cast<int>(Status::reject) + 1 == kStatusCount, "kStatusCount counts every Status");
std::string_view to_string(Status s);

// The key space of a node at one index, as sent in install_snapshot.
struct Snapshot {
  std::uint64_t last_index = 0;
  std::uint64_t last_term = 0;
  std::uint64_t last_lead = 0;
  std::vector<Record> records;  // indexed by Key
};

struct Message {
  MsgKind kind = MsgKind::client_get;
  Status status = Status::ok;
  Level level = Level::eventual;
  EndpointId from = 0;
  EndpointId to = 0;
  NodeId hint = kNoNode;
  Key key = 0;
  std::uint64_t op = 0;
  std::uint64_t term = 0;
  std::uint64_t index = 0;
  std::uint64_t prev_index = 0;
  std::uint64_t prev_term = 0;
  std::uint64_t commit = 0;
  std::uint64_t hint_index = 0;
  std::uint64_t hint_term = 0;
  // Leaderships (see core/log.h): of the sender (append, heartbeat,
  // install_snapshot), of the entry at prev_index, of the entry in rec.
  std::uint64_t lead = 0;
  std::uint64_t prev_lead = 0;
  std::uint64_t rec_lead = 0;
  Record rec;
  Version token;
  // install_snapshot, sync, sync_reply: the records carried; null otherwise.
  // The message does not own them. Whoever made the message keeps them
  // alive for as long as it may be read: a node's Outputs holds every
  // snapshot its messages point to (Outputs::hold), and a driver that keeps
  // a message past Outputs::clear() keeps Outputs::holder(m) beside it. So a
  // Message is trivially copyable: a copy is a few vector moves, with no
  // reference count and nothing to destroy.
  const Snapshot* snapshot = nullptr;
};
static_assert(std::is_trivially_copyable_v<Message> && std::is_trivially_destructible_v<Message>,
              "a Message is copied for every send; keep it plain data");

bool is_client_request(MsgKind k);

}  // namespace consim
