// tests/test_report.cpp: the report's table of sections (sim/report/section.h).
// The text report is a function of the JSON report alone: rendered from a JSON
// report written out and read back, it is the text report, byte for byte; and
// a change to the JSON value shows in the text. JSON times round-trip to ns.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "sim/engine/rng.h"
#include "sim/report/derived.h"
#include "sim/report/report.h"
#include "sim/report/section.h"
#include "sim/scenario/load.h"
#include "sim/world/world.h"

using namespace consim;
using ojson = nlohmann::ordered_json;

namespace {

namespace fs = std::filesystem;

std::vector<std::string> shipped_scenarios() {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(std::string(CONSIM_SOURCE_DIR) + "/scenarios")) {
    if (e.path().extension() != ".json" || e.path().filename() == "consim.schema.json") continue;
    out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Scenarios for branches the shipped ones may not take.
std::vector<nlohmann::json> built_scenarios() {
  std::vector<nlohmann::json> out;
  // A probe alone: no client reads reported, only the probe's tables.
  out.push_back(nlohmann::json::parse(R"({"name": "probe only", "seed": 3, "duration_ms": 3000, "drain_ms": 500,
    "cluster": {"nodes": 3, "write_quorum": 1, "read_quorum": 1, "heartbeat_interval_ms": 100, "election_timeout_ms": 500},
    "network": {"delay": {"type": "exponential", "mean_ms": 3}},
    "probe": {"interval_ms": 100, "delays_ms": [0, 2, 20], "levels": ["strong", "eventual"], "k_max": 2}})"));
  // The first window edge above 0 (reads after a write, none in a bucket),
  // a closed loop, losses and a leaderless cluster with a sloppy quorum.
  out.push_back(nlohmann::json::parse(R"({"name": "edges", "seed": 5, "duration_ms": 3000, "drain_ms": 500,
    "cluster": {"replication": "leaderless", "nodes": 5, "replicas": 3, "write_quorum": 2, "read_quorum": 1,
                "sloppy_quorum": true, "read_repair": "blocking", "anti_entropy_interval_ms": 400,
                "heartbeat_interval_ms": 100, "election_timeout_ms": 500},
    "network": {"delay": {"type": "lognormal", "median_ms": 2, "sigma": 0.7}, "loss": 0.03},
    "workload": {"mode": "closed", "clients": 4, "think": {"type": "constant", "ms": 5}, "keys": 3,
                 "levels": {"eventual": 1, "strong": 1}},
    "measure": {"window_edges_ms": [1000000]},
    "timeline": [{"at_ms": 1000, "crash": [2]}]})"));
  return out;
}

// The JSON report as `consim run --format json` writes it, read back.
ojson written_and_read_back(const ojson& report) { return ojson::parse(report.dump(2)); }

}  // namespace

TEST_CASE("report: the text report is rendered from the JSON report alone, also once written and read back") {
  std::size_t runs = 0;
  auto check = [&](const Scenario& sc) {
    CAPTURE(sc.name);
    World w(sc);
    w.run();
    const ojson report = report_json(w);
    const std::string text = report_text(w);
    CHECK(text.size() > 200);
    CHECK(render_text(report) == text);
    CHECK(render_text(written_and_read_back(report)) == text);
    // The levels a run reports are the derived ones (sim/report/derived.h).
    const std::array<bool, kLevelCount> client = client_read_levels(sc);
    for (int l = 0; l < kLevelCount; ++l)
      CHECK(w.metrics().level_used[l] == (client[l] || level_probed(sc.probe, static_cast<Level>(l))));
    ++runs;
  };
  for (const std::string& f : shipped_scenarios()) check(load_scenario(f, {}));
  for (const nlohmann::json& j : built_scenarios()) check(scenario_from_json(j, "<test>"));
  CHECK(runs >= 27);
}

TEST_CASE("report: a change to the JSON value shows in the text, so the text reads it and nothing else") {
  const Scenario sc = scenario_from_json(built_scenarios()[1], "<test>");
  World w(sc);
  w.run();
  ojson report = report_json(w);
  const std::string before = render_text(report);
  CHECK(before.find("Messages: 31415926 sent") == std::string::npos);
  report["engine"]["messages_sent"] = 31415926;
  report["scenario"]["description"] = "A description written into the report.";
  report["nodes"][1]["up"] = false;
  report["levels"]["strong"]["reads"] = 777777;
  const std::string after = render_text(report);
  CHECK(after.find("Messages: 31415926 sent") != std::string::npos);
  CHECK(after.find("\nA description written into the report.\n") != std::string::npos);
  CHECK(after.find("; node-2 DOWN ") != std::string::npos);
  CHECK(after.find(fmt::format("\n{:<18} {:>8} ", "strong", 777777)) != std::string::npos);

  // Unknown keys are ignored (run.cpp adds "expectations"); a missing one is an error.
  report["expectations"] = ojson::array();
  CHECK(render_text(report) == after);
  report["scenario"].erase("nodes");
  CHECK_THROWS_AS(render_text(report), nlohmann::json::exception);
}

TEST_CASE("report: the JSON report has the table's sections, in the table's order") {
  std::set<std::string> keys;
  for (const ReportSection& s : report_sections()) {
    CHECK(keys.insert(std::string(s.key)).second);  // each key once
    CHECK(static_cast<bool>(s.build));
  }
  for (const char* mode : {"leader", "leaderless"}) {
    CAPTURE(mode);
    nlohmann::json j = built_scenarios()[1];
    j["cluster"]["replication"] = mode;
    if (std::string(mode) == "leader") {
      j["cluster"].erase("replicas");
      for (const char* k : {"sloppy_quorum", "read_repair", "anti_entropy_interval_ms"}) j["cluster"].erase(k);
    }
    j["measure"]["linearizability"] = true;  // a section shown only when asked for
    World w(scenario_from_json(j, "<test>"));
    w.run();
    const ojson report = report_json(w);
    std::vector<std::string> want, got;
    for (const ReportSection& s : report_sections()) {
      const std::string k(s.key);
      if (k == "probe_summary") continue;  // no probe here
      if (k == (std::string(mode) == "leader" ? "leaderless" : "elections")) continue;
      want.push_back(k);
    }
    for (const auto& [k, v] : report.items()) got.push_back(k);
    CHECK(got == want);
  }
}

TEST_CASE("report: JSON times are whole nanoseconds, in ms, and read back exactly") {
  // ms_json(ns) = ns / 1e6; format_ms(ns) == format_ms_json(ms_json(ns)).
  CHECK(ms_json(1'500'000) == 1.5);
  CHECK(ms_json(1) == 1e-6);
  CHECK(format_ms(1'500'000) == "1.5");
  CHECK(format_ms(20 * kMillisecond) == "20");
  CHECK(format_ms(1'000) == "0.001");
  CHECK(format_ms(499) == "0");       // below half a microsecond
  CHECK(format_ms(1'000'500'999) == "1000.501");
  CHECK(format_ms_json(0.0) == "0");
  CHECK(format_ms_json(ms_json(3'984'506)) == "3.985");
  // The inverse is exact for every time a run can have (< 2e15 ns), and at the
  // edges of that range.
  const Time bound = 2'000'000'000'000'000;
  for (Time ns : {Time{0}, Time{1}, Time{999'999}, kSecond, bound - 1, bound, (Time{1} << 51) - 1}) {
    CAPTURE(ns);
    CHECK(ns_from_ms_json(ms_json(ns)) == ns);
  }
  Rng rng(7, 1);
  std::uint64_t wrong = 0;
  for (int i = 0; i < 200000; ++i) {
    const std::uint64_t shift = 13 + rng.next_u64() % 51;  // every magnitude below 2^51
    const Time ns = static_cast<Time>(rng.next_u64() >> shift);
    if (ns_from_ms_json(ms_json(ns)) != ns) ++wrong;
  }
  CHECK(wrong == 0);
}
