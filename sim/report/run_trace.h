// sim/report/run_trace.h: a window of a run, read back from its trace.
//
// The pictures of a run (the space-time diagram and the operation timeline of
// `consim run --html`, sim/report/html.h) are drawn from the run's own trace
// (sim/io/trace.h, docs/report-format.md), as the Mermaid diagram is: `consim
// run` writes the trace into a private scratch file (or --trace FILE too) and
// reads it back here, so the World needs no second sink and nothing is run
// twice.
//
// What a window holds, for the virtual times [from, to] (both included):
//   - messages: every `send` and `duplicate` line in the window except
//     heartbeats and their replies (counted apart), in trace order, each
//     matched with the `deliver` or `drop` line of that copy (the oldest
//     copy in flight with the same fields), which may come after `to`;
//   - operations: every `invoke` line in the window, with its `complete` or
//     `fail` line (maybe after `to`; none: unknown);
//   - stale marks: every `complete` line in the window with "stale":true;
//   - role changes (`role` lines after time 0) and faults (`fault` lines)
//     in the window, and the role of each node when the window starts.
// Messages, operations and marks past a cap are counted, not kept.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/types.h"
#include "sim/scenario/scenario.h"

namespace consim {

class RunView;

// The name of a trace endpoint as the reports use it: node-1.. for the
// nodes (endpoints 0..N-1); after them the clients, as sim/world/clients.h
// numbers them: workload-1.. for the workload's clients, client-K for the
// scripted client K (the text report's "client-K"), probe for the probe.
std::string participant_name(const Scenario& sc, std::uint64_t endpoint);

// The nodes or groups the scenario's timeline entry `index` names, in words
// ("node-1, node-3", "[1 2] | [3] (unlisted nodes form one more group)",
// "node-1 to node-2"); "" for an index past the timeline or an entry that
// names none. The trace's fault lines come in timeline order, so the k-th
// fault line is entry k.
std::string timeline_event_text(const Scenario& sc, std::size_t index);

struct WindowMessage {
  Time sent = 0;
  Time end = -1;  // delivered or dropped; -1: still in flight when the trace ends
  bool dropped = false;
  bool duplicate = false;            // the network's second copy
  std::string kind, status, reason;  // reason: of a drop
  std::uint64_t from = 0, to = 0, term = 0, index = 0, key = 0, op = 0;
  Version version;
};

enum class OpOutcome { ok, stale, failed, unknown };

struct WindowOp {
  std::uint32_t client = 0;  // index into the run's clients (endpoint N + client)
  std::uint64_t id = 0;
  std::string type, level;  // get / put / delete; the read level
  std::uint64_t key = 0;
  long long node = -1;  // the node asked (-1: the client coordinates itself)
  Time invoked = 0;
  Time ended = -1;  // -1: never completed nor failed in the trace
  OpOutcome outcome = OpOutcome::unknown;
  std::string status;  // complete: ok / not_found; fail: the reason
  std::uint64_t served_by = 0;
  Record rec;            // complete: the record read or written
  Version newest_acked;  // gets: the newest acknowledged version of the key at
                         // invoke
};

struct WindowMark {
  enum class Kind { stale, role, fault } kind = Kind::stale;
  Time t = 0;
  std::vector<std::uint64_t> endpoints;  // the lanes it is drawn on (empty: every node)
  std::string label;                     // a few words drawn beside it
  std::string detail;                    // its hover text
};

struct RunWindow {
  Time from = 0, to = 0;
  std::vector<std::string> role_at_start;  // per node: its role when the window starts
  std::vector<WindowMessage> messages;
  std::size_t messages_cut = 0;  // sent in the window but past max_messages
  std::size_t heartbeats = 0;    // heartbeats and replies sent in the window (not kept)
  std::vector<WindowOp> ops;
  std::size_t ops_cut = 0;        // invoked in the window but past max_ops
  std::vector<WindowMark> marks;  // in time order
  // Faults from before the window still in force when it starts: a node
  // crashed or paused (not restarted or resumed yet), a partition not
  // healed. Their t is when they happened.
  std::vector<WindowMark> in_force;
  std::size_t stale_marks = 0;    // marks of kind stale
  std::size_t marks_cut = 0;      // marks in the window past max_marks (stale_marks_cut of them stale)
  std::size_t stale_marks_cut = 0;
  std::vector<std::uint64_t> endpoints;  // every endpoint drawn: the nodes, then
                                         // the clients seen, ascending
  // Records seen in `complete` lines, for the values carried by messages
  // (a message's trace line has the version, not the value).
  // Key: (key, term, index). At most kMaxValues records are kept.
  std::map<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>, Record> values;
  static constexpr std::size_t kMaxValues = 1 << 18;
  // The record of `key` at `version` seen in the trace; null when unknown.
  const Record* record(std::uint64_t key, const Version& version) const;
};

struct WindowOptions {
  Time from = 0;  // the window's first and last virtual times
  Time to = -1;   // < 0: chosen by scan_trace()
  std::size_t max_messages = 1500;
  std::size_t max_ops = 1000;
  std::size_t max_marks = 1000;
};

// Latencies of a run's operations, read from its trace: invocation to
// completion (a `complete` line; failed operations are not counted), in
// log-scaled bins: kBinsPerDecade per power of ten from 1 us (bin 0 holds
// everything below 1 us, the last bin everything above).
struct LatencyBins {
  static constexpr int kBinsPerDecade = 10;
  static constexpr int kBins = 8 * kBinsPerDecade + 1;  // 1 us .. 100 s
  std::vector<std::uint64_t> bins = std::vector<std::uint64_t>(kBins, 0);
  std::uint64_t count = 0;
  Time max = 0;
  void record(Time v);
  static int bin_of(Time v);
  static double bin_low_ms(int b);  // the bin's lower edge, ms (0 for bin 0)
};

// What one pass over a run's trace finds for the page.
struct TraceScan {
  // The default window: a readable slice around the first stale read (from a
  // little before the write it missed was invoked, when that write is
  // recent, else 10 ms before the read, to 40 ms after it completed); with no
  // stale read, around the first fault (crash, pause or partition: 10 ms
  // before it to 40 ms after); with neither, the first 50 ms.
  enum class Around { stale, fault, start };
  Around around = Around::start;
  Time from = 0, to = 0;
  std::string fault;  // around a fault: its action (crash, pause, partition)
  // Answered reads per level ("get <level>") and acknowledged writes ("put",
  // "delete"), in key order.
  std::map<std::string, LatencyBins> latency;
};

// The latencies leave out the probe's operations (as the report's do): those
// of client index `probe_client` (none: every client counts).
// Throws std::runtime_error if the file cannot be read.
TraceScan scan_trace(const std::string& trace_path, std::uint64_t probe_client = UINT64_MAX);

// The client index of the probe in a run of `sc` (UINT64_MAX: no probe).
std::uint64_t probe_client_index(const Scenario& sc);

// Reads the window opt.from..opt.to of the trace at `trace_path`, written
// by a run of `world`. Throws std::runtime_error if the file cannot be read
// or a line is not JSON (a trace not written by consim).
// REQUIRES: 0 <= opt.from <= opt.to.
RunWindow read_run_window(const std::string& trace_path, const RunView& world, const WindowOptions& opt);

}  // namespace consim
