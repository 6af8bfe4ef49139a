#include "sim/network.h"

#include <cassert>

namespace consim {

std::string_view to_string(DropReason r) {
  switch (r) {
    case DropReason::none: return "none";
    case DropReason::loss: return "loss";
    case DropReason::partition: return "partition";
    case DropReason::cut: return "cut";
    case DropReason::node_down: return "node_down";
    case DropReason::endpoint_gone: return "endpoint_gone";
  }
  return "?";
}

Network::Network(std::uint32_t nodes, const NetworkSpec& spec, std::uint64_t seed)
    : n_(nodes), rng_(seed, stream_id("network")), group_(nodes, 0), cut_to_(nodes, 0) {
  configure(spec);
}

void Network::configure(const NetworkSpec& spec) {
  spec_ = spec;  // links_ point into spec_, so rebuild after the copy
  const std::uint32_t m = n_ + 1;
  links_.assign(static_cast<std::size_t>(m) * m, Link{});
  for (std::uint32_t f = 0; f < m; ++f) {
    for (std::uint32_t t = 0; t < m; ++t) {
      Link& l = links_[f * m + t];
      const bool client_link = (f == n_) || (t == n_);
      l.delay = (client_link && spec_.client_delay) ? &*spec_.client_delay : &spec_.delay;
      l.loss = spec_.loss;
      l.duplicate = spec_.duplicate;
    }
  }
  for (const LinkSpec& ls : spec_.links) {
    const std::uint32_t f = ls.from == kClientEndpoint ? n_ : ls.from;
    const std::uint32_t t = ls.to == kClientEndpoint ? n_ : ls.to;
    assert(f <= n_ && t <= n_);
    Link& l = links_[f * m + t];
    if (ls.delay) l.delay = &*ls.delay;
    if (ls.loss) l.loss = *ls.loss;
    if (ls.duplicate) l.duplicate = *ls.duplicate;
  }
}

void Network::partition(const std::vector<std::vector<NodeId>>& groups) {
  const std::uint32_t rest = static_cast<std::uint32_t>(groups.size()) + 1;
  for (auto& g : group_) g = rest;
  for (std::size_t i = 0; i < groups.size(); ++i)
    for (NodeId n : groups[i]) group_[n] = static_cast<std::uint32_t>(i + 1);
}

void Network::cut(NodeId from, NodeId to, bool is_cut) {
  if (is_cut)
    cut_to_[from] |= (1ULL << to);
  else
    cut_to_[from] &= ~(1ULL << to);
}

void Network::heal() {
  for (auto& g : group_) g = 0;
  for (auto& c : cut_to_) c = 0;
}

bool Network::connected(NodeId from, NodeId to) const {
  return group_[from] == group_[to] && !(cut_to_[from] & (1ULL << to));
}

const Network::Link& Network::link(EndpointId from, EndpointId to) const {
  const std::uint32_t m = n_ + 1;
  const std::uint32_t f = from < n_ ? from : n_;
  const std::uint32_t t = to < n_ ? to : n_;
  return links_[f * m + t];
}

Transit Network::transit(EndpointId from, EndpointId to) {
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
  const Link& l = link(from, to);
  if (l.loss > 0 && rng_.bernoulli(l.loss)) {
    tr.drop = DropReason::loss;
    return tr;
  }
  tr.delay = l.delay->sample(rng_);
  if (l.duplicate > 0 && rng_.bernoulli(l.duplicate)) {
    tr.duplicate = true;
    tr.dup_delay = l.delay->sample(rng_);
  }
  return tr;
}

}  // namespace consim
