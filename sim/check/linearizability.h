// sim/check/linearizability.h: is a run's history linearizable, key by key?
//
// The model is one register per key: put(v) sets it to v, delete empties it,
// a read returns its value (found) or nothing (absent). Every key starts
// absent. Linearizability is compositional (Herlihy & Wing's locality,
// Knossos' and Porcupine's "P-compositionality"), so each key's
// sub-history is checked on its own.
//
// The search is Wing & Gong's, with Lowe's memoization (as in Porcupine):
// operations are call and return events in time order; the search
// linearizes a pending call when the model allows it, and backtracks at a
// return whose call is not yet linearized; a (linearized set, register
// value) pair already explored is never explored again.
//
// What each outcome means to the model (sim/check/history.h):
// - ok: took effect inside [invoked, completed].
// - put/delete unknown (timed out, failed, still open; Jepsen's :info): may
//   take effect at any point after its invocation, or never. Taking effect
//   after the last read that returned its value is the same as never (no
//   read sees it; the next write hides it), so the search gives it that
//   read's return and, at the return, the choice to drop it; one whose
//   value (absent, for a delete) no read returned after its invocation is
//   dropped before the search. Neither changes a verdict; both keep the
//   states from multiplying with every timed-out write.
// - read fail, or read unknown (never answered): constrains nothing; dropped.
// - put/delete fail: certainly took no effect; dropped.
// Real time: a precedes b when a.completed < b.invoked. Equal times are
// concurrent (a conservative choice: the checker never reports a violation
// that depends on the order of two events at the same nanosecond).
//
// Bounds (hostile histories; LinearizabilityLimits): a key with more than
// max_ops_per_key operations, or whose search explores more than
// max_states_per_key (linearized set, value) states, is "unknown", never
// a guess. Memory per key, while it is checked (then released): the
// operations, 2 events each (~100 bytes per operation), plus the memo: one
// entry per state explored, ceil(ops / 64) x 8 bytes of bitset + ~64 bytes,
// so at most max_states_per_key x (ops / 8 + 64) bytes; the search also
// stops (unknown) when the memo would pass max_memo_bytes. Unlike the
// stale-read checker, this cannot stream: it needs the whole key's history.
//
// A violation comes with a witness: a sub-history W of the key that is not
// linearizable, reached by sound removals only (each keeps "W not
// linearizable implies the history not linearizable", so W proves the
// violation; an arbitrary sub-history would not, since dropping a write can
// make a history non-linearizable): reads; the operations after a closed
// prefix; writes whose value no kept read returned (so a read keeps the
// writes it saw); deletes overwritten before any kept read began. A read of a value no write wrote is its own witness. Every accepted removal is re-checked, within
// max_shrink_checks searches. witness_minimal: no single sound removal is
// left that keeps W not linearizable.
//
// Deterministic: keys in name order, no randomness, no hash order reaching
// the result.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/check/history.h"

namespace consim {

struct LinearizabilityLimits {
  std::size_t max_ops_per_key = 100000;
  std::uint64_t max_states_per_key = 1000000;
  std::uint64_t max_memo_bytes = std::uint64_t{256} << 20;  // 256 MiB
  std::uint32_t max_shrink_checks = 2000;
};

enum class LinVerdict : std::uint8_t { linearizable, not_linearizable, unknown };
std::string_view to_string(LinVerdict v);  // "linearizable", "not_linearizable", "unknown"

// One key's sub-history judged.
struct KeyLinearizability {
  std::string key;
  LinVerdict verdict = LinVerdict::linearizable;
  std::size_t ops = 0;         // operations the search considered (after dropping)
  std::uint64_t states = 0;    // states explored by the verdict's search
  std::string unknown_why;     // unknown: which bound was reached, in words
  // not_linearizable: a sub-history that shows it, in invocation order.
  std::vector<HistoryOp> witness;
  bool witness_minimal = false;
};

// The judgement of one set of reads (one level, or all), with every write.
struct LinearizabilityScope {
  std::string name;            // a level's name, or "all"
  std::uint64_t keys_checked = 0;  // keys with at least one read in scope
  std::uint64_t linearizable = 0, not_linearizable = 0, unknown = 0;
  std::vector<KeyLinearizability> violations;  // not_linearizable keys, by key
  std::vector<KeyLinearizability> unknowns;    // unknown keys (with unknown_why), by key
};

struct LinearizabilityResult {
  LinearizabilityLimits limits;
  std::uint64_t ops = 0;       // operations of the history
  // Per level that some read of the history used (level order), each with
  // every write and delete of the history and that level's reads.
  std::vector<LinearizabilityScope> levels;
  LinearizabilityScope all;    // every read of every level
};

// Judges one key's operations (all of the same key; any order).
KeyLinearizability check_key_linearizable(const std::vector<HistoryOp>& ops,
                                          const LinearizabilityLimits& limits = {});

// Judges a whole history, per key, per level and overall. A key linearizable
// with every read is linearizable with any subset of them (dropping a read
// keeps a linearization legal), so levels are searched only for the keys
// that are not linearizable overall or unknown.
LinearizabilityResult check_linearizability(const History& h, const LinearizabilityLimits& limits = {});

}  // namespace consim
