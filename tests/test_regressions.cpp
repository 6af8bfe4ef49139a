// Inputs that once crashed or hung the loader or the world (found by the
// fuzzer, tools/fuzz.sh, or by hand), kept in tests/regressions/. Each must
// give a clean InputError or a clean bounded run, never a crash. The swarm-*
// files are scenarios the swarm tests once found diverging for good (see
// docs/reliability.md): each must now run and end with the live replicas
// converged.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz/fuzz_bounds.h"
#include "sim/scenario/load.h"
#include "sim/world/world.h"

using namespace consim;

TEST_CASE("regression inputs load cleanly or fail with a clean InputError") {
  const std::filesystem::path dir = std::filesystem::path(CONSIM_SOURCE_DIR) / "tests" / "regressions";
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.is_regular_file() && e.path().filename() != "README.md") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  int rejected = 0, ran = 0, converged = 0;
  for (const auto& f : files) {
    CAPTURE(f.string());
    std::ifstream in(f, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    Scenario sc;
    try {
      sc = scenario_from_json(parse_scenario_text(ss.str(), f.filename().string()), f.filename().string());
    } catch (const InputError& e) {
      CHECK(std::string(e.what()).size() > 0);
      ++rejected;
      continue;
    }
    // Swarm scenarios run as generated (the quiet tail they converge in
    // needs their full duration and drain); others are bounded as in fuzzing.
    const bool swarm = f.filename().string().rfind("swarm-", 0) == 0;
    if (!swarm) {
      fuzzing::bound(sc);
      if (!fuzzing::small_enough(sc)) continue;
    }
    World w(sc);
    w.run();
    ++ran;
    if (swarm) {
      const ConvergenceStats& c = w.metrics().convergence;
      CHECK_MESSAGE(c.cluster_converged, f.filename().string() << ": the live replicas differ on "
                                                               << c.keys_diverged << " key(s) at the end");
      CHECK(c.keys_diverged == 0);
      converged += c.cluster_converged ? 1 : 0;
    }
  }
  CHECK(converged >= 4);  // the four swarm-*.json scenarios
  MESSAGE(files.size() << " regression inputs: " << rejected << " rejected cleanly, " << ran << " ran, " << converged
                       << " swarm scenarios converged");
}
