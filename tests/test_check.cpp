// The linearizability checker on a run: measure.linearizability in the
// report, consim run --history and consim check --linearizable on the file
// it wrote (the same verdicts), and bad input (exit 2, one message, nothing written).
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "run_consim.h"
#include "temp_dir.h"
#include "sim/check/history.h"
#include "sim/check/history_staleness.h"
#include "sim/check/linearizability.h"
#include "sim/scenario/load.h"

namespace fs = std::filesystem;

namespace {

const char* kRun = " --quiet --set duration_ms=3000 --set workload.rate_per_s=300"
                   " --set 'workload.levels=[\"eventual\",\"strong\"]'";

}  // namespace

TEST_CASE("check: consim check --linearizable on a saved history gives the run's own verdicts") {
  TempDir d;
  const std::string h = d.file("h.jsonl");
  const ConsimResult run = run_consim(std::string("run") + kRun + " --set measure.linearizability=true --format json --history " + h);
  REQUIRE(run.code == 0);
  const auto report = nlohmann::json::parse(run.out);
  REQUIRE(report.contains("linearizability"));
  const auto& lin = report["linearizability"];
  CHECK(lin["all"]["keys_checked"].get<int>() > 10);
  // The default cluster (W=2, R=1) serves stale strong reads: some key is not linearizable.
  CHECK(lin["all"]["not_linearizable"].get<int>() > 0);
  CHECK(lin["levels"]["strong"]["not_linearizable"].get<int>() > 0);
  for (const auto& v : lin["all"]["violations"]) CHECK(v["witness"].size() >= 2);

  const ConsimResult check = run_consim("check --linearizable " + h + " --format json");
  CHECK(check.code == 3);  // some key not linearizable
  const auto cj = nlohmann::json::parse(check.out);
  CHECK(cj["linearizability"] == lin);
  CHECK(cj["history"]["ops"] == lin["ops"]);

  const ConsimResult text = run_consim("check " + h + " --linearizable");
  CHECK(text.code == 3);
  CHECK(text.out.find("Linearizability of the history") != std::string::npos);
  CHECK(text.out.find("Not linearizable (strong reads): key ") != std::string::npos);

  // Without measure.linearizability, the report has no such section.
  const ConsimResult plain = run_consim(std::string("run") + kRun + " --format json");
  CHECK_FALSE(nlohmann::json::parse(plain.out).contains("linearizability"));
}

TEST_CASE("check: stale reads judged from a saved history agree with the run's own verdicts") {
  TempDir d;
  const std::string h = d.file("h.jsonl");
  const ConsimResult run = run_consim(std::string("run") + kRun + " --set cluster.write_quorum=1 --history " + h);
  REQUIRE(run.code == 0);
  std::ifstream in(h);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const consim::History hist = consim::parse_history_jsonl(text, h);
  const consim::HistoryStaleness s = consim::judge_staleness(hist);
  std::uint64_t flagged = 0, reads = 0;
  for (const consim::HistoryOp& op : hist.ops) {
    if (op.type != consim::OpType::get || op.outcome != consim::Outcome::ok) continue;
    ++reads;
    if (op.stale) ++flagged;
  }
  std::uint64_t judged = 0, answered = 0;
  for (const consim::StaleCount& c : s.sessions) {
    judged += c.stale;
    answered += c.reads;
  }
  CHECK(answered == reads);
  CHECK(flagged > 0);
  CHECK(judged == flagged);
  CHECK(s.ops == s.ok + s.fail + s.unknown);
  CHECK(s.probe.size() == hist.meta.probe_delays.size());

  const ConsimResult check = run_consim("check " + h);
  CHECK(check.code == 0);
  for (const char* section : {"\nStale reads", "\nWindow", "\nProbe", "\nSessions"})
    CHECK(check.out.find(section) != std::string::npos);
  CHECK(check.out.find("Linearizability") == std::string::npos);
}

TEST_CASE("check: judge_staleness on a small history, by hand") {
  using namespace consim;
  History h;
  h.meta.probe_delays = {0, 5 * kMillisecond};
  auto op = [&](std::uint32_t process, OpType type, const char* key, Time invoked, Time completed, Outcome o,
                Version v, Level level = Level::eventual, OpSource source = OpSource::workload, int delay = -1) {
    HistoryOp x;
    x.index = h.ops.size();
    x.process = process;
    x.type = type;
    x.key = key;
    x.invoked = invoked;
    x.completed = completed;
    x.outcome = o;
    x.version = v;
    x.level = level;
    x.source = source;
    x.probe_delay = delay;
    h.ops.push_back(x);
  };
  op(1, OpType::put, "a", 0, 10, Outcome::ok, {3, 1});                    // acknowledged at 10
  op(2, OpType::get, "a", 5, 30, Outcome::ok, {0, 0});                    // began before the ack: not stale
  op(2, OpType::get, "a", 11, 30, Outcome::ok, {0, 0}, Level::strong);    // began after it, saw nothing: stale
  op(1, OpType::get, "a", 12, 30, Outcome::ok, {0, 0}, Level::read_your_writes);  // stale, and missed its own write
  op(2, OpType::get, "a", 40, 50, Outcome::ok, {3, 1});                   // up to date
  op(2, OpType::get, "a", 60, -1, Outcome::fail, {});                     // never answered
  op(3, OpType::put, "probe-0", 100, 110, Outcome::ok, {3, 2}, Level::eventual, OpSource::probe);
  op(3, OpType::get, "probe-0", 110, 111, Outcome::ok, {0, 0}, Level::eventual, OpSource::probe, 0);  // stale at 0
  op(3, OpType::get, "probe-0", 115, 116, Outcome::ok, {3, 2}, Level::eventual, OpSource::probe, 1);  // fresh at 5
  op(1, OpType::put, "b", 200, -1, Outcome::unknown, {});                 // open at the end
  const HistoryStaleness s = judge_staleness(h);
  CHECK(s.ops == 10);
  CHECK(s.ok == 8);
  CHECK(s.fail == 1);
  CHECK(s.unknown == 1);
  CHECK(s.never_answered == 2);
  CHECK(s.all.reads == 4);
  CHECK(s.all.stale == 2);
  CHECK(s.all.failed == 1);
  CHECK(s.by_level[static_cast<int>(Level::eventual)].stale == 0);
  CHECK(s.by_level[static_cast<int>(Level::strong)].stale == 1);
  CHECK(s.by_level[static_cast<int>(Level::read_your_writes)].stale == 1);
  CHECK(s.sessions[static_cast<int>(Level::read_your_writes)].ryw == 1);
  CHECK(s.sessions[static_cast<int>(Level::strong)].ryw == 0);  // another client's write
  REQUIRE(s.probe.size() == 2);
  CHECK(s.probe[0][0].reads == 1);
  CHECK(s.probe[0][0].stale == 1);
  CHECK(s.probe[1][0].stale == 0);
  // The window: reads of "a" after its acknowledgement, at 1, 2 and 30 ns after it: all in the first bucket.
  CHECK(s.window[0].c.reads == 3);
  CHECK(s.window[0].c.stale == 2);
}

TEST_CASE("check: a linearizable history exits 0") {
  TempDir d;
  const std::string h = d.file("h.jsonl");
  // Leader reads in leader mode, no faults, and the probe reading at the
  // leader level too (its default strong reads at R = 1 are answered by a
  // follower and may be stale): linearizable.
  const ConsimResult run = run_consim(std::string("run") + " --quiet --set duration_ms=2000 --set 'workload.levels=[\"leader\"]'"
                                      " --set workload.routing=leader --set 'probe.levels=[\"leader\"]' --history " + h);
  REQUIRE(run.code == 0);
  const ConsimResult check = run_consim("check --linearizable " + h);
  CHECK(check.code == 0);
  CHECK(check.out.find("not linearizable") == std::string::npos);
}

TEST_CASE("check: bad input is one message, exit 2, and nothing written") {
  TempDir d;
  const std::string out = d.file("report.txt");
  auto refused = [&](const std::string& args, const std::string& message) {
    CAPTURE(args);
    const ConsimResult r = run_consim(args);
    CHECK(r.code == 2);
    CHECK(r.out.find(message) != std::string::npos);
    CHECK_FALSE(fs::exists(out));
  };
  refused("check --linearizable " + d.file("missing.jsonl") + " --output " + out, "cannot read a history file");
  std::ofstream(d.file("bad.jsonl")) << "{\"consim_history\": 1}\n";
  refused("check --linearizable " + d.file("bad.jsonl") + " --output " + out, "bad.jsonl:1: missing field \"scenario\"");
  std::ofstream(d.file("scenario.json")) << "{}\n";
  refused("check --linearizable " + d.file("scenario.json") + " --output " + out, "not a consim history");
  refused("check " + d.file("bad.jsonl") + " --output " + out, "bad.jsonl:1: missing field \"scenario\"");
  refused("check --linearizable --output " + out, "no history file given");
  refused("check --linearizable x.jsonl --max-states-per-key 0 --output " + out, "--max-states-per-key");
  refused("check --linearizable x.jsonl --format xml --output " + out, "expected text or json");
}

TEST_CASE("check: measure.linearizability is a boolean") {
  try {
    consim::scenario_from_json(nlohmann::json::parse(R"({"measure": {"linearizability": 1}})"), "t.json");
    FAIL("accepted");
  } catch (const consim::InputError& e) {
    CHECK(std::string(e.what()).find("$.measure.linearizability: expected true or false") != std::string::npos);
  }
  CHECK(consim::scenario_from_json(nlohmann::json::parse(R"({"measure": {"linearizability": true}})"), "t.json")
            .measure.linearizability);
  CHECK_FALSE(consim::scenario_from_json(nlohmann::json::object(), "t.json").measure.linearizability);
}

TEST_CASE("check: the teaching result: R + W > N is never stale yet not linearizable; blocking read repair is") {
  const std::string dir = std::string(CONSIM_SOURCE_DIR) + "/scenarios/classroom/";
  const ConsimResult a = run_consim("run " + dir + "10a-quorum-not-linearizable.json --quiet --format json");
  REQUIRE(a.code == 0);
  const auto ja = nlohmann::json::parse(a.out);
  CHECK(ja["scenario"]["strict_quorum"] == true);
  CHECK(ja["levels"]["strong"]["reads"].get<int>() > 1000);
  CHECK(ja["levels"]["strong"]["stale_reads"] == 0);
  const auto& la = ja["linearizability"]["levels"]["strong"];
  CHECK(la["not_linearizable"].get<int>() > 0);
  // Each witness: a strong read of a newer value, then a later one of an older value.
  for (const auto& v : la["violations"]) {
    CHECK(v["witness_minimal"] == true);
    CHECK(v["witness"].size() >= 4);
    CHECK(v["witness"].size() <= 6);
  }
  // Only the read repair differs.
  const ConsimResult b = run_consim("run " + dir + "10b-quorum-blocking-read-repair-linearizable.json --quiet --format json");
  REQUIRE(b.code == 0);
  const auto jb = nlohmann::json::parse(b.out);
  CHECK(jb["scenario"]["read_repair_mode"] == "blocking");
  CHECK(ja["scenario"]["read_repair_mode"] == "off");
  CHECK(jb["levels"]["strong"]["stale_reads"] == 0);
  const auto& lb = jb["linearizability"]["levels"]["strong"];
  CHECK(lb["keys_checked"] == 3);
  CHECK(lb["linearizable"] == 3);
  CHECK(lb["not_linearizable"] == 0);
  CHECK(lb["unknown"] == 0);
}

namespace {

std::string slurp_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// One field of an EDN map line as this writer prints it (":key value,").
std::string edn_field(const std::string& line, const std::string& key) {
  const std::size_t at = line.find(":" + key + " ");
  if (at == std::string::npos) return "";
  const std::size_t from = at + key.size() + 2;
  std::size_t end = from;
  int depth = 0;
  bool quoted = false;
  for (; end < line.size(); ++end) {
    const char c = line[end];
    if (quoted) {
      if (c == '\\') ++end;
      else if (c == '"') quoted = false;
      continue;
    }
    if (c == '"') quoted = true;
    else if (c == '[') ++depth;
    else if (c == ']') --depth;
    else if ((c == ',' || c == '}') && depth == 0) break;
  }
  return line.substr(from, end - from);
}

}  // namespace

TEST_CASE("check: the EDN history (Knossos, Elle) has one invocation and one completion per operation, in Jepsen's process discipline") {
  TempDir d;
  const std::string dir = std::string(CONSIM_SOURCE_DIR) + "/scenarios/";
  // Timeouts (unknown writes, failed reads) from a partition.
  const std::string args = "run " + dir + "partition-majority.json --quiet --format json";
  const ConsimResult j = run_consim(args + " --history " + d.file("h.jsonl"));
  REQUIRE(j.code == 0);
  REQUIRE(run_consim(args + " --history " + d.file("h.edn") + " --history-format edn").code == 0);
  const consim::History h = consim::parse_history_jsonl(slurp_file(d.file("h.jsonl")), "h");
  std::map<std::string, int> want, got;
  for (const consim::HistoryOp& op : h.ops) {
    ++want["invoke"];
    ++want[op.outcome == consim::Outcome::ok ? "ok" : op.outcome == consim::Outcome::fail ? "fail" : "info"];
  }
  std::istringstream lines(slurp_file(d.file("h.edn")));
  std::map<std::string, std::string> busy;  // process -> consim index in flight
  std::set<std::string> crashed;
  long long last_time = -1, index = 0;
  for (std::string l; std::getline(lines, l);) {
    CAPTURE(l);
    const std::string type = edn_field(l, "type"), process = edn_field(l, "process");
    ++got[type.substr(1)];
    CHECK(std::stoll(edn_field(l, "index")) == index++);
    const long long t = std::stoll(edn_field(l, "time"));
    CHECK(t >= last_time);
    last_time = t;
    CHECK(crashed.count(process) == 0);
    if (type == ":invoke") {
      CHECK(busy.count(process) == 0);
      busy[process] = edn_field(l, "consim-index");
    } else {
      REQUIRE(busy.count(process) == 1);
      CHECK(busy[process] == edn_field(l, "consim-index"));
      busy.erase(process);
      if (type == ":info") crashed.insert(process);
    }
  }
  CHECK(busy.empty());
  CHECK(got == want);
  CHECK(want["info"] > 0);
  CHECK(want["fail"] > 0);
}

TEST_CASE("check: the Porcupine JSON, read back, gives the same verdicts") {
  TempDir d;
  const std::string f = std::string(CONSIM_SOURCE_DIR) + "/scenarios/classroom/10a-quorum-not-linearizable.json";
  REQUIRE(run_consim("run " + f + " --quiet --history " + d.file("h.jsonl")).code == 0);
  REQUIRE(run_consim("run " + f + " --quiet --history " + d.file("h.json") + " --history-format porcupine").code == 0);
  const consim::History h = consim::parse_history_jsonl(slurp_file(d.file("h.jsonl")), "h");
  consim::History p;
  for (const auto& o : nlohmann::json::parse(slurp_file(d.file("h.json")))) {
    consim::HistoryOp op;
    op.index = p.ops.size();
    op.process = o["ClientId"];
    const std::string kind = o["Input"]["op"];
    op.type = kind == "get" ? consim::OpType::get : kind == "put" ? consim::OpType::put : consim::OpType::del;
    op.key = o["Input"]["key"];
    if (op.type == consim::OpType::put) op.value = o["Input"]["value"];
    op.invoked = o["Call"];
    op.completed = o["Return"];
    op.outcome = o["Unknown"].get<bool>() ? consim::Outcome::unknown : consim::Outcome::ok;
    if (op.type == consim::OpType::get) {
      op.found = o["Output"]["found"];
      if (op.found) op.value = o["Output"]["value"];
    }
    p.ops.push_back(op);
  }
  const consim::LinearizabilityResult a = consim::check_linearizability(h), b = consim::check_linearizability(p);
  CHECK(a.all.keys_checked == b.all.keys_checked);
  CHECK(a.all.not_linearizable == b.all.not_linearizable);
  CHECK(a.all.linearizable == b.all.linearizable);
  CHECK(a.all.not_linearizable > 0);
}

TEST_CASE("check: the EDN history read back by clojure.edn (Knossos' and Elle's reader) holds the report's operations") {
  // Debian's clojure package (tools/install-deps.sh); the reader is tests/history/read_edn.clj.
  const std::string jar = "/usr/share/java/clojure.jar";
  REQUIRE_MESSAGE(std::filesystem::exists(jar), jar << " is missing: run tools/install-deps.sh (package clojure)");
  TempDir d;
  const std::string src = CONSIM_SOURCE_DIR;
  // A partition: failed reads and unknown writes (:fail, :info) beside :ok.
  const std::string args = "run " + src + "/scenarios/partition-majority.json --quiet --format json --set measure.linearizability=true";
  const ConsimResult rep = run_consim_cmd(std::string(CONSIM_BINARY) + " " + args + " --history " + d.file("h.edn") +
                                          " --history-format edn 2>/dev/null");
  REQUIRE(rep.code == 0);
  REQUIRE(run_consim(args + " --history " + d.file("h.jsonl")).code == 0);
  const nlohmann::json report = nlohmann::json::parse(rep.out);
  const ConsimResult clj = run_consim_cmd("java -cp " + jar + " clojure.main '" + src + "/tests/history/read_edn.clj' '" +
                                          d.file("h.edn") + "' 2>&1");
  REQUIRE_MESSAGE(clj.code == 0, clj.out);
  std::map<std::string, long long> got;
  std::istringstream lines(clj.out);
  for (std::string l; std::getline(lines, l);) {
    const std::size_t sp = l.rfind(' ');
    REQUIRE(sp != std::string::npos);
    got[l.substr(0, sp)] = std::stoll(l.substr(sp + 1));
  }
  // Expected counts: from the report (operations, keys) and the consim history (outcomes, kinds).
  const consim::History h = consim::parse_history_jsonl(slurp_file(d.file("h.jsonl")), "h");
  const long long ops = report["linearizability"]["ops"];
  REQUIRE(ops > 0);
  CHECK(static_cast<long long>(h.ops.size()) == ops);
  std::map<std::string, long long> want{{"ops", 2 * ops}, {"type :invoke", ops}};
  std::set<std::string> keys;
  for (const consim::HistoryOp& op : h.ops) {
    ++want[op.outcome == consim::Outcome::ok ? "type :ok" : op.outcome == consim::Outcome::fail ? "type :fail" : "type :info"];
    ++want[op.type == consim::OpType::get ? "f :read" : "f :write"];
    keys.insert(op.key);
  }
  want["keys"] = static_cast<long long>(keys.size());
  CHECK(want["keys"] == report["linearizability"]["all"]["keys_checked"].get<long long>());
  CHECK(want["type :info"] > 0);
  CHECK(want["type :fail"] > 0);
  CHECK(got == want);
}
