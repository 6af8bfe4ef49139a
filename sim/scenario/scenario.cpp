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

const std::vector<KindName>& kind_names() {
  static const std::vector<KindName> names = [] {
    auto group = [](std::string name, std::vector<MsgKind> kinds, std::string doc) {
      return KindName{std::move(name), std::move(kinds), true, std::move(doc)};
    };
    std::vector<KindName> out;
    out.push_back(group("client_request", {MsgKind::client_get, MsgKind::client_put, MsgKind::client_delete},
                        "Group: client_get, client_put and client_delete."));
    // Each single kind, named by core, in MsgKind order.
    for (int k = 0; k < kMsgKindCount; ++k) {
      const MsgKind m = static_cast<MsgKind>(k);
      out.push_back(KindName{std::string(to_string(m)), {m}, false, "Messages of kind " + std::string(to_string(m)) + "."});
    }
    // Groups named for what the messages do, in either replication mode.
    out.push_back(group("replicate", {MsgKind::append, MsgKind::install_snapshot, MsgKind::replica_write},
                        "Group: append, install_snapshot and replica_write."));
    out.push_back(group("ack", {MsgKind::append_reply, MsgKind::replica_write_ack},
                        "Group: append_reply and replica_write_ack."));
    out.push_back(group("vote", {MsgKind::request_vote, MsgKind::vote_reply}, "Group: request_vote and vote_reply."));
    out.push_back(group("read_request", {MsgKind::read_query, MsgKind::replica_read},
                        "Group: read_query and replica_read."));
    out.push_back(group("read_response", {MsgKind::read_reply, MsgKind::replica_read_reply},
                        "Group: read_reply and replica_read_reply."));
    out.push_back(group("anti_entropy", {MsgKind::sync, MsgKind::sync_reply}, "Group: sync and sync_reply."));
    return out;
  }();
  return names;
}

NameList level_name_list() {
  NameList out;
  for (int i = 0; i < kLevelCount; ++i) out.push_back(to_string(static_cast<Level>(i)));
  return out;
}

}  // namespace consim
