#include "sim/cli/common.h"

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

int guarded(int (*body)(int, char**), int argc, char** argv) {
  try {
    return body(argc, argv);
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
