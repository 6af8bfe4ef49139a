// core/outputs.h: what a node or a coordinator asks its caller to do.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/message.h"
#include "core/types.h"

namespace consim {

struct TimerRequest {
  std::uint64_t id = 0;
  Time at_min = 0;  // fire at a time in [at_min, at_max] of the caller's choosing
  Time at_max = 0;
};

// A key's record changed on this node (append, repair, snapshot, rollback).
struct Applied {
  Key key = 0;
  Version version;
};

enum class Role : std::uint8_t { follower, candidate, leader };
std::string_view to_string(Role r);

struct RoleChange {
  Role role = Role::follower;
  std::uint64_t term = 0;
  NodeId leader = kNoNode;  // who this node now believes leads
};

struct Outputs {
  std::vector<Message> messages;
  std::vector<TimerRequest> timers;
  std::vector<Applied> applied;
  std::vector<RoleChange> roles;
  // The snapshots that messages[i].snapshot point to (see core/message.h),
  // each once, kept until clear().
  std::vector<std::shared_ptr<const Snapshot>> snapshots;

  // Keeps `s` until clear() and returns what a message's `snapshot` holds.
  const Snapshot* hold(std::shared_ptr<const Snapshot> s) {
    const Snapshot* p = s.get();
    if (p && holder(p) == nullptr) snapshots.push_back(std::move(s));
    return p;
  }
  // The owner of the snapshot `m` carries, for keeping `m` past clear():
  // null when it carries none. REQUIRES: m came from this Outputs.
  std::shared_ptr<const Snapshot> holder(const Message& m) const {
    const std::shared_ptr<const Snapshot>* h = holder(m.snapshot);
    return h ? *h : nullptr;
  }

  void clear() {
    messages.clear();
    timers.clear();
    applied.clear();
    roles.clear();
    snapshots.clear();
  }

 private:
  const std::shared_ptr<const Snapshot>* holder(const Snapshot* p) const {
    if (p == nullptr) return nullptr;
    for (const auto& s : snapshots)
      if (s.get() == p) return &s;
    return nullptr;
  }
};

}  // namespace consim
