// core/coordinator.h: the leaderless (Dynamo-style) quorum coordinator.
//
// A Coordinator turns one client request into replica requests and their
// replies into one client answer. It is sans-IO, like Node: every call takes
// the virtual time and appends what it wants done to an Outputs value.
// It runs inside a node (server-side coordination, as in Cassandra and Riak)
// or inside a client that talks to the replicas itself (client-side
// routing, as in Voldemort). When it runs in a node it is a replica too: its
// own replica requests are addressed to itself and the node hands them back
// at once (Node::step does), so the coordinator's replica answers at zero
// delay; a client coordinator reaches no replica at zero delay.
//
// Writes: version = LWW (core/lww.h); sent to every replica of the key (with
// sloppy_quorum, a replica believed down is replaced by the first fallback
// believed up, which holds the write as a hint); acknowledged to the client
// after W replica acks; `timeout` after write_timeout (replicas that got the
// write keep it).
// Reads: sent to every replica (fanout all) or to as many as the read needs
// (fanout r: the coordinator first if a replica, then replicas believed up in
// preference order); the newest of the first q replies is the answer, where
// q = 1 for eventual and R for every other level. A session read
// (read_your_writes, monotonic_reads, causal) also needs a reply holding the
// client's token: it waits for more replies, and answers `behind` once every
// replica asked has answered without it. `timeout` after read_timeout.
// Read repair (off, async, blocking): replicas that answered an older version
// than the newest seen get the newest (`repair`), late replies included.
// Blocking: the client's answer waits for the repairs of the replies it used
// to be acknowledged.
//
// Liveness: callers pass `alive`, a mask of the nodes they believe up (a
// node: heartbeats; a client: every node).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/lww.h"
#include "core/message.h"
#include "core/outputs.h"
#include "core/types.h"

namespace consim {

struct CoordinatorConfig {
  EndpointId self = 0;             // a node id (< nodes) or a client endpoint
  std::uint32_t nodes = 3;
  std::uint32_t replicas = 3;      // per key (core/placement.h)
  std::uint32_t write_quorum = 2;  // W, <= replicas
  std::uint32_t read_quorum = 1;   // R, <= replicas
  ReadFanout read_fanout = ReadFanout::all;
  bool read_repair = false;
  bool read_repair_blocking = false;
  bool sloppy_quorum = false;
  Time write_timeout = 1 * kSecond;
  Time read_timeout = 1 * kSecond;
  NodeClock clock;
};

// What coordinators and leaderless replicas did (summed into the report).
struct LeaderlessCounters {
  std::uint64_t repairs_sent = 0;       // read repair messages sent
  std::uint64_t repairs_applied = 0;    // repairs that changed a replica
  std::uint64_t hinted_writes = 0;      // sloppy-quorum writes sent to a fallback
  std::uint64_t hints_stored = 0;       // hints a fallback took in
  std::uint64_t hints_delivered = 0;    // hints handed back and acknowledged
  std::uint64_t sync_rounds = 0;        // anti-entropy exchanges started
  std::uint64_t keys_synchronised = 0;  // records anti-entropy changed

  void add(const LeaderlessCounters& o) {
    repairs_sent += o.repairs_sent;
    repairs_applied += o.repairs_applied;
    hinted_writes += o.hinted_writes;
    hints_stored += o.hints_stored;
    hints_delivered += o.hints_delivered;
    sync_rounds += o.sync_rounds;
    keys_synchronised += o.keys_synchronised;
  }
};

class Coordinator {
 public:
  // timer_id: the id this coordinator's deadline timers carry.
  Coordinator(const CoordinatorConfig& cfg, std::uint64_t timer_id);

  // A client_put / client_delete (m.from = the client, m.op its id).
  void write(Time now, const Message& m, std::uint64_t alive, Outputs& out);
  // A client_get (m.level, m.token).
  void read(Time now, const Message& m, std::uint64_t alive, Outputs& out);
  // A replica_write_ack, replica_read_reply addressed to this coordinator.
  // Returns false when it belongs to no operation of ours (the caller may
  // own it: a hint hand-off).
  bool handle_write_ack(Time now, const Message& m, Outputs& out);
  void handle_read_reply(Time now, const Message& m, Outputs& out);
  // The timer with our timer id came due.
  void on_timer(Time now, Outputs& out);
  // Forget every operation in flight (the owner crashed); counters survive.
  // Timers requested before are stale from now on: the owner must not pass
  // them on (a node tells them apart by epoch); new ones carry timer_id.
  void reset(std::uint64_t timer_id);

  const LeaderlessCounters& counters() const { return counters_; }
  // Operations in flight (writes and reads not yet forgotten).
  std::size_t pending() const { return writes_.size() + reads_.size(); }
  const CoordinatorConfig& config() const { return cfg_; }

 private:
  struct PendingWrite {
    std::uint64_t id = 0;
    EndpointId client = 0;
    std::uint64_t client_op = 0;
    Key key = 0;
    Record rec;
    Time deadline = 0;
    std::uint64_t acked = 0;  // nodes that acknowledged
  };
  struct PendingRead {
    std::uint64_t id = 0;
    EndpointId client = 0;
    std::uint64_t client_op = 0;
    Key key = 0;
    Version token;
    std::uint32_t need = 1;     // q
    bool session = false;
    Time deadline = 0;
    std::uint64_t asked = 0;    // nodes asked
    std::uint64_t replied = 0;
    std::uint64_t used = 0;     // the replies the answer was built from
    std::uint64_t repair_wait = 0;  // blocking: repairs not yet acknowledged
    std::uint64_t repair_sent = 0;  // nodes already sent `best`
    std::uint64_t older = 0;    // repliers whose version is older than best's
    bool answered = false;
    bool repairing = false;     // blocking: answer ready, waiting for repair acks
    Record best;
    Record answer;              // blocking: what the client will get
  };

  Message& send(MsgKind k, EndpointId to, Outputs& out) const;
  void reply(EndpointId client, std::uint64_t op, Key key, Status s, const Record& rec,
             Outputs& out) const;
  void arm(Time at, Outputs& out);
  void try_answer(PendingRead& pr, Outputs& out);
  void send_repairs(PendingRead& pr, std::uint64_t to, bool want_ack, Outputs& out);
  void answer_read(PendingRead& pr, const Record& rec, Outputs& out);
  void ask(PendingRead& pr, NodeId n, Outputs& out);
  NodeId fallback_for(Key key, std::uint64_t alive, std::uint64_t taken) const;

  const CoordinatorConfig cfg_;
  std::uint64_t timer_id_ = 0;
  std::uint64_t next_id_ = 0;
  std::uint64_t counter_ = 0;
  Time last_ts_ = 0;
  std::vector<PendingWrite> writes_;
  std::vector<PendingRead> reads_;
  bool timer_armed_ = false;
  Time timer_at_ = 0;
  LeaderlessCounters counters_;
};

}  // namespace consim
