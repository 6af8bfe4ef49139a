// sim/scenario/names.h: the one name table of each scenario enum.
//
// Each table is indexed by the enum's value and spells the names exactly as
// scenario JSON, the reports and the trace write them. The loader, to_string()
// and the reports all read these tables; nothing else spells an enum's names.
// Every table's size is its enum's count, tied to the last enumerator by a
// static_assert, so a new enumerator without a name does not compile.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"
#include "sim/engine/distribution.h"
#include "sim/scenario/scenario.h"

namespace consim {

// A table seen without its enum type: the loader's and the schema's view.
using NameList = std::vector<std::string_view>;

template <typename E, std::size_t N>
struct NameTable {
  std::array<std::string_view, N> names;
  std::string_view operator[](E e) const { return names[static_cast<std::size_t>(e)]; }
  NameList list() const { return NameList(names.begin(), names.end()); }
};

constexpr std::size_t kReplicationCount = 2;
static_assert(static_cast<std::size_t>(Replication::leaderless) + 1 == kReplicationCount);
inline constexpr NameTable<Replication, kReplicationCount> kReplicationNames{{"leader", "leaderless"}};

constexpr std::size_t kElectionCount = 2;
static_assert(static_cast<std::size_t>(Election::majority) + 1 == kElectionCount);
inline constexpr NameTable<Election, kElectionCount> kElectionNames{{"lowest-alive", "majority"}};

constexpr std::size_t kSessionPolicyCount = 3;
static_assert(static_cast<std::size_t>(SessionPolicy::forward) + 1 == kSessionPolicyCount);
inline constexpr NameTable<SessionPolicy, kSessionPolicyCount> kSessionPolicyNames{{"wait", "fail", "forward"}};

constexpr std::size_t kReadFanoutCount = 2;
static_assert(static_cast<std::size_t>(ReadFanout::r) + 1 == kReadFanoutCount);
inline constexpr NameTable<ReadFanout, kReadFanoutCount> kReadFanoutNames{{"all", "r"}};

constexpr std::size_t kReadRepairCount = 3;
static_assert(static_cast<std::size_t>(ReadRepair::blocking) + 1 == kReadRepairCount);
inline constexpr NameTable<ReadRepair, kReadRepairCount> kReadRepairNames{{"off", "async", "blocking"}};

constexpr std::size_t kRoutingCount = 5;
static_assert(static_cast<std::size_t>(Routing::client) + 1 == kRoutingCount);
inline constexpr NameTable<Routing, kRoutingCount> kRoutingNames{{"random", "sticky", "leader", "followers", "client"}};

static_assert(static_cast<int>(OpType::del) + 1 == kOpTypeCount, "kOpTypeCount counts every OpType");
inline constexpr NameTable<OpType, kOpTypeCount> kOpTypeNames{{"get", "put", "delete"}};

constexpr std::size_t kWorkloadModeCount = 2;
static_assert(static_cast<std::size_t>(WorkloadSpec::Mode::closed) + 1 == kWorkloadModeCount);
inline constexpr NameTable<WorkloadSpec::Mode, kWorkloadModeCount> kWorkloadModeNames{{"open", "closed"}};

constexpr std::size_t kDistributionKindCount = 7;
static_assert(static_cast<std::size_t>(Distribution::Kind::mixture) + 1 == kDistributionKindCount);
inline constexpr NameTable<Distribution::Kind, kDistributionKindCount> kDistributionKindNames{
    {"constant", "uniform", "exponential", "normal", "lognormal", "pareto", "mixture"}};

constexpr std::size_t kExpectOpCount = 6;
static_assert(static_cast<std::size_t>(Expectation::Op::ge) + 1 == kExpectOpCount);
inline constexpr NameTable<Expectation::Op, kExpectOpCount> kExpectOpNames{{"==", "!=", "<", "<=", ">", ">="}};
// to_string(Expectation::Op) is sim/check/expect.h's, from this table.

// Names of message kinds in network.kinds (docs/scenario-format.md#message-kinds).
// Entries marked as groups are aliases for one or more kinds; the single
// kinds' names are core's (to_string(MsgKind)).
struct KindName {
  std::string name;
  std::vector<MsgKind> kinds;
  bool group = false;  // an alias: a single kind's own entry wins over it
  std::string doc;     // groups: what the group is for
};
const std::vector<KindName>& kind_names();

// Levels are named by core (core/types.h, to_string(Level)); this is that list.
NameList level_name_list();

std::string_view to_string(Replication r);
std::string_view to_string(Election e);
std::string_view to_string(SessionPolicy p);
std::string_view to_string(ReadFanout f);
std::string_view to_string(ReadRepair m);
std::string_view to_string(WorkloadSpec::Mode m);
std::string_view to_string(Distribution::Kind k);

}  // namespace consim
