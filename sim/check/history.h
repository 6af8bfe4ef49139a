// sim/check/history.h: the history of a run's client operations, as data.
//
// One HistoryOp per client operation: who invoked what, when, and what came
// back. It is what a linearizability checker, Jepsen's tools (Knossos, Elle)
// and Porcupine read, and what a live cluster (consim serve / consim load)
// records, so the same checkers judge simulated and real runs.
//
// Keys and values are the names people read ("k3", "probe-0", "Alice",
// "v17"), never the integer ids of core/. Every number fits a JSON double
// exactly (below 2^53), so jq and JavaScript read it unchanged.
//
// Outcomes follow Jepsen: ok (took effect, answered), fail (certainly took
// no effect: a read that failed), unknown (may or may not have taken
// effect: a write that failed or timed out, or any operation still open at
// the end of the run; Jepsen's :info).
//
// The consim history file ("consim history v1") is JSON lines: a header
// object {"consim_history": 1, ...run metadata...}, then one object per
// operation in invocation order (docs/report-format.md, "Histories").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/types.h"
#include "sim/check/metrics.h"
#include "sim/scenario/scenario.h"

namespace consim {

enum class OpSource : std::uint8_t { workload, script, probe };
std::string_view to_string(OpSource s);

enum class Outcome : std::uint8_t { ok, fail, unknown };
std::string_view to_string(Outcome o);

struct HistoryOp {
  std::uint64_t index = 0;     // invocation order, from 0
  std::uint32_t process = 0;   // the client that invoked it
  OpType type = OpType::get;
  Level level = Level::eventual;  // reads; eventual for writes
  std::string key;
  // put: the value written. ok read of a present key: the value read.
  std::string value;
  bool found = false;          // ok read: the key was present (not absent or deleted)
  Time invoked = 0;            // virtual ns (live: ns since the start of the run)
  Time completed = -1;         // -1: no answer before the run ended
  Outcome outcome = Outcome::unknown;
  FailReason reason = FailReason::client_timeout;  // fail / unknown (when answered or timed out)
  // ok: the version read (zero: never written) or written. Leader mode:
  // (term, index); leaderless: the LWW (timestamp, coordinator|counter).
  Version version;
  NodeId node = kNoNode;       // the node it was sent to; kNoNode: the client coordinated
  NodeId served_by = kNoNode;  // the node that answered
  OpSource source = OpSource::workload;
  std::int32_t probe_delay = -1;  // probe reads: index into the probe's delays
  bool stale = false;          // reads: judged stale by the run's checker
};

// What a history's header says about the run it comes from.
struct HistoryMeta {
  std::string scenario;        // name
  std::string source;          // file, "<default>" or "live"
  std::uint64_t seed = 0;
  Replication replication = Replication::leader;
  std::uint32_t nodes = 0, replicas = 0, write_quorum = 0, read_quorum = 0;
  std::vector<Time> probe_delays;  // ns
};

// The header of a history of `sc`'s cluster: its name, seed, mode, sizes
// and quorums; `source` as HistoryMeta says. probe_delays is left empty:
// only the driver knows whether it ran the probe.
HistoryMeta history_meta(const Scenario& sc, std::string source);

struct History {
  HistoryMeta meta;
  std::vector<HistoryOp> ops;  // by index
};

// The consim history file: the header line, then one line per operation.
std::string history_jsonl(const History& h);
// Reads a consim history file (InputError naming `name`, the line and the
// problem on anything malformed: unknown fields, wrong types, numbers out
// of range, indices out of order).
History parse_history_jsonl(const std::string& text, const std::string& name);

nlohmann::ordered_json history_op_json(const HistoryOp& op);

}  // namespace consim
