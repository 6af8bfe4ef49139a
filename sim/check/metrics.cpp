#include "sim/check/metrics.h"

namespace consim {

std::string_view to_string(FailReason r) {
  switch (r) {
    case FailReason::node_timeout: return "node_timeout";
    case FailReason::client_timeout: return "client_timeout";
    case FailReason::no_leader: return "no_leader";
    case FailReason::behind: return "behind";
  }
  return "?";
}

}  // namespace consim
