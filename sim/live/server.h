// sim/live/server.h: `consim serve`: the whole cluster in one process, on HTTP.
//
// serve() builds a LiveCluster from the scenario, listens for node i on
// bind:base_port + i (every node on an ephemeral port when base_port is 0),
// serves the Api (sim/live/api.h) there with Boost.Beast, and runs until
// SIGINT or SIGTERM (or `duration`, when > 0). It prints the chapter's
// start-up lines, one machine-readable line per node
//   consim serve: node-1 http://127.0.0.1:4001
// then "consim serve: ready", the nodes' role changes as they happen, and
// one line when it stops. On a clean stop it returns 0 and, when asked,
// has put the history file's text (sim/live/live_history.h) in
// *history_text for the caller to write.
//
// Limits: bodies up to limits.body_bytes (413 beyond), headers up to
// limits.header_bytes (431), a connection idle for limits.idle is closed,
// at most limits.max_connections are open at once (more are closed at
// accept). Throws ListenError when a port cannot be listened on (in use,
// no permission, a bad address): nothing has been served then.
#pragma once

#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/types.h"
#include "sim/scenario/scenario.h"

namespace consim::live {

class ListenError : public std::runtime_error {
 public:
  explicit ListenError(const std::string& msg) : std::runtime_error(msg) {}
};

struct HttpLimits {
  std::uint64_t body_bytes = 1 << 20;
  std::uint32_t header_bytes = 16 * 1024;
  Time idle = 30 * kSecond;
  std::uint32_t max_connections = 512;
};

struct ServeOptions {
  std::string bind = "127.0.0.1";
  std::uint32_t base_port = 4001;  // 0: ephemeral ports
  // One node per process (the chapter's docker-compose): only node `node`
  // runs here, on `port` (0: ephemeral); `peers` are the other nodes'
  // base URLs (http://HOST:PORT) in node order, self left out. Messages to
  // them are POSTed as JSON to /internal/{kind} (sim/live/wire.h); a peer
  // that cannot be reached is one line when it starts failing and one when
  // it answers again, and its messages are lost, as on a network.
  NodeId node = kNoNode;
  std::uint32_t port = 0;
  std::vector<std::string> peers;
  Time duration = 0;  // 0: until a signal
  HttpLimits limits;
  bool record_history = false;  // then serve() fills *history_text at the stop
  std::string* history_text = nullptr;
};

// REQUIRES: `scenario` was validated by scenario_from_json().
int serve(const Scenario& scenario, const ServeOptions& options, std::ostream& out);

}  // namespace consim::live
