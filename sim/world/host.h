// sim/world/host.h: the nodes of a cluster, and the verbs that drive them.
//
// A Host owns one slot per node: the core::Node, whether it is up or paused,
// its incarnation, and its random stream for timer jitter. It runs a node's
// input (start, a message, a due timer, a restart) and hands back the node's
// Effects for its driver to carry out. It knows nothing of an event queue, a
// network or clients: the simulator (sim/world/world.h), the tests'
// clusters and a real-time driver all drive the same Host.
//
// What a driver may rely on:
//   - each verb returns the Effects of that one call, valid until the next
//     call into the Host. The driver sends effects.out.messages in order,
//     then schedules effects.timers in order, then may observe
//     out.applied and out.roles;
//   - a timer's instant is chosen here, in [max(at_min, now), max(at_max,
//     at_min)]: by the node's own stream ("node"/i of the seed) with
//     TimerChoice::random, or at either end;
//   - a timer carries the incarnation of the node that asked for it.
//     crash() and restart() start a new incarnation: a timer of an older one,
//     or of a node that is down, is stale (is_current() is false) and must
//     not be fired;
//   - a paused node is up but takes no input: the driver holds what arrives
//     for it and hands it over after resume(), in arrival order. A crash
//     ends a pause.
// What it requires: deliver() only to a node that is up and not paused;
// fire() only a current timer of a node that is not paused; node ids < size().
#pragma once

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/node.h"
#include "core/outputs.h"
#include "sim/engine/rng.h"

namespace consim {

// A timer a node asked for, as the driver keeps it.
struct HostTimer {
  NodeId node = 0;
  std::uint32_t incarnation = 0;
  std::uint64_t id = 0;  // the node's timer id
};

struct TimerAt {
  Time at = 0;
  HostTimer timer;
};

// What one call into a node asks its driver to do.
struct Effects {
  NodeId node = 0;
  Outputs out;                  // out.timers as requested; the instants are in `timers`
  std::vector<TimerAt> timers;  // one per out.timers entry, in the same order
};

class Host {
 public:
  enum class TimerChoice : std::uint8_t {
    random,    // uniform over the window, from the node's stream
    earliest,  // at_min (tests: no jitter)
    latest,    // at_max
  };
  struct Options {
    std::uint64_t seed = 1;  // derives each node's stream
    TimerChoice timers = TimerChoice::random;
  };

  // One node per config; configs[i].id must be i.
  Host(const std::vector<NodeConfig>& configs, const Options& options);
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  // Where timers requested from now on fire in their window.
  void set_timer_choice(TimerChoice c) { options_.timers = c; }

  std::uint32_t size() const { return static_cast<std::uint32_t>(slots_.size()); }
  const Node& node(NodeId n) const { return *slots_[n].node; }
  bool up(NodeId n) const { return slots_[n].up; }
  bool paused(NodeId n) const { return slots_[n].paused; }
  std::uint32_t incarnation(NodeId n) const { return slots_[n].incarnation; }
  // Bit i set: node i is up (kept as nodes crash and restart).
  std::uint64_t up_mask() const { return up_mask_; }
  // The timer belongs to the node's current incarnation and the node is up.
  bool is_current(const HostTimer& t) const {
    const Slot& s = slots_[t.node];
    return s.up && s.incarnation == t.incarnation;
  }

  // Boot node n (once, at the start).
  const Effects& start(NodeId n, Time now);
  // Hand message m to node m.to.
  const Effects& deliver(Time now, const Message& m);
  // A timer came due.
  const Effects& fire(Time now, const HostTimer& t);
  // Node n stops: its volatile state is gone at restart, its timers are stale.
  // Returns false (and does nothing) if it was already down.
  bool crash(NodeId n);
  // Node n comes back (durable: term, vote, log and store survive). Returns
  // null (and does nothing) if it was up.
  const Effects* restart(NodeId n, Time now, bool durable);
  // Node n stops taking input until resume(). Returns false if it is down.
  bool pause(NodeId n);
  // Returns false if it was not paused.
  bool resume(NodeId n);

 private:
  struct Slot {
    std::unique_ptr<Node> node;
    Rng rng;
    bool up = true;
    bool paused = false;
    std::uint32_t incarnation = 0;
    Slot(std::uint64_t seed, std::uint64_t stream) : rng(seed, stream) {}
  };
  const Effects& finish(NodeId n, Time now);

  Options options_;
  std::vector<Slot> slots_;
  std::uint64_t up_mask_ = 0;
  Effects fx_;
};

// deliver() and finish() run for nearly every event, so they are defined
// here and the driver inlines them (deliver() forced: its call frame cost
// about 13 instructions per event; docs/architecture.md, Performance).
[[gnu::always_inline]] inline const Effects& Host::deliver(Time now, const Message& m) {
  assert(m.to < slots_.size() && slots_[m.to].up && !slots_[m.to].paused);
  fx_.out.clear();
  slots_[m.to].node->step(now, m, fx_.out);
  return finish(m.to, now);
}

// Chooses each requested timer's instant. The node's outputs stay in fx_.out.
inline const Effects& Host::finish(NodeId n, Time now) {
  Slot& s = slots_[n];
  fx_.node = n;
  fx_.timers.clear();
  for (const TimerRequest& t : fx_.out.timers) {
    const Time at_min = std::max(t.at_min, now);
    const Time at_max = std::max(t.at_max, at_min);
    Time at = at_min;
    if (at_max > at_min) {
      switch (options_.timers) {
        case TimerChoice::random: {
          const std::uint64_t span = static_cast<std::uint64_t>(at_max - at_min) + 1;
          at = at_min + static_cast<Time>(s.rng.next_below(span));
          break;
        }
        case TimerChoice::earliest: break;
        case TimerChoice::latest: at = at_max; break;
      }
    }
    fx_.timers.push_back(TimerAt{at, HostTimer{n, s.incarnation, t.id}});
  }
  return fx_;
}

}  // namespace consim
