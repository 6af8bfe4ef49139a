// NodeConfig::validate(): the rules the node relies on, each broken once.
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "core/node.h"

using namespace consim;

TEST_CASE("NodeConfig::validate: the defaults hold, and each rule broken alone is named") {
  CHECK(NodeConfig{}.validate().empty());
  struct Case {
    const char* name;
    std::function<void(NodeConfig&)> change;
    const char* says;
  };
  const std::vector<Case> cases = {
      {"no nodes", [](NodeConfig& c) { c.nodes = 0; }, "nodes"},
      {"too many nodes", [](NodeConfig& c) { c.nodes = kMaxNodes + 1; }, "nodes"},
      {"id out of range", [](NodeConfig& c) { c.id = 3; }, "id"},
      {"W = 0", [](NodeConfig& c) { c.write_quorum = 0; }, "write_quorum"},
      {"W > N", [](NodeConfig& c) { c.write_quorum = 4; }, "write_quorum"},
      {"R = 0", [](NodeConfig& c) { c.read_quorum = 0; }, "read_quorum"},
      {"R > N", [](NodeConfig& c) { c.read_quorum = 4; }, "read_quorum"},
      {"replicas > nodes", [](NodeConfig& c) { c.replicas = 4; }, "replicas"},
      {"leaderless W > replicas",
       [](NodeConfig& c) {
         c.replication = Replication::leaderless;
         c.replicas = 2;
         c.write_quorum = 3;
       },
       "write_quorum"},
      {"heartbeat 0", [](NodeConfig& c) { c.heartbeat_interval = 0; }, "heartbeat_interval"},
      {"election timeout 0", [](NodeConfig& c) { c.election_timeout = 0; }, "election_timeout"},
      {"write timeout 0", [](NodeConfig& c) { c.write_timeout = 0; }, "write_timeout"},
      {"catch-up batch 0", [](NodeConfig& c) { c.catchup_batch = 0; }, "catchup_batch"},
      {"log_retain 0", [](NodeConfig& c) { c.log_retain = 0; }, "log_retain"},
      {"anti-entropy < 0", [](NodeConfig& c) { c.anti_entropy_interval = -1; }, "anti_entropy_interval"},
      {"blocking repair in leader mode",
       [](NodeConfig& c) {
         c.read_repair = true;
         c.read_repair_blocking = true;
       },
       "read_repair_blocking"},
  };
  for (const Case& k : cases) {
    CAPTURE(k.name);
    NodeConfig c;
    k.change(c);
    const std::string why = c.validate();
    CHECK(why.find(k.says) != std::string::npos);
  }
  NodeConfig ok;
  ok.replication = Replication::leaderless;
  ok.replicas = 2;
  ok.write_quorum = 2;
  ok.read_quorum = 1;
  ok.read_repair = true;
  ok.read_repair_blocking = true;
  CHECK(ok.validate().empty());
}
