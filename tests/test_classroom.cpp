// The classroom scenarios (scenarios/classroom/): every expectation holds, the
// exit code is 3 when one fails, and the Mermaid diagram has the chapter's shape.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "files.h"
#include "run_consim.h"

namespace {

using Result = ConsimResult;

std::vector<std::string> classroom_files() {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(std::string(CONSIM_SOURCE_DIR) + "/scenarios/classroom"))
    if (e.path().extension() == ".json") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

const std::string kEx1 = std::string(CONSIM_SOURCE_DIR) + "/scenarios/classroom/01-step2-exercise1-eventual.json";

}  // namespace

TEST_CASE("every classroom scenario carries expectations and they all hold") {
  const auto files = classroom_files();
  REQUIRE(files.size() >= 15);
  for (const std::string& f : files) {
    CAPTURE(f);
    const Result r = run_consim("run " + f + " --quiet --format json");
    const auto j = nlohmann::json::parse(r.out, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    REQUIRE(j.contains("expectations"));
    CHECK(j["expectations"].size() >= 2);
    for (const auto& e : j["expectations"]) {
      CAPTURE(e.dump());
      CHECK(e["pass"] == true);
    }
    CHECK(r.code == 0);
  }
}

TEST_CASE("a failing expectation: FAIL line, JSON entry, exit code 3, report still written") {
  const std::string out = "/tmp/consim_classroom_fail_" + std::to_string(::getpid()) + ".txt";
  std::remove(out.c_str());
  const Result r = run_consim("run " + kEx1 +
                              " --quiet --set 'expect.1.value=Alice' --set 'expect.8={\"path\":\"levels.nope\",\"op\":\"==\",\"value\":1}'"
                              " --output " + out);
  CHECK(r.code == 3);
  const std::string text = slurp(out);
  CHECK(text.find("Expectations: 7 of 9 hold (exit code 3)") != std::string::npos);
  CHECK(text.find("FAIL  script.2.value == \"Alice\": the report has \"Bob\"") != std::string::npos);
  CHECK(text.find("FAIL  levels.nope == 1: no such report value") != std::string::npos);
  CHECK(text.find("PASS  script.2.stale == true") != std::string::npos);
  const Result j = run_consim("run " + kEx1 + " --quiet --format json --set 'expect.0.value=false'");
  CHECK(j.code == 3);
  const auto rep = nlohmann::json::parse(j.out);
  CHECK(rep["expectations"][0]["pass"] == false);
  CHECK(rep["expectations"][0]["actual"] == true);
}

TEST_CASE("a bad expect block is a usage error (exit 2)") {
  const Result r = run_consim("run " + kEx1 + " --quiet --set 'expect.0.op=~'");
  CHECK(r.code == 2);
  CHECK(r.out.find("$.expect[0].op: op \"~\" is not valid") != std::string::npos);
}

TEST_CASE("--mermaid draws Exercise 1 as a sequence diagram with the stale read") {
  const std::string out = "/tmp/consim_classroom_ex1_" + std::to_string(::getpid()) + ".md";
  std::remove(out.c_str());
  const Result r = run_consim("run " + kEx1 + " --quiet --mermaid " + out + " --mermaid-to-ms 300");
  CHECK(r.code == 0);
  const std::string md = slurp(out);
  CHECK(md.find("```mermaid\nsequenceDiagram\n") != std::string::npos);
  // Clients named as in the text report (the scripted client-1 ...).
  CHECK(md.find("participant C1 as client-1") != std::string::npos);
  CHECK(md.find("participant C2 as client-2") != std::string::npos);
  CHECK(md.find("participant N1 as Leader node-1") != std::string::npos);
  CHECK(md.find("participant N3 as Follower node-3") != std::string::npos);
  // The value written, and both ends of each arrow: the put is invoked at
  // 100 ms (as the text report says) and delivered 1 ms later; the append to
  // node-3 leaves at 101 ms and arrives after the stale read.
  CHECK(md.find("C1->>N1: PUT name = Alice @100 \u2192 101 ms") != std::string::npos);
  CHECK(md.find("N1->>N2: append v(3,2) name = Alice @101 \u2192 102 ms") != std::string::npos);
  CHECK(md.find("N1->>N3: append v(3,2) name = Alice @101 \u2192 1") != std::string::npos);
  CHECK(md.find("N1->>N3: append v(3,2) name = Alice") > md.find("STALE"));
  CHECK(md.find("Note over N1: W=2 reached: ack v(3,2)") != std::string::npos);
  CHECK(md.find("Note over C2,N3: STALE: returned v(3,1) Bob, newest acknowledged v(3,2)") != std::string::npos);
  CHECK(md.find("heartbeat") == std::string::npos);
  CHECK(md.find("probe") == std::string::npos);  // the probe starts at 1000 ms, after the range
  CHECK(md.substr(md.size() - 4) == "```\n");
  CHECK_FALSE(std::filesystem::exists(out + ".trace-tmp"));

  // Heartbeats on request; the arrow cap leaves a note.
  const Result h = run_consim("run " + kEx1 + " --quiet --mermaid " + out + " --mermaid-heartbeats --mermaid-from-ms 1000");
  CHECK(h.code == 0);
  const std::string md2 = slurp(out);
  CHECK(md2.find("heartbeat") != std::string::npos);
  CHECK(md2.find("diagram truncated after 300 arrows") != std::string::npos);
  std::size_t arrows = 0;
  std::istringstream lines(md2);
  for (std::string l; std::getline(lines, l);)
    if (l.find("->>") != std::string::npos || l.find("-x") != std::string::npos) ++arrows;
  CHECK(arrows <= 300);
  // The note says how many arrows it cut: with those drawn, every message
  // of the range the trace delivered or dropped (heartbeats included here).
  const std::string trace = out + ".jsonl";
  REQUIRE(run_consim("run " + kEx1 + " --quiet --mermaid " + out + " --mermaid-heartbeats --mermaid-from-ms 1000 --trace " +
                     trace).code == 0);
  const std::string md3 = slurp(out);
  const std::string cut_note = "diagram truncated after 300 arrows: ";
  const std::size_t at = md3.find(cut_note);
  REQUIRE(at != std::string::npos);
  const long long cut = std::stoll(md3.substr(at + cut_note.size()));
  long long messages = 0;
  std::istringstream tl(slurp(trace));
  for (std::string l; std::getline(tl, l);) {
    const nlohmann::json e = nlohmann::json::parse(l);
    const std::string ev = e["ev"];
    if (e["t"].get<long long>() >= 1000000000 && (ev == "deliver" || ev == "drop" || ev == "local")) ++messages;
  }
  CHECK(300 + cut == messages);
  std::remove(trace.c_str());
}

TEST_CASE("the outputs quoted in docs/exercises.md are still what the scenarios print") {
  const std::string doc = slurp(std::string(CONSIM_SOURCE_DIR) + "/docs/exercises.md");
  REQUIRE_FALSE(doc.empty());
  const std::string marker = "<!-- consim-output: ";
  int blocks = 0;
  for (std::size_t at = doc.find(marker); at != std::string::npos; at = doc.find(marker, at + 1)) {
    const std::size_t end = doc.find(" -->", at);
    REQUIRE(end != std::string::npos);
    const std::string file = doc.substr(at + marker.size(), end - at - marker.size());
    CAPTURE(file);
    const std::size_t open = doc.find("```\n", end);
    REQUIRE(open != std::string::npos);
    const std::size_t close = doc.find("\n```", open + 3);
    REQUIRE(close != std::string::npos);
    const std::string block = doc.substr(open + 4, close - open - 4);
    const Result r = run_consim("run " + std::string(CONSIM_SOURCE_DIR) + "/" + file + " --quiet");
    CHECK(r.code == 0);
    std::istringstream lines(block);
    for (std::string l; std::getline(lines, l);) {
      if (l.empty()) continue;
      CAPTURE(l);
      CHECK(r.out.find(l) != std::string::npos);
    }
    ++blocks;
  }
  CHECK(blocks >= 8);
}
