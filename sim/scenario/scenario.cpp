// sim/scenario/scenario.cpp: names of the scenario enums (as written in scenario JSON).
#include "sim/scenario/scenario.h"

namespace consim {

std::string_view to_string(Routing r) {
  switch (r) {
    case Routing::random: return "random";
    case Routing::sticky: return "sticky";
    case Routing::leader: return "leader";
    case Routing::followers: return "followers";
    case Routing::client: return "client";
  }
  return "?";
}

std::string_view to_string(OpType t) {
  switch (t) {
    case OpType::get: return "get";
    case OpType::put: return "put";
    case OpType::del: return "delete";
  }
  return "?";
}

}  // namespace consim
