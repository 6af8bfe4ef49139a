// sim/live/cluster.h: the cluster of one process, driven in real time.
//
// A LiveCluster runs the simulator's Host (sim/world/host.h) on an Asio
// io_context instead of an event queue: a node's timer becomes a steady
// timer at its virtual instant on the LiveClock, and a message between nodes
// crosses the scenario's Network (sim/world/network.h): the same delay
// distributions, loss, duplication, partitions and cuts, sampled from the
// same seeded stream, but waited out on the wall clock. The scenario's
// timeline is played against the wall clock too. Clients (the HTTP edge) are
// one endpoint, N; their requests reach a node at once and the node's reply
// comes back at once (the real HTTP hop is their network).
//
// What callers may rely on:
//   - everything runs on the io_context's thread: call every member from it;
//   - request() calls `done` exactly once: with the node's client_reply, or
//     with ClientAnswer::down when the node is down (at once or when it
//     crashes with the request pending), or ::timeout when no reply came
//     within the scenario's request_timeout;
//   - admin verbs take effect at once and return false when they change
//     nothing (crash of a node already down, ...);
//   - on_role() observers see every role change a node reports.
// Boost.Asio stays in cluster.cpp: this header only names the io_context.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "core/message.h"
#include "core/outputs.h"
#include "sim/scenario/scenario.h"
#include "sim/world/host.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace consim::live {

struct ClientAnswer {
  enum class Kind : std::uint8_t { reply, timeout, down };
  Kind kind = Kind::reply;
  Message reply;  // kind == reply: the node's client_reply
};

// Counts of the wire between nodes, for /status and the shutdown line.
struct WireCounts {
  std::uint64_t sent = 0, delivered = 0, dropped = 0, duplicated = 0;
};

class LiveCluster {
 public:
  using Done = std::function<void(const ClientAnswer&)>;
  using RoleObserver = std::function<void(NodeId, const RoleChange&)>;

  using Remote = std::function<void(const Message&)>;

  // REQUIRES: `scenario` was validated by scenario_from_json().
  LiveCluster(boost::asio::io_context& io, const Scenario& scenario);

  // One node per process (before start()): only node `self` runs here; a
  // message to another node crosses the Network (its delay, loss,
  // partitions, as this process sees them) and is then handed to `remote`
  // (HTTP to the peer's process). What arrives from a peer: inject().
  void run_only(NodeId self, Remote remote);
  bool local(NodeId n) const;
  // A message from a peer's process for a local node (dropped otherwise).
  // `snapshot` owns what m.snapshot points to (null when it points nowhere).
  void inject(const Message& m, std::shared_ptr<const Snapshot> snapshot);
  ~LiveCluster();
  LiveCluster(const LiveCluster&) = delete;
  LiveCluster& operator=(const LiveCluster&) = delete;

  // Boot every node and schedule the timeline. Once.
  void start();
  // Cancel every timer and fail every pending request (kind down): run()
  // of the io_context then returns once the HTTP side is closed too.
  void stop();

  Time now() const;
  const Scenario& scenario() const;
  const Host& host() const;
  std::uint32_t size() const;
  // The endpoint id that client requests come from (N).
  EndpointId client_endpoint() const;
  WireCounts wire() const;

  // Sends client request `m` (kind client_get/put/delete; key, level,
  // token, rec.value set by the caller) to node `n`. The cluster sets from,
  // to and op.
  void request(NodeId n, Message m, Done done);

  void on_role(RoleObserver observer);

  // Admin (and the timeline).
  bool crash(NodeId n);
  bool restart(NodeId n);
  bool pause(NodeId n);
  bool resume(NodeId n);
  void partition(const std::vector<std::vector<NodeId>>& groups);
  void cut(NodeId from, NodeId to, bool is_cut);
  void heal();
  void set_network(const NetworkSpec& spec);
  const NetworkSpec& network_spec() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace consim::live
