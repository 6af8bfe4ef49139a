// sim/live/api.h: the chapter's HTTP API and the admin endpoints, without HTTP.
//
// The Api turns one request (method, target, body, session) addressed to
// node n into one response (status, JSON body, headers), by way of the
// LiveCluster. It knows no sockets: sim/live/server.cpp parses and
// writes HTTP, tests call handle() directly. Routes (docs/live.md):
//   GET    /status                          the chapter's fields, and more
//   GET    /key/{key}?consistency=LEVEL     eventual (default), strong,
//                                           read_your_writes, monotonic_reads, causal, leader
//   PUT    /key/{key}   body: a JSON value  the chapter's answer; 503 Not the leader
//   DELETE /key/{key}                       404 Key not found when absent at the leader
//   POST   /admin/...                       loopback peers only (403 otherwise)
// Keys are 1..256 characters of A-Z a-z 0-9 . _ ~ - (400 otherwise); a
// value is any JSON text up to the body limit, kept as its compact dump.
// Every /key/ answer names the client's session (X-Consim-Session header
// and a consim_session cookie; the client sends it back as either, or as
// ?session=). done is called exactly once, possibly before handle()
// returns.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/types.h"

namespace consim {
class KeySpace;
}  // namespace consim

namespace consim::live {

class LiveCluster;
class LiveHistory;

struct ApiRequest {
  std::string method;  // "GET", "PUT", ...
  std::string target;  // path and query, as sent
  std::string body;
  std::string cookie;          // the Cookie header
  std::string session_header;  // the X-Consim-Session header
  bool from_loopback = true;   // the peer's address is a loopback one
};

struct ApiResponse {
  unsigned status = 200;
  std::string body;                                          // JSON text (empty for OPTIONS)
  std::vector<std::pair<std::string, std::string>> headers;  // beyond Content-Type and CORS
};

// What clients may make the store keep (507 Insufficient Storage beyond,
// naming the limit): every key a client names is kept by every node, and
// every written value's text for the whole run.
struct ApiLimits {
  std::size_t keys = 1000000;               // distinct keys named by clients
  std::size_t value_bytes = std::size_t{256} << 20;  // written values' texts, all together
};

class Api {
 public:
  using Done = std::function<void(ApiResponse)>;

  // `history` may be null (not recorded). Both must outlive the Api.
  Api(LiveCluster& cluster, LiveHistory* history, const ApiLimits& limits = {});
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  void handle(NodeId node, const ApiRequest& req, Done done);
  // The names of keys and the texts of values of this process (sim/live/wire.h uses them too).
  KeySpace& keys();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "node-<i>" for node i - 1 (the names of the chapter and the scenarios).
std::string node_name(NodeId n);

}  // namespace consim::live
