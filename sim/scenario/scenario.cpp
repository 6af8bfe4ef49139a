// sim/scenario/scenario.cpp: names of the scenario enums, from their tables (names.h).
#include "sim/scenario/scenario.h"

#include "sim/scenario/names.h"

namespace consim {

std::string_view to_string(Routing r) { return kRoutingNames[r]; }
std::string_view to_string(OpType t) { return kOpTypeNames[t]; }
std::string_view to_string(Replication r) { return kReplicationNames[r]; }
std::string_view to_string(Election e) { return kElectionNames[e]; }
std::string_view to_string(SessionPolicy p) { return kSessionPolicyNames[p]; }
std::string_view to_string(ReadFanout f) { return kReadFanoutNames[f]; }
std::string_view to_string(ReadRepair m) { return kReadRepairNames[m]; }
std::string_view to_string(WorkloadSpec::Mode m) { return kWorkloadModeNames[m]; }
std::string_view to_string(Distribution::Kind k) { return kDistributionKindNames[k]; }

NameList level_name_list() {
  NameList out;
  for (int i = 0; i < kLevelCount; ++i) out.push_back(to_string(static_cast<Level>(i)));
  return out;
}

}  // namespace consim
