// sim/scenario/scenario.h: a scenario, as loaded and validated from JSON.
//
// Every field here has been checked by load_scenario() (sim/scenario/load.h):
// the world may rely on the ranges stated in the comments. Times are virtual
// nanoseconds; node numbers are 0-based here (1-based in JSON, "node-1").
// docs/scenario-format.md documents the JSON form of each field.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/message.h"
#include "core/types.h"
#include "sim/engine/distribution.h"

namespace consim {

// cluster.read_repair as JSON names it ("off", "async", "blocking"; true is
// "async", false "off"); ClusterSpec holds it as two booleans.
enum class ReadRepair : std::uint8_t { off, async, blocking };

struct ClusterSpec {
  Replication replication = Replication::leader;
  std::uint32_t nodes = 3;          // 1..kMaxNodes
  // Copies of each key: leader mode: always == nodes; leaderless: 1..nodes
  // (JSON default: nodes). Keys are placed by core/placement.h.
  std::uint32_t replicas = 3;
  std::uint32_t write_quorum = 2;   // 1..replicas
  std::uint32_t read_quorum = 1;    // 1..replicas
  Election election = Election::lowest_alive;
  Time heartbeat_interval = 2 * kSecond;   // > 0
  Time election_timeout = 6 * kSecond;     // > heartbeat_interval
  Time write_timeout = 1 * kSecond;        // > 0
  Time read_timeout = 1 * kSecond;         // > 0
  bool read_repair = false;                // JSON: true/false or "off" | "async" | "blocking"
  bool read_repair_blocking = false;       // leaderless only ("blocking"); implies read_repair
  bool durable = false;                    // crash keeps term, log and store
  SessionPolicy session_behind = SessionPolicy::wait;
  bool bootstrap_leader = true;
  // Leaderless only (the loader rejects them in leader mode unless default).
  ReadFanout read_fanout = ReadFanout::all;
  bool sloppy_quorum = false;              // hinted handoff to fallback nodes
  Time anti_entropy_interval = 0;          // 0: off, else > 0
  // Node clocks (stamp LWW versions), one entry per node after load (JSON:
  // a number for every node, or an array of `nodes` numbers). Leaderless only.
  std::vector<Time> clock_offset;          // ns, may be negative; |offset| <= 1 hour
  std::vector<std::int64_t> clock_drift_ppb;  // parts per billion (JSON: clock_drift_ppm, |ppm| <= 100000)

  ReadRepair read_repair_mode() const {
    return !read_repair ? ReadRepair::off : read_repair_blocking ? ReadRepair::blocking : ReadRepair::async;
  }
};

// Overrides for one kind of message (network.kinds, network.links[i].kinds).
struct KindSpec {
  std::optional<Distribution> delay;
  std::optional<double> loss;
  std::optional<double> duplicate;
  bool any() const { return delay || loss || duplicate; }
};
// Indexed by MsgKind. Precedence, per field (docs/scenario-format.md#network):
// link+kind > link > kind > client_delay (client links) > network-wide.
using KindSpecs = std::array<KindSpec, kMsgKindCount>;

// Overrides for one directed link (from -> to). Unset fields use the defaults.
struct LinkSpec {
  NodeId from = 0;   // endpoint: a node, or kClientEndpoint for "any client"
  NodeId to = 0;
  std::optional<Distribution> delay;
  std::optional<double> loss;
  std::optional<double> duplicate;
  KindSpecs kinds;   // this link, these kinds of message
};
constexpr NodeId kClientEndpoint = 0xfffffffeu;

struct NetworkSpec {
  Distribution delay = Distribution::constant_ms(1);  // node <-> node
  std::optional<Distribution> client_delay;           // client <-> node (default: delay)
  double loss = 0;        // 0..1, per message
  double duplicate = 0;   // 0..1, per message that is not lost
  KindSpecs kinds;               // per kind of message, every link
  std::vector<LinkSpec> links;  // later entries win over earlier ones
};

enum class OpType : std::uint8_t { get, put, del };
constexpr int kOpTypeCount = 3;

enum class Routing : std::uint8_t {
  random,     // a node chosen uniformly per operation
  sticky,     // each client keeps one node (client c -> node c mod N)
  leader,     // the node the client last learned is leader (node-1 at first)
  followers,  // a node other than the client's leader hint, uniformly
  client,     // leaderless only: the client coordinates itself, talking to the replicas
};

struct WorkloadSpec {
  bool enabled = false;
  enum class Mode : std::uint8_t { open, closed } mode = Mode::open;
  double rate_per_s = 100;         // open loop: Poisson arrivals, > 0
  std::uint32_t clients = 10;      // >= 1; open loop assigns arrivals to clients uniformly
  Distribution think = Distribution::exponential_ms(10);  // closed loop
  double read_fraction = 0.8;      // fractions sum to 1 (normalised on load)
  double write_fraction = 0.2;
  double delete_fraction = 0.0;
  std::uint32_t keys = 100;        // >= 1
  double zipf = 0;                 // 0: uniform popularity; > 0: Zipf exponent
  std::array<double, kLevelCount> level_weights{};  // indexed by Level; sum > 0
  Routing routing = Routing::random;
  Time start = 0;
  Time stop = kNever;              // clamped to duration
};

struct ScriptedOp {
  Time at = 0;
  std::uint32_t client = 0;        // scripted client number (0-based; JSON: 1-based)
  NodeId node = 0;                 // node it is sent to
  OpType op = OpType::get;
  std::string key;
  std::string value;               // put only
  Level level = Level::eventual;
  std::string label;               // shown in the report next to the result
};

struct ProbeSpec {
  bool enabled = false;
  Time interval = 1 * kSecond;     // between probe writes (> largest delay + timeouts is wise)
  Time start = 0;
  Time stop = kNever;
  std::vector<Time> delays;        // after each acknowledged write, read at these offsets
  std::vector<Level> levels = {Level::eventual};
  std::uint32_t keys = 1;          // probe keys used round-robin ("probe-0", ...)
  double target_stale = 0.001;     // (0, 1]: report the delay after which P(stale) stays below it
  std::uint32_t k_max = 3;         // 1..kMaxProbeK: report P(one of the last k versions), k = 1..k_max
  // Leaderless: how the probe picks coordinators (JSON default: the
  // workload's routing). Leader mode: writes go to the leader, reads to
  // another node, whatever this says.
  Routing routing = Routing::random;
};
constexpr std::uint32_t kMaxProbeK = 16;

struct TimelineEvent {
  enum class Kind : std::uint8_t {
    crash, restart, pause, resume,   // nodes
    partition,                       // groups: nodes in different groups cannot talk
    heal,                            // removes every partition and link cut
    cut,                             // one-way: from -> to messages dropped
    restore,                         // undo one cut
    set_network,                     // network replaced by `network`
  };
  Time at = 0;
  Kind kind = Kind::crash;
  std::vector<NodeId> nodes;
  std::vector<std::vector<NodeId>> groups;
  NodeId from = 0;
  NodeId to = 0;
  NetworkSpec network;
};

struct MeasureSpec {
  std::vector<Time> window_edges;  // increasing bucket edges for the stale-read window
  std::uint32_t lost_write_window = 64;  // acknowledged writes remembered per key
  Time warmup = 0;                 // operations invoked before this are not counted
  bool linearizability = false;    // check the run's history per key (sim/check/linearizability.h)
};

// One assertion on a report value ("expect" in JSON; evaluated by sim/check/expect.h).
struct Expectation {
  std::string path;                // dot path into the JSON report, e.g. "levels.strong.stale_reads"
  enum class Op : std::uint8_t { eq, ne, lt, le, gt, ge } op = Op::eq;
  enum class Kind : std::uint8_t { number, boolean, string } kind = Kind::number;
  double number = 0;               // kind == number
  bool boolean = false;            // kind == boolean (only == and !=)
  std::string text;                // kind == string (only == and !=)
  std::string note;                // shown next to the result
};

struct Scenario {
  std::string name = "unnamed";
  std::string description;
  std::uint64_t seed = 1;
  Time duration = 60 * kSecond;    // > 0
  Time drain = 5 * kSecond;        // after duration: no new ops, in-flight ones finish
  Time request_timeout = 2 * kSecond;  // client-side give-up time
  std::uint32_t max_redirects = 3;
  ClusterSpec cluster;
  NetworkSpec network;
  WorkloadSpec workload;
  std::vector<ScriptedOp> script;  // sorted by time
  ProbeSpec probe;
  std::vector<TimelineEvent> timeline;  // sorted by time (stable)
  MeasureSpec measure;
  std::vector<Expectation> expect;  // checked against the report after the run
  std::string source;              // file name, or "<default>"
};

// Names of the scenario enums: sim/scenario/names.h.
std::string_view to_string(Routing r);
std::string_view to_string(OpType t);

}  // namespace consim
