// sim/world/network.h: the simulated network: delay, loss, duplication, partitions, cuts.
//
// Endpoints 0..N-1 are nodes; every endpoint >= N is a client. Clients sit
// outside partitions (they reach every node unless a link rule says otherwise);
// partitions and one-way cuts apply between nodes. Whether a message crosses
// is decided when it is sent; a message already on the wire when a partition
// starts still arrives. The network draws from its own random stream.
#pragma once

#include <cstdint>
#include <vector>

#include "core/message.h"
#include "core/types.h"
#include "sim/engine/rng.h"
#include "sim/scenario/scenario.h"

namespace consim {

enum class DropReason : std::uint8_t { none, loss, partition, cut, node_down, endpoint_gone };
constexpr int kDropReasonCount = 6;
static_assert(static_cast<int>(DropReason::endpoint_gone) + 1 == kDropReasonCount, "kDropReasonCount counts every DropReason");
std::string_view to_string(DropReason r);

struct Transit {
  DropReason drop = DropReason::none;
  Time delay = 0;          // when not dropped
  bool duplicate = false;  // a second copy arrives after dup_delay
  Time dup_delay = 0;
};

class Network {
 public:
  Network(std::uint32_t nodes, const NetworkSpec& spec, std::uint64_t seed);

  // Replace the delay/loss/duplication settings (partitions and cuts stay).
  void configure(const NetworkSpec& spec);

  // Partition: nodes in different groups cannot exchange messages. Nodes not
  // named in any group form one more group together.
  void partition(const std::vector<std::vector<NodeId>>& groups);
  void cut(NodeId from, NodeId to, bool is_cut);
  void heal();  // no partitions, no cuts

  bool connected(NodeId from, NodeId to) const;

  // Decide the fate of one message of kind `kind` from -> to. Draws from the
  // network stream. One table lookup: no allocation, no string work.
  // Inline: it runs for every message (sim/world/transport.h). Forced:
  // left to itself the compiler keeps it out of line, which measured 17
  // more instructions per event on consim bench.
  [[gnu::always_inline]] Transit transit(EndpointId from, EndpointId to, MsgKind kind);

  // The settings in force for one (from, to, kind), after precedence
  // (link+kind > link > kind > client_delay > network-wide). For tests.
  struct Link {
    const Distribution* delay = nullptr;
    // delay->fixed_ns(): the delay of every message when it is a constant
    // (nothing drawn), so transit() skips the sample; -1 otherwise.
    Time fixed = -1;
    double loss = 0;
    double duplicate = 0;
    // One message's delay: the constant, or a draw from `rng`.
    Time sample(Rng& rng) const { return fixed >= 0 ? fixed : delay->sample(rng); }
  };
  const Link& link(EndpointId from, EndpointId to, MsgKind kind) const {
    const std::uint32_t m = n_ + 1;
    const std::uint32_t f = from < n_ ? from : n_;
    const std::uint32_t t = to < n_ ? to : n_;
    return distinct_[table_[(static_cast<std::size_t>(f) * m + t) * kMsgKindCount + static_cast<std::size_t>(kind)]];
  }

 private:
  std::uint32_t n_;
  NetworkSpec spec_;
  Rng rng_;
  // (N+1) x (N+1) x kMsgKindCount table of indices into distinct_; endpoint
  // index N stands for "any client". Few distinct settings, so the table
  // stays small (4 bytes a cell) even at 64 nodes.
  std::vector<Link> distinct_;
  std::vector<std::uint32_t> table_;
  std::vector<std::uint32_t> group_;     // per node
  std::vector<std::uint64_t> cut_to_;    // per from-node: bit t set = from->t cut
};

inline Transit Network::transit(EndpointId from, EndpointId to, MsgKind kind) {
  Transit tr;
  if (from < n_ && to < n_) {
    if (group_[from] != group_[to]) {
      tr.drop = DropReason::partition;
      return tr;
    }
    if (cut_to_[from] & (1ULL << to)) {
      tr.drop = DropReason::cut;
      return tr;
    }
  }
  const Link& l = link(from, to, kind);
  if (l.loss > 0 && rng_.bernoulli(l.loss)) {
    tr.drop = DropReason::loss;
    return tr;
  }
  tr.delay = l.sample(rng_);
  if (l.duplicate > 0 && rng_.bernoulli(l.duplicate)) {
    tr.duplicate = true;
    tr.dup_delay = l.sample(rng_);
  }
  return tr;
}

}  // namespace consim
