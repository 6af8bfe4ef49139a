// consim schema: print the scenario's JSON Schema (Draft 2020-12), generated
// from the field declarations (sim/scenario/fields.h). The committed copy,
// scenarios/consim.schema.json, is this output (a test checks it).
#include <iostream>

#include <boost/program_options.hpp>

#include "sim/cli/commands.h"
#include "sim/cli/common.h"
#include "sim/scenario/schema.h"

namespace po = boost::program_options;

namespace consim::cli {

namespace {

int schema_main(int argc, char** argv) {
  po::options_description desc("consim schema: print the scenario JSON Schema on standard output");
  desc.add_options()("help,h", "show this help");
  po::positional_options_description pos;
  po::variables_map vm = parse(desc, pos, argc, argv);
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return kExitOk;
  }
  std::cout << scenario_schema_text();
  std::cout.flush();
  return std::cout ? kExitOk : kExitFailure;
}

}  // namespace

int cmd_schema(int argc, char** argv) { return guarded(schema_main, argc, argv); }

}  // namespace consim::cli
