// The world's own guarantees at its edges: virtual time must advance, tiny
// rates do not overflow, and the trace adds up (sent + duplicated = delivered
// + dropped + in flight) from the trace alone, for every shipped scenario.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "memory_cap.h"
#include "run_consim.h"
#include "sim/scenario/load.h"
#include "sim/world/world.h"

using namespace consim;
using nlohmann::json;

namespace {

namespace fs = std::filesystem;

std::uint64_t count_of(const std::string& line, const char* key) {
  const std::string k = std::string("\"") + key + "\":";
  const std::size_t at = line.find(k);
  REQUIRE(at != std::string::npos);
  return std::stoull(line.substr(at + k.size()));
}

}  // namespace

TEST_CASE("a run whose time cannot advance is stopped with a message naming the cause") {
  // The network turns to zero delays at 1 ms (a timeline change the loader
  // does not follow) under a closed loop without think time.
  const fs::path dir = fs::temp_directory_path() / ("consim_stuck_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string f = (dir / "stuck.json").string();
  std::ofstream(f) << R"({"duration_ms": 100, "drain_ms": 0, "network": {"delay": 1},
    "cluster": {"write_quorum": 1},
    "workload": {"mode": "closed", "clients": 1, "think": 0},
    "timeline": [{"at_ms": 1, "network": {"delay": 0}}]})";
  // Bounded memory: the guard must trip long before 2 GB.
  const ConsimResult r = run_consim_cmd(memory_cap(2000000) + std::string(CONSIM_BINARY) + " run " + f + " 2>&1");
  CHECK(r.code == 2);
  CHECK(r.out.find("virtual time") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("an open loop with a tiny rate: arrivals beyond the run, no overflow") {
  for (double rate : {1e-11, 1e-300}) {
    CAPTURE(rate);
    json j = {{"duration_ms", 1000}, {"workload", {{"rate_per_s", rate}, {"clients", 2}}}};
    Scenario sc = scenario_from_json(j, "<test>");
    World w(sc);
    w.run();
    std::uint64_t reads = 0;
    for (const auto& r : w.metrics().reads) reads += r.reads;
    CHECK(reads == 0);
  }
}

TEST_CASE("the trace adds up: sent + duplicated = delivered + dropped + in flight, for every shipped scenario") {
  const std::string src = CONSIM_SOURCE_DIR;
  const fs::path tmp = fs::temp_directory_path() / ("consim_trace_conservation_" + std::to_string(::getpid()) + ".jsonl");
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(src + "/scenarios"))
    if (e.path().extension() == ".json" && e.path().filename() != "consim.schema.json") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 25);
  // And one where a paused node crashes with messages held for it.
  const std::string held = (fs::temp_directory_path() / ("consim_trace_pause_crash_" + std::to_string(::getpid()) + ".json")).string();
  std::ofstream(held) << R"({"duration_ms": 4000, "cluster": {"heartbeat_interval_ms": 100, "election_timeout_ms": 500},
    "workload": {"rate_per_s": 200, "clients": 5},
    "timeline": [{"at_ms": 1000, "pause": [2]}, {"at_ms": 1500, "crash": [2]}, {"at_ms": 2500, "restart": [2]}]})";
  files.push_back(held);
  for (const std::string& f : files) {
    CAPTURE(f);
    fs::remove(tmp);
    const ConsimResult r = run_consim("run " + f + " --quiet --format json --trace " + tmp.string());
    REQUIRE((r.code == 0 || r.code == 3));
    const json report = json::parse(r.out);
    std::ifstream in(tmp);
    std::string line;
    std::uint64_t sent = 0, delivered = 0, dropped = 0, duplicated = 0, in_flight = 0;
    bool ended = false;
    while (std::getline(in, line)) {
      if (line.find("\"ev\":\"send\"") != std::string::npos) ++sent;
      else if (line.find("\"ev\":\"deliver\"") != std::string::npos) ++delivered;
      else if (line.find("\"ev\":\"drop\"") != std::string::npos) ++dropped;
      else if (line.find("\"ev\":\"duplicate\"") != std::string::npos) ++duplicated;
      else if (line.find("\"ev\":\"end\"") != std::string::npos) {
        ended = true;
        in_flight = count_of(line, "in_flight");
      }
    }
    REQUIRE(ended);
    CHECK(sent > 0);
    CHECK(sent + duplicated == delivered + dropped + in_flight);
    // And the trace agrees with the report's counters.
    const json& e = report["engine"];
    CHECK(sent == e["messages_sent"].get<std::uint64_t>());
    CHECK(delivered == e["messages_delivered"].get<std::uint64_t>());
    CHECK(dropped == e["messages_dropped"].get<std::uint64_t>());
    CHECK(duplicated == e["messages_duplicated"].get<std::uint64_t>());
    CHECK(in_flight == e["messages_in_flight_at_end"].get<std::uint64_t>());
  }
  fs::remove(tmp);
  fs::remove(held);
}
