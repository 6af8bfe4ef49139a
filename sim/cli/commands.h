// sim/cli/commands.h: the subcommands of `consim`, one file each in sim/cli/.
//
// Each takes the subcommand's own argv (argv[0] is its name), prints its
// errors on stderr and returns an exit code (sim/cli/common.h).
#pragma once

namespace consim::cli {

int cmd_run(int argc, char** argv);       // run.cpp
int cmd_validate(int argc, char** argv);  // validate.cpp
int cmd_bench(int argc, char** argv);     // bench.cpp
int cmd_sweep(int argc, char** argv);     // sweep.cpp
int cmd_merge(int argc, char** argv);     // sweep.cpp
int cmd_schema(int argc, char** argv);    // schema.cpp
int cmd_check(int argc, char** argv);     // check.cpp
int cmd_predict(int argc, char** argv);   // predict.cpp
int cmd_compare(int argc, char** argv);   // compare.cpp
int cmd_serve(int argc, char** argv);     // serve.cpp (sim/live/)
int cmd_load(int argc, char** argv);      // load.cpp (sim/live/)

}  // namespace consim::cli
