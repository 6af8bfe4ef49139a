// consim validate: check scenario files without running them; print every
// problem of each file, one line each (file, JSON path, what is wrong).
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "sim/cli/commands.h"
#include "sim/cli/common.h"
#include "sim/scenario/load.h"

namespace po = boost::program_options;

namespace consim::cli {

namespace {

int validate_main(int argc, char** argv) {
  po::options_description desc("consim validate FILE...");
  desc.add_options()("help,h", "show this help")("files", po::value<std::vector<std::string>>(), "scenario files");
  po::positional_options_description pos;
  pos.add("files", -1);
  po::variables_map vm = parse(desc, pos, argc, argv);
  if (vm.count("help") || !vm.count("files")) {
    std::cout << desc << "\n";
    return vm.count("help") ? kExitOk : kExitUsage;
  }
  int rc = kExitOk;
  for (const std::string& f : vm["files"].as<std::vector<std::string>>()) {
    try {
      if (f.empty()) throw InputError("validate: an empty file name was given");  // not the built-in default
      load_scenario(f, {});
    } catch (const ScenarioError& e) {
      for (const std::string& m : e.errors()) print_error(m);  // every problem, one line each
      rc = kExitUsage;
    } catch (const InputError& e) {
      print_error(e.what());
      rc = kExitUsage;
    }
  }
  return rc;
}

}  // namespace

int cmd_validate(int argc, char** argv) { return guarded(validate_main, argc, argv); }

}  // namespace consim::cli
