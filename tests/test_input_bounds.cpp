// The scenario's input within bounds (issue 11, "Valid scenarios that never
// finish or exhaust memory", "Crashes", "Silent acceptance"): each defect's
// exact reproduction, run as a user would, in the safe form (private files
// and devices in a temporary directory, memory capped by tests/memory_cap.h).
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "memory_cap.h"
#include "run_consim.h"
#include "sim/scenario/budget.h"
#include "sim/scenario/load.h"

using namespace consim;
using nlohmann::json;

namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("consim_input_bounds_" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name, const std::string& content) const {
    const std::string f = (path / name).string();
    std::ofstream(f, std::ios::binary) << content;
    return f;
  }
};

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("content after a NUL byte is an error, naming where the NUL is") {
  TempDir d;
  const std::string f = d.file("nul.json", std::string("{\"duration_ms\":100}\0garbage", 27));
  const ConsimResult r = run_consim("validate " + f);
  CHECK(r.code == 2);
  CHECK(contains(r.out, "nul.json:1:20: a NUL byte"));
  // And anything else after the value (this always held; kept as a guard).
  const ConsimResult t = run_consim("validate " + d.file("trailing.json", "{\"duration_ms\":100} x"));
  CHECK(t.code == 2);
  CHECK(contains(t.out, "expected end of input"));
}

TEST_CASE("JSON nested 65 000 deep is refused with a message, from a file and from --set (it crashed)") {
  TempDir d;
  const std::string deep = std::string(65000, '[') + std::string(65000, ']');
  const std::string f = d.file("deep.json", "{\"name\": " + deep + "}");
  const ConsimResult r = run_consim_cmd(memory_cap() + std::string(CONSIM_BINARY) + " validate " + f + " 2>&1");
  CHECK(r.code == 2);
  CHECK(contains(r.out, "nest deeper than 64 levels"));
  CHECK(r.out.size() < 300);  // one line, no echo of the input
  // --set: the value through a file of arguments, since it is long.
  const std::string arg = d.file("arg", "name=" + deep);
  const ConsimResult s = run_consim_cmd(memory_cap() + std::string(CONSIM_BINARY) + " run --set \"$(cat " + arg +
                                        ")\" 2>&1 >/dev/null");
  CHECK(s.code == 2);
  CHECK(contains(s.out, "the value nests arrays and objects deeper than 64 levels"));
  CHECK(s.out.size() < 300);
  // The limit itself: 64 levels load (and are then judged as scenarios), 65 do not.
  const auto nest = [](std::size_t n) { return std::string(n, '[') + std::string(n, ']'); };
  CHECK_NOTHROW(parse_scenario_text(nest(kMaxJsonDepth), "<test>"));
  CHECK_THROWS_AS(parse_scenario_text(nest(kMaxJsonDepth + 1), "<test>"), InputError);
  // Brackets inside strings are text, not nesting.
  CHECK_NOTHROW(parse_scenario_text("{\"name\": \"" + std::string(1000, '[') + "\"}", "<test>"));
}

TEST_CASE("a --set value with a duplicate key is refused, as in a file") {
  const ConsimResult r = run_consim("run --set 'network={\"loss\":0.1,\"loss\":0.2}'");
  CHECK(r.code == 2);
  CHECK(contains(r.out, "$.loss: this field appears twice in the same object; keep one"));
  json j = json::object();
  CHECK_THROWS_AS(apply_set(j, R"(cluster={"nodes":3,"nodes":5})", "<test>"), InputError);
  // Not JSON at all: still a string, as documented.
  apply_set(j, "name={not json", "<test>");
  CHECK(j["name"] == "{not json");
}

TEST_CASE("a device or an endless pipe as the scenario is refused at once, memory bounded") {
  TempDir d;
  // A private /dev/zero (character device 1,5); needs CAP_MKNOD, as CI's root has.
  const std::string dev = (d.path / "zero").string();
  if (::mknod(dev.c_str(), S_IFCHR | 0600, makedev(1, 5)) == 0) {
    const ConsimResult r = run_consim_cmd(memory_cap(500000) + std::string(CONSIM_BINARY) + " validate " + dev + " 2>&1");
    CHECK(r.code == 2);
    CHECK(contains(r.out, "not a regular file or a pipe"));
  } else {
    MESSAGE("mknod is not permitted here: the private device case is left out");
  }
  // A pipe is accepted (so `<(...)` works), up to the size limit: 17 MiB of zeros.
  const ConsimResult p = run_consim_cmd(memory_cap(500000) + "head -c 17825792 /dev/zero | " +
                                        std::string(CONSIM_BINARY) + " validate - 2>&1");
  CHECK(p.code == 2);
  CHECK(contains(p.out, "larger than the limit"));
}

TEST_CASE("budgets at load: 64 nodes x 10 M keys and a rate of 1e9 are refused before anything runs") {
  // They needed about 21 GB, and grew by 100 MB/s.
  const ConsimResult a = run_consim_cmd(memory_cap(500000) + std::string(CONSIM_BINARY) +
                                        " run --set cluster.nodes=64 --set workload.keys=10000000 2>&1");
  CHECK(a.code == 2);
  CHECK(contains(a.out, "$.workload.keys: the run would need about 20.3 GiB of memory for its stores (64 nodes x 1e+07 keys"));
  TempDir d;
  const std::string f = d.file("rate.json", R"({"duration_ms": 1000, "workload": {"rate_per_s": 1e9}})");
  const ConsimResult b = run_consim_cmd(memory_cap(500000) + std::string(CONSIM_BINARY) + " run " + f + " 2>&1");
  CHECK(b.code == 2);
  CHECK(contains(b.out, "$.workload.rate_per_s: up to 1e+09 operations could be in flight at once"));
}

TEST_CASE("the run budget's estimate grows with what it names, and every shipped scenario is far inside it") {
  // Properties of the estimate: monotone in nodes, keys, rate and timeout.
  Scenario sc = scenario_from_json(json{{"workload", {{"rate_per_s", 1000}, {"keys", 1000}}}}, "<test>");
  const double base = estimate_run_cost(sc).bytes;
  for (const char* field : {"nodes", "keys", "rate", "timeout"}) {
    CAPTURE(field);
    Scenario more = sc;
    if (std::string(field) == "nodes") more.cluster.nodes *= 2;
    if (std::string(field) == "keys") more.workload.keys *= 2;
    if (std::string(field) == "rate") more.workload.rate_per_s *= 2;
    if (std::string(field) == "timeout") more.request_timeout /= 2;
    if (std::string(field) == "timeout")
      CHECK(estimate_run_cost(more).bytes < base);
    else
      CHECK(estimate_run_cost(more).bytes > base);
  }
  const std::string src = CONSIM_SOURCE_DIR;
  int n = 0;
  for (const auto& e : fs::recursive_directory_iterator(src + "/scenarios")) {
    if (e.path().extension() != ".json" || e.path().filename() == "consim.schema.json") continue;
    CAPTURE(e.path().string());
    const Scenario s = load_scenario(e.path().string(), {});
    CHECK(estimate_run_cost(s).bytes < static_cast<double>(kMaxRunMemoryBytes) / 100);
    ++n;
  }
  CHECK(n >= 25);
}

TEST_CASE("the estimate is an upper bound: a store-heavy run completes under a cap of estimate + 512 MiB") {
  // 16 nodes x 1 M keys: about 0.6 GiB estimated.
  const Scenario s = load_scenario("", {"cluster.nodes=16", "workload.keys=1000000", "duration_ms=20", "drain_ms=0"});
  const double est = estimate_run_cost(s).bytes;
  const long cap_kib = static_cast<long>(est / 1024) + 512 * 1024;
  const ConsimResult r = run_consim_cmd(memory_cap(cap_kib) + std::string(CONSIM_BINARY) +
                                        " run --set cluster.nodes=16 --set workload.keys=1000000 --set duration_ms=20"
                                        " --set drain_ms=0 2>&1 >/dev/null");
  CHECK(r.code == 0);
}

TEST_CASE("the linearizability check's history counts in the run budget") {
  Scenario sc = scenario_from_json(json{{"duration_ms", 1000}, {"workload", {{"rate_per_s", 1000}}}}, "<test>");
  const double without = estimate_run_cost(sc).bytes;
  sc.measure.linearizability = true;
  CHECK(estimate_run_cost(sc).history_ops == doctest::Approx(1000));
  CHECK(estimate_run_cost(sc).bytes > without);
  // A run of 1e9 operations is within the operation budget but not with its history kept.
  TempDir d;
  const ConsimResult r = run_consim("validate " + d.file("lin.json", R"({"duration_ms": 1000000, "workload": {"rate_per_s": 1000000},
    "measure": {"linearizability": true}})"));
  CHECK(r.code == 2);
  CHECK(r.out.find("$.measure.linearizability: the history the check keeps would hold about 1e+09 operations") !=
        std::string::npos);
}
