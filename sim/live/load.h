// sim/live/load.h: `consim load`: a scenario's workload and probe, driven over HTTP at a live cluster.
//
// load() plays the scenario's clients against the nodes of a cluster that
// runs elsewhere (`consim serve`, or one process per node), on the
// chapter's API: GET/PUT/DELETE /key/{key}?consistency=LEVEL. What callers
// may rely on:
//   - the workload is the simulator's (sim/world/workload.h): open-loop
//     Poisson arrivals at rate_per_s from the "workload" stream, or closed
//     loop with each client's think time; each operation's type, key (Zipf
//     over "k0".."k<n-1>") and level drawn from its client's stream, its
//     node by the workload's routing (client routing, leaderless only, is
//     random here: a node coordinates); the probe writes "probe-<i>" every
//     interval to the leader (leaderless: by the probe's routing) and, once
//     acknowledged, reads it back after each delay at each level from
//     another node. Same seeds, same draws; when they happen is the wall's;
//   - target i (0-based) is node i + 1; a 503 Not the leader with a
//     leaderId is followed up to the scenario's max_redirects;
//   - each client keeps its session (X-Consim-Session) and sends it back;
//   - every operation is in the history (sim/live/live_history.h): invoked
//     when it is generated (a request waiting for a connection counts),
//     completed when answered; ok, fail (certainly no effect: a read, or a
//     refused connection, or 503) or unknown (a write that timed out or got
//     504); still open at the hard stop: unknown, no completion time;
//   - bounded: at most max_connections open connections (keep-alive, reused
//     per target), each attempt given request_timeout, no operation starts
//     at or after `duration`, and everything stops by duration + the drain
//     (the scenario's request_timeout times the redirects + 1, plus the
//     probe's largest delay, plus one second). SIGINT or SIGTERM stops early.
// Throws TargetError before sending anything when a target is not a URL,
// or refuses a connection or does not accept one within 2 s (nothing is
// recorded then).
#pragma once

#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/types.h"
#include "sim/scenario/scenario.h"

namespace consim::live {

class TargetError : public std::runtime_error {
 public:
  explicit TargetError(const std::string& msg) : std::runtime_error(msg) {}
};

struct LoadOptions {
  std::vector<std::string> targets;  // http://HOST:PORT, in node order
  Time duration = 0;                 // 0: the scenario's duration_ms
  Time request_timeout = 0;          // 0: the scenario's request_timeout
  std::uint32_t max_connections = 64;
  bool record_history = false;  // then load() fills *history_text
  std::string* history_text = nullptr;
};

struct LoadCounts {
  std::uint64_t invoked = 0, ok = 0, failed = 0, unknown = 0;  // unknown includes those never answered
  std::uint64_t refused = 0, timed_out = 0, redirects = 0;
  Time elapsed = 0;
  bool interrupted = false;  // SIGINT or SIGTERM, or the hard stop with operations still open
};

// REQUIRES: `scenario` was validated by scenario_from_json().
LoadCounts load(const Scenario& scenario, const LoadOptions& options, std::ostream& out);

}  // namespace consim::live
