// sim/version.h: what build this is.
//
// version() is the project's version (CMakeLists.txt's project(VERSION)).
// build_commit() is the git commit the binary was built from: 12 hex
// digits, with "-dirty" when tracked files differed from it, or "unknown"
// when built outside a git checkout. It is generated at build time
// (tools/cmake/commit.cmake) in a file of its own, so a new commit rebuilds
// that file only. Reports do not print the commit (their bytes depend only
// on the version, scenario and seed); `--version`, the sweep's identity
// (its hash, so shards and partial files of different builds never mix) and
// a sweep's provenance file do.
#pragma once

#include <string>
#include <string_view>

namespace consim {

std::string_view build_commit();

inline std::string_view version() { return CONSIM_VERSION; }

// "consim 0.2.0 (commit 1e3939cabc12)": what --version prints.
inline std::string version_line() {
  return "consim " + std::string(version()) + " (commit " + std::string(build_commit()) + ")";
}

}  // namespace consim
