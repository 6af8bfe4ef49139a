// core/outputs.h: what a node or a coordinator asks its caller to do.
#pragma once

#include <cstdint>
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

  void clear() {
    messages.clear();
    timers.clear();
    applied.clear();
    roles.clear();
  }
};

}  // namespace consim
