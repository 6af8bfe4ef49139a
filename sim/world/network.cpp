#include "sim/world/network.h"

#include <array>
#include <cassert>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

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
  spec_ = spec;  // distinct_ points into spec_, so rebuild after the copy
  const std::uint32_t m = n_ + 1;
  // Link overrides for the same (from, to) merge field by field, later wins.
  // Kept only for the links that have one (few, usually).
  struct LinkOver {
    const Distribution* delay = nullptr;
    std::optional<double> loss, duplicate;
    std::array<const Distribution*, kMsgKindCount> kdelay{};
    std::array<std::optional<double>, kMsgKindCount> kloss{}, kdup{};
  };
  std::map<std::size_t, LinkOver> over;  // by f * m + t
  for (const LinkSpec& ls : spec_.links) {
    const std::uint32_t f = ls.from == kClientEndpoint ? n_ : ls.from;
    const std::uint32_t t = ls.to == kClientEndpoint ? n_ : ls.to;
    assert(f <= n_ && t <= n_);
    LinkOver& o = over[static_cast<std::size_t>(f) * m + t];
    if (ls.delay) o.delay = &*ls.delay;
    if (ls.loss) o.loss = *ls.loss;
    if (ls.duplicate) o.duplicate = *ls.duplicate;
    for (int k = 0; k < kMsgKindCount; ++k) {
      const KindSpec& ks = ls.kinds[k];
      if (ks.delay) o.kdelay[k] = &*ks.delay;
      if (ks.loss) o.kloss[k] = *ks.loss;
      if (ks.duplicate) o.kdup[k] = *ks.duplicate;
    }
  }
  distinct_.clear();
  table_.assign(static_cast<std::size_t>(m) * m * kMsgKindCount, 0);
  std::map<std::tuple<const Distribution*, double, double>, std::uint32_t> seen;
  auto intern = [&](const Link& l) -> std::uint32_t {
    const auto [it, added] =
        seen.emplace(std::make_tuple(l.delay, l.loss, l.duplicate), static_cast<std::uint32_t>(distinct_.size()));
    if (added) {
      distinct_.push_back(l);
      distinct_.back().fixed = l.delay->fixed_ns();
    }
    return it->second;
  };
  // Links without overrides share their settings per (client link?, kind).
  std::array<std::array<std::uint32_t, kMsgKindCount>, 2> plain{};
  for (int c = 0; c < 2; ++c)
    for (int k = 0; k < kMsgKindCount; ++k) {
      const KindSpec& ks = spec_.kinds[k];
      Link l;
      l.delay = ks.delay ? &*ks.delay : (c && spec_.client_delay) ? &*spec_.client_delay : &spec_.delay;
      l.loss = ks.loss ? *ks.loss : spec_.loss;
      l.duplicate = ks.duplicate ? *ks.duplicate : spec_.duplicate;
      plain[c][k] = intern(l);
    }
  for (std::uint32_t f = 0; f < m; ++f) {
    for (std::uint32_t t = 0; t < m; ++t) {
      const bool client_link = (f == n_) || (t == n_);
      const auto it = over.find(static_cast<std::size_t>(f) * m + t);
      std::uint32_t* cell = &table_[(static_cast<std::size_t>(f) * m + t) * kMsgKindCount];
      for (int k = 0; k < kMsgKindCount; ++k) {
        if (it == over.end()) {
          cell[k] = plain[client_link][k];
          continue;
        }
        const LinkOver& o = it->second;
        Link l = distinct_[plain[client_link][k]];  // kind > client_delay > network-wide
        if (o.delay) l.delay = o.delay;             // link
        if (o.loss) l.loss = *o.loss;
        if (o.duplicate) l.duplicate = *o.duplicate;
        if (o.kdelay[k]) l.delay = o.kdelay[k];     // link + kind
        if (o.kloss[k]) l.loss = *o.kloss[k];
        if (o.kdup[k]) l.duplicate = *o.kdup[k];
        cell[k] = intern(l);
      }
    }
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

}  // namespace consim
