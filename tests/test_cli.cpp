// The command line, run as a user would: exit codes, messages, files written or not.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "run_consim.h"
#include "temp_dir.h"

namespace {

using Result = ConsimResult;

Result run(const std::string& args) { return run_consim(args); }

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = "/tmp/consim_cli_" + std::to_string(::getpid()) + "_" + name;
  std::ofstream(path) << text;
  return path;
}

bool exists(const std::string& path) { return std::ifstream(path).good(); }

const std::string kSmall = R"({"name": "small", "duration_ms": 2000,
  "workload": {"rate_per_s": 100, "keys": 5, "levels": ["eventual", "strong"]}})";

}  // namespace

TEST_CASE("consim --help and --version succeed") {
  Result h = run("--help");
  CHECK(h.code == 0);
  CHECK(h.out.find("consim run") != std::string::npos);
  Result v = run("--version");
  CHECK(v.code == 0);
  CHECK(v.out.rfind("consim ", 0) == 0);
}

TEST_CASE("an unknown command or option is a usage error with exit code 2") {
  CHECK(run("frobnicate").code == 2);
  Result r = run("run --no-such-option");
  CHECK(r.code == 2);
  CHECK(r.out.find("no-such-option") != std::string::npos);
}

TEST_CASE("a scenario with a typo gets one message naming file, path and the nearest field; exit 2; no output file") {
  const std::string f = write_temp("typo.json", R"({"cluster": {"nodes": 3, "write_quorun": 2}})");
  const std::string out = "/tmp/consim_cli_typo_report_" + std::to_string(::getpid()) + ".txt";
  std::remove(out.c_str());
  Result r = run("run " + f + " --output " + out + " --trace " + out + ".trace");
  CHECK(r.code == 2);
  CHECK(r.out.find(f) != std::string::npos);
  CHECK(r.out.find("$.cluster.write_quorun") != std::string::npos);
  CHECK(r.out.find("write_quorum") != std::string::npos);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
  CHECK_FALSE(exists(out));
  CHECK_FALSE(exists(out + ".trace"));
  CHECK_FALSE(exists(out + ".trace.tmp"));
}

TEST_CASE("invalid values: W > N, a negative delay, a probability above 1, a syntax error") {
  struct Case {
    std::string json, expect;
  } cases[] = {
      {R"({"cluster": {"nodes": 3, "write_quorum": 4}})", "$.cluster.write_quorum"},
      {R"({"network": {"delay": {"type": "constant", "ms": -1}}})", "$.network.delay"},
      {R"({"network": {"loss": 1.5}})", "$.network.loss"},
      {"{\n  \"seed\": 1,\n  \"cluster\": {\"nodes\": 3,,}\n}", ":3:"},
  };
  int i = 0;
  for (const Case& c : cases) {
    const std::string f = write_temp("bad" + std::to_string(i++) + ".json", c.json);
    Result r = run("run " + f);
    CHECK(r.code == 2);
    CHECK_MESSAGE(r.out.find(c.expect) != std::string::npos, r.out);
  }
}

TEST_CASE("--set changes one field; a bad --set is a usage error") {
  const std::string f = write_temp("small.json", kSmall);
  Result a = run("run " + f + " --format json -q");
  Result b = run("run " + f + " --format json -q --set cluster.write_quorum=3");
  REQUIRE(a.code == 0);
  REQUIRE(b.code == 0);
  auto ja = nlohmann::json::parse(a.out);
  auto jb = nlohmann::json::parse(b.out);
  CHECK(ja["scenario"]["write_quorum"] == 2);
  CHECK(jb["scenario"]["write_quorum"] == 3);
  CHECK(jb["scenario"]["strict_quorum"] == true);
  Result bad = run("run " + f + " --set cluster.write_quorum");
  CHECK(bad.code == 2);
  Result big = run("run " + f + " --set cluster.write_quorum=9");
  CHECK(big.code == 2);
  CHECK(big.out.find("write_quorum") != std::string::npos);
}

TEST_CASE("the JSON report has the documented stable keys, and --output writes the same bytes") {
  const std::string f = write_temp("small2.json", kSmall);
  const std::string out = "/tmp/consim_cli_report_" + std::to_string(::getpid()) + ".json";
  Result r = run("run " + f + " --format json -q");
  REQUIRE(r.code == 0);
  auto j = nlohmann::json::parse(r.out);
  for (const char* k : {"scenario", "levels", "window", "probe", "writes", "convergence", "violations", "lost_writes",
                        "elections", "engine", "nodes"})
    CHECK_MESSAGE(j.contains(k), k);
  for (const char* k : {"reads", "stale_reads", "stale_rate", "failed", "latency_ms"})
    CHECK_MESSAGE(j["levels"]["eventual"].contains(k), k);
  CHECK(j["levels"]["strong"]["latency_ms"].contains("p99"));
  Result w = run("run " + f + " --format json -q --output " + out);
  REQUIRE(w.code == 0);
  std::ifstream in(out);
  std::stringstream ss;
  ss << in.rdbuf();
  CHECK(ss.str() == r.out);
  std::remove(out.c_str());
}

TEST_CASE("validate accepts every shipped scenario and rejects a bad one") {
  Result ok = run(std::string("validate ") + CONSIM_SOURCE_DIR + "/scenarios/default.json");
  CHECK(ok.code == 0);
  CHECK(ok.out.empty());
  const std::string f = write_temp("bad_validate.json", R"({"workload": {"levels": {"eventuel": 1}}})");
  Result bad = run("validate " + f);
  CHECK(bad.code == 2);
  CHECK(bad.out.find("eventual") != std::string::npos);
}

TEST_CASE("the built-in default runs and its text report reads like the README says") {
  Result r = run("run -q --set duration_ms=5000");
  REQUIRE(r.code == 0);
  for (const char* s : {"Reads by consistency level", "Stale-read window", "Probe:", "Writes", "Convergence",
                        "Lost writes", "Session violations"})
    CHECK_MESSAGE(r.out.find(s) != std::string::npos, s);
}

TEST_CASE("the README's worked example is what `consim run` prints today") {
  Result r = run("run -q");
  REQUIRE(r.code == 0);
  std::ifstream in(std::string(CONSIM_SOURCE_DIR) + "/README.md");
  std::stringstream ss;
  ss << in.rdbuf();
  CHECK_MESSAGE(ss.str().find(r.out) != std::string::npos,
                "README.md's example output is out of date: paste the output of `build/consim run -q`");
}

TEST_CASE("command-line numbers: negative, overflowing, NaN and huge values are refused, naming the option") {
  struct Case {
    const char* args;
    const char* option;
  } cases[] = {
      {"run --seed -1", "--seed -1: negative"},
      {"run --seed 18446744073709551616", "--seed 18446744073709551616: too large"},
      {"run --seed 1.5", "--seed 1.5: not a whole number"},
      {"run --seed=+3", "--seed +3: not a whole number"},
      {"sweep -o /nonexistent-dir/s.csv --seed -1", "--seed -1"},
      {"sweep -o /nonexistent-dir/s.csv --jobs -1", "--jobs -1: negative"},
      {"sweep -o /nonexistent-dir/s.csv --jobs 0", "--jobs 0: out of range"},
      {"sweep -o /nonexistent-dir/s.csv --jobs 4294967297", "--jobs 4294967297: out of range"},
      {"sweep -o /nonexistent-dir/s.csv --seeds -1", "--seeds -1"},
      {"sweep -o /nonexistent-dir/s.csv --seeds 0", "--seeds 0"},
      {"sweep -o /nonexistent-dir/s.csv --seeds 4294967296", "--seeds 4294967296"},
      {"bench --ops -1", "--ops -1"},
      {"bench --ops 0", "--ops 0"},
      {"bench --ops 18446744073709551616", "--ops 18446744073709551616: too large"},
      {"bench --nodes -1", "--nodes -1"},
      {"bench --nodes 65", "--nodes 65: out of range"},
      {"bench --repeat -1", "--repeat -1"},
      {"run --mermaid-from-ms nan", "--mermaid-from-ms nan: not a finite number"},
      {"run --mermaid-from-ms -1", "--mermaid-from-ms -1: out of range"},
      {"run --mermaid-to-ms 1e300", "--mermaid-to-ms 1e300: out of range"},
      {"run --mermaid-to-ms inf", "--mermaid-to-ms inf: not a finite number"},
      {"run --mermaid-to-ms 5x", "--mermaid-to-ms 5x: not a number"},
      {"run --mermaid-from-ms 5 --mermaid-to-ms 1", "--mermaid-to-ms 1 is before --mermaid-from-ms 5"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.args);
    const Result r = run(c.args);
    CHECK(r.code == 2);
    CHECK_MESSAGE(r.out.find(c.option) != std::string::npos, r.out);
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
  }
  // The extremes that are allowed stay allowed.
  const Result big = run("run -q --format json --seed 18446744073709551615 --set duration_ms=200");
  REQUIRE(big.code == 0);
  CHECK(nlohmann::json::parse(big.out)["scenario"]["seed"] == 18446744073709551615ull);
}

TEST_CASE("messages quote a short excerpt of a long user value, never all of it") {
  // A 100 000-character value in the option that is wrong, one at a time.
  const std::string v = "v=$(printf '%*s' 100000 '' | tr ' ' x); ";
  for (const std::string args : {"run --format \"$v\"", "run --seed \"$v\"", "sweep -o /nonexistent-dir/s.csv --levels \"$v\"",
                           "sweep -o /nonexistent-dir/s.csv --w \"$v\"", "sweep -o /nonexistent-dir/s.csv --vary \"network.loss=$v\"",
                           "sweep -o /nonexistent-dir/s.csv --vary \"$v\"", "sweep -o /nonexistent-dir/s.csv --shard \"$v\"",
                           "sweep -o /nonexistent-dir/s.csv --seeds \"$v\"", "bench --replication \"$v\""}) {
    CAPTURE(args);
    const Result r = run_consim_cmd(v + CONSIM_BINARY + " " + args + " 2>&1");
    CHECK(r.code == 2);
    CHECK_MESSAGE(r.out.size() < 600, r.out.size());
    CHECK(r.out.find(" bytes)") != std::string::npos);  // the excerpt says how long the value was
  }
}

TEST_CASE("the command line: no prefix guessing, did-you-mean for a mistyped flag, --set PATH VALUE named, -V") {
  // Boost's prefix guessing used to take --form for --format.
  ConsimResult r = run_consim("run --form json");
  CHECK(r.code == 2);
  CHECK(r.out.find("unknown option --form; did you mean --format?") != std::string::npos);
  r = run_consim("sweep --w 1 --r 1 -o /nonexistent/x.csv --jbos 2");
  CHECK(r.code == 2);
  CHECK(r.out.find("unknown option --jbos; did you mean --jobs?") != std::string::npos);
  r = run_consim("run --qwerty");
  CHECK(r.code == 2);
  CHECK(r.out.find("unknown option --qwerty (see --help)") != std::string::npos);
  // It used to say "3: cannot read file".
  r = run_consim("run --set cluster.write_quorum 3");
  CHECK(r.code == 2);
  CHECK(r.out.find("--set cluster.write_quorum: expected PATH=VALUE") != std::string::npos);
  CHECK(r.out.find("cannot read") == std::string::npos);
  // Diagram options without a diagram used to be ignored.
  r = run_consim("run --mermaid-to-ms 5");
  CHECK(r.code == 2);
  CHECK(r.out.find("--mermaid-to-ms shapes the diagram of --mermaid FILE.md, which is not given") != std::string::npos);
  // -V is --version; bare consim is a usage error: help on stderr, nothing on stdout.
  CHECK(run_consim_cmd(std::string(CONSIM_BINARY) + " -V").out == run_consim_cmd(std::string(CONSIM_BINARY) + " --version").out);
  r = run_consim_cmd(std::string(CONSIM_BINARY) + " 2>/dev/null");
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  // The short usage: the subcommands, no examples (consim --help has them).
  const std::string bare = run_consim(" ").out;
  CHECK(bare.find("Usage:") == 0);
  CHECK(bare.find("consim sweep") != std::string::npos);
  CHECK(bare.find("Examples:") == std::string::npos);
  CHECK(bare.find("consim --help") != std::string::npos);
  CHECK(run_consim_cmd(std::string(CONSIM_BINARY) + " --help").out.find("Examples:") != std::string::npos);
}

TEST_CASE("progress goes to stderr only: plain lines when not a terminal, none with never or --quiet") {
  const std::string bin = CONSIM_BINARY;
  const ConsimResult plain = run_consim_cmd(bin + " run --progress never 2>/dev/null");
  // Data on stdout is the same with and without progress.
  CHECK(run_consim_cmd(bin + " run --progress always 2>/dev/null").out == plain.out);
  // Not a terminal (a pipe): always gives a first and a last plain line.
  const ConsimResult a = run_consim_cmd(bin + " run --progress always 2>&1 >/dev/null");
  CHECK(a.code == 0);
  CHECK(a.out.find("consim run: 0% (starting)") != std::string::npos);
  CHECK(a.out.find("consim run: 100% (virtual 1m05s of 1m05s") != std::string::npos);
  CHECK(a.out.find('\r') == std::string::npos);  // no redrawing in a log
  // auto: a run shorter than 5 s prints no progress; never and --quiet none at all.
  for (const char* opt : {"", "--progress auto", "--progress never", "--quiet"}) {
    CAPTURE(opt);
    CHECK(run_consim_cmd(bin + " run " + opt + " 2>&1 >/dev/null").out.find("consim run:") == std::string::npos);
  }
  CHECK(run_consim_cmd(bin + " run --quiet 2>&1 >/dev/null").out.empty());
  const ConsimResult s = run_consim_cmd(bin + " sweep --w 1,2 --r 1 -o - --progress always 2>&1 >/dev/null");
  CHECK(s.out.find("consim sweep: 0% (starting)") != std::string::npos);
  CHECK(s.out.find("consim sweep: 100% (") != std::string::npos);
  CHECK(s.out.find(" runs), ") != std::string::npos);
  const ConsimResult bad = run_consim("run --progress sometimes");
  CHECK(bad.code == 2);
  CHECK(bad.out.find("--progress sometimes: expected auto, always or never") != std::string::npos);
}

TEST_CASE("bench --print-scenario prints the scenario bench runs, which `consim run` runs to the same events") {
  const Result printed = run("bench --print-scenario --ops 2000 --nodes 3");
  REQUIRE(printed.code == 0);
  const nlohmann::json j = nlohmann::json::parse(printed.out);
  CHECK(j["cluster"]["nodes"] == 3);
  CHECK(j["name"] == "bench");
  TempDir d;
  const std::string file = d.file("bench.json");
  {
    std::ofstream out(file);
    out << printed.out;
  }
  const Result ran = run("run " + file + " --quiet --format json");
  REQUIRE(ran.code == 0);
  const Result bench = run("bench --ops 2000 --nodes 3");
  REQUIRE(bench.code == 0);
  const std::string events = std::to_string(nlohmann::json::parse(ran.out)["engine"]["events"].get<std::uint64_t>());
  CHECK(bench.out.find(", " + events + " events") != std::string::npos);
}
