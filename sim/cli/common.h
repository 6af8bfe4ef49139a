// sim/cli/common.h: what every subcommand of the command line shares.
//
// Exit codes (README, "The command line"): 0 success; 1 a run-time failure
// (an output could not be written); 2 bad input from the user (command line
// or scenario), with one clear message on stderr and nothing written or
// destroyed; 3 (`consim run`) the run finished but an expectation of the
// scenario's "expect" block failed (sim/check/expect.h).
#pragma once

#include <string>

#include <boost/program_options.hpp>

namespace consim::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitExpectation = 3;

// "consim: MSG" on stderr.
void print_error(const std::string& msg);

// Parses argv with `desc` and `pos`; throws boost::program_options::error.
boost::program_options::variables_map parse(const boost::program_options::options_description& desc,
                                            const boost::program_options::positional_options_description& pos,
                                            int argc, char** argv);

// Runs a subcommand's body, turning exceptions into messages and exit codes:
// InputError and option errors are bad input (2), anything else a run-time
// failure (1).
int guarded(int (*body)(int, char**), int argc, char** argv);

}  // namespace consim::cli
