// sim/check/history_staleness.h: stale reads, the window, the probe and sessions, judged from a saved history.
//
// judge_staleness() replays a history (sim/check/history.h) through the
// run's own Checker (sim/check/checker.h) in time order: a write is
// acknowledged at its completion, a read starts at its invocation and is
// judged at its answer. So a simulated history (consim run --history) and
// a live one (consim serve / consim load --history) are judged by the same
// definitions, whatever wrote them. Ties in time: acknowledgements first,
// then invocations, then answers, each in index order. Every operation
// counts (no warmup is known here). What callers may rely on:
//   - reads: the workload's and the script's (not the probe's), answered
//     ones only, by level and all together;
//   - window: those reads of a key that had an acknowledged write, by the
//     time since its newest acknowledged write;
//   - probe: the probe's reads by delay (the header's probe_delays) and level;
//   - sessions: reads (any source) that returned a version older than the
//     client's own acknowledged write (read-your-writes) or one it had
//     already read (monotonic), by level;
//   - intervals are 95% Wilson (sim/report/derived.h).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/types.h"
#include "sim/check/history.h"

namespace consim {

struct StaleCount {
  std::uint64_t reads = 0;   // answered
  std::uint64_t stale = 0;
  std::uint64_t failed = 0;  // fail or unknown
  std::uint64_t ryw = 0, monotonic = 0;  // session violations
};

struct HistoryStaleness {
  std::uint64_t ops = 0, ok = 0, fail = 0, unknown = 0, never_answered = 0;
  StaleCount all;
  std::array<StaleCount, kLevelCount> by_level{};
  std::array<StaleCount, kLevelCount> sessions{};  // every read, probe included
  struct Bucket {
    Time lo = 0, hi = kNever;
    StaleCount c;
  };
  std::vector<Bucket> window;
  std::vector<Time> probe_delays;
  std::vector<std::array<StaleCount, kLevelCount>> probe;  // [delay][level]
};

HistoryStaleness judge_staleness(const History& h);
// The sections as text (appended to `out`) and as JSON.
void staleness_text(const HistoryStaleness& s, std::string& out);
nlohmann::ordered_json staleness_json(const HistoryStaleness& s);

}  // namespace consim
