#include "sim/world/host.h"

#include <algorithm>
#include <cassert>

namespace consim {

namespace {
std::uint64_t bit(NodeId n) { return std::uint64_t{1} << n; }
}  // namespace

Host::Host(const std::vector<NodeConfig>& configs, const Options& options) : options_(options) {
  slots_.reserve(configs.size());
  for (NodeId i = 0; i < configs.size(); ++i) {
    assert(configs[i].id == i);
    slots_.emplace_back(options.seed, stream_id("node", i));
    slots_[i].node = std::make_unique<Node>(configs[i]);
    up_mask_ |= bit(i);
  }
}

Host::~Host() = default;

const Effects& Host::start(NodeId n, Time now) {
  fx_.out.clear();
  slots_[n].node->start(now, fx_.out);
  return finish(n, now);
}

const Effects& Host::fire(Time now, const HostTimer& t) {
  assert(is_current(t) && !slots_[t.node].paused);
  fx_.out.clear();
  slots_[t.node].node->on_timer(now, t.id, fx_.out);
  return finish(t.node, now);
}

bool Host::crash(NodeId n) {
  Slot& s = slots_[n];
  if (!s.up) return false;
  s.up = false;
  s.paused = false;
  ++s.incarnation;
  up_mask_ &= ~bit(n);
  return true;
}

const Effects* Host::restart(NodeId n, Time now, bool durable) {
  Slot& s = slots_[n];
  if (s.up) return nullptr;
  s.up = true;
  ++s.incarnation;
  up_mask_ |= bit(n);
  fx_.out.clear();
  s.node->restart(now, durable, fx_.out);
  return &finish(n, now);
}

bool Host::pause(NodeId n) {
  if (!slots_[n].up) return false;
  slots_[n].paused = true;
  return true;
}

bool Host::resume(NodeId n) {
  if (!slots_[n].paused) return false;
  slots_[n].paused = false;
  return true;
}

}  // namespace consim
