#include "sim/cli/common.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "sim/io/input.h"

namespace po = boost::program_options;

namespace consim::cli {

void print_error(const std::string& msg) { fmt::print(stderr, "consim: {}\n", msg); }

po::variables_map parse(const po::options_description& desc, const po::positional_options_description& pos,
                        int argc, char** argv) {
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(desc).positional(pos).run(), vm);
  po::notify(vm);
  return vm;
}

namespace {

// What was printed with stdio (help, one-line results) must have arrived
// too: a full disk or a closed pipe on standard output is a failure.
int checked_stdout(int rc) {
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    print_error(errno ? fmt::format("standard output: write failed: {}", std::strerror(errno))
                      : std::string("standard output: write failed"));
    return kExitFailure;
  }
  return rc;
}

}  // namespace

int guarded(int (*body)(int, char**), int argc, char** argv) {
  try {
    return checked_stdout(body(argc, argv));
  } catch (const InputError& e) {
    print_error(e.what());
    return kExitUsage;
  } catch (const po::error& e) {
    print_error(fmt::format("{} (see --help)", e.what()));
    return kExitUsage;
  } catch (const std::exception& e) {
    print_error(e.what());
    return kExitFailure;
  }
}

}  // namespace consim::cli
