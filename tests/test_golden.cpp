// Golden outputs: the text and JSON reports of every shipped scenario, a few
// trace excerpts, a Mermaid diagram and a small sweep, compared byte for byte
// with the files under tests/golden/.
//
// Rewrite them (after a change that is meant to alter an output, and say why
// in the commit message):
//   CONSIM_REWRITE_GOLDEN=1 build/consim_tests -tc='golden*'
//
// The consim version is replaced by @VERSION@, so a release does not touch
// every golden file.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "files.h"
#include "run_consim.h"

namespace {

namespace fs = std::filesystem;

const std::string kSrc = CONSIM_SOURCE_DIR;

bool rewriting() {
  const char* v = std::getenv("CONSIM_REWRITE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

std::string normalise(std::string s) {
  const std::string v = CONSIM_VERSION;
  for (std::size_t at = s.find(v); at != std::string::npos; at = s.find(v, at + 9)) s.replace(at, v.size(), "@VERSION@");
  return s;
}

// Runs consim from the source directory (so paths in reports are relative)
// and returns its standard output only.
std::string consim_stdout(const std::string& args, int* code = nullptr) {
  const ConsimResult r = run_consim_in(kSrc, args + " 2>/dev/null");
  if (code) *code = r.code;
  return r.out;
}

void check_golden(const std::string& rel, const std::string& actual) {
  const std::string path = kSrc + "/tests/golden/" + rel;
  const std::string got = normalise(actual);
  if (rewriting()) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << got;
    return;
  }
  CAPTURE(rel);
  REQUIRE_MESSAGE(fs::exists(path), "missing golden file; run CONSIM_REWRITE_GOLDEN=1 build/consim_tests -tc='golden*'");
  const std::string want = slurp(path);
  if (want != got) {
    // Name the first differing line, so a failure says where to look.
    std::istringstream a(want), b(got);
    std::string la, lb;
    int line = 0;
    while (true) {
      ++line;
      const bool ea = !std::getline(a, la);
      const bool eb = !std::getline(b, lb);
      if (ea && eb) break;
      if (ea || eb || la != lb) {
        FAIL_CHECK("golden " << rel << " differs at line " << line << "\n  want: " << (ea ? "<end>" : la)
                             << "\n  got:  " << (eb ? "<end>" : lb));
        return;
      }
    }
    FAIL_CHECK("golden " << rel << " differs (line endings?)");
  }
}

std::vector<std::string> shipped_scenarios() {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(kSrc + "/scenarios")) {
    if (e.path().extension() != ".json" || e.path().filename() == "consim.schema.json") continue;
    out.push_back(fs::relative(e.path(), kSrc).generic_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string stem_of(const std::string& rel) { return rel.substr(0, rel.size() - 5); }  // drop ".json"

std::string head_lines(const std::string& text, std::size_t n) {
  std::size_t pos = 0;
  for (std::size_t i = 0; i < n && pos != std::string::npos; ++i) {
    pos = text.find('\n', pos);
    if (pos != std::string::npos) ++pos;
  }
  return pos == std::string::npos ? text : text.substr(0, pos);
}

}  // namespace

TEST_CASE("golden: text and JSON reports of every shipped scenario") {
  const auto files = shipped_scenarios();
  REQUIRE(files.size() >= 25);
  for (const std::string& f : files) {
    CAPTURE(f);
    check_golden(stem_of(f) + ".txt", consim_stdout("run " + f + " --quiet"));
    check_golden(stem_of(f) + ".json", consim_stdout("run " + f + " --quiet --format json"));
  }
  check_golden("default-builtin.txt", consim_stdout("run --quiet"));
}

TEST_CASE("golden: trace excerpts") {
  const std::string tmp = (fs::temp_directory_path() / ("consim_golden_trace_" + std::to_string(::getpid()) + ".jsonl")).string();
  struct Case {
    std::string scenario;
    std::size_t lines;
  };
  for (const Case& c : {Case{"scenarios/chapter-step2.json", 100000}, Case{"scenarios/classroom/06-partition-cap.json", 400},
                        Case{"scenarios/leaderless.json", 400}, Case{"scenarios/leader-crash.json", 400},
                        Case{"scenarios/lossy-network.json", 400}}) {
    CAPTURE(c.scenario);
    fs::remove(tmp);
    consim_stdout("run " + c.scenario + " --quiet --trace " + tmp + " > /dev/null");
    check_golden("traces/" + fs::path(c.scenario).stem().string() + ".jsonl", head_lines(slurp(tmp), c.lines));
    fs::remove(tmp);
  }
}

TEST_CASE("golden: a Mermaid diagram") {
  const std::string tmp = (fs::temp_directory_path() / ("consim_golden_diagram_" + std::to_string(::getpid()) + ".md")).string();
  fs::remove(tmp);
  consim_stdout("run scenarios/classroom/01-step2-exercise1-eventual.json --quiet --mermaid " + tmp +
                " --mermaid-to-ms 300 > /dev/null");
  check_golden("mermaid/01-step2-exercise1-eventual.md", slurp(tmp));
  fs::remove(tmp);
}

TEST_CASE("golden: a small sweep (its five tables)") {
  const fs::path dir = fs::temp_directory_path() / ("consim_golden_sweep_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string d = dir.string();
  consim_stdout("sweep --w 1,2 --r 1,2 --seeds 2 --set duration_ms=4000 --vary network.loss=0,0.05 --jobs 2 -q"
                " --output " + d + "/main.csv --window-output " + d + "/window.csv --probe-output " + d + "/probe.csv"
                " --writes-output " + d + "/writes.csv --seeds-output " + d + "/seeds.csv");
  check_golden("sweep/main.csv", slurp(d + "/main.csv"));
  check_golden("sweep/window.csv", slurp(d + "/window.csv"));
  check_golden("sweep/probe.csv", slurp(d + "/probe.csv"));
  check_golden("sweep/writes.csv", slurp(d + "/writes.csv"));
  check_golden("sweep/seeds.csv", slurp(d + "/seeds.csv"));
  fs::remove_all(dir);
}

TEST_CASE("golden: consim predict of the PBS scenarios (text; JSON and CSV of one; leader mode)") {
  for (const char* name : {"lnkd-ssd", "lnkd-disk", "ymmr", "wan"}) {
    CAPTURE(name);
    check_golden(std::string("predict/") + name + ".txt",
                 consim_stdout(std::string("predict scenarios/pbs/") + name + ".json"));
  }
  check_golden("predict/lnkd-disk.json", consim_stdout("predict scenarios/pbs/lnkd-disk.json --format json"));
  check_golden("predict/lnkd-disk.csv", consim_stdout("predict scenarios/pbs/lnkd-disk.json --format csv"));
  check_golden("predict/default-leader.txt", consim_stdout("predict --trials 20000"));
}
