// sim/cli/common.h: what every subcommand of the command line shares.
//
// Exit codes (README, "The command line"): 0 success; 1 a run-time failure
// (an output could not be written); 2 bad input from the user (command line
// or scenario), with one clear message on stderr and nothing written or
// destroyed; 3 (`consim run`) the run finished but an expectation of the
// scenario's "expect" block failed (sim/check/expect.h).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// The scenario a subcommand loads, declared and read the same way by every
// subcommand that loads one (run, predict, compare, serve):
//   FILE      positional; none: the built-in default scenario; "" is bad input
//   --seed S  the scenario's seed (a whole number), applied after --set
//   --set P=V one field (repeatable), in the order given
// `set_help`, `seed_help` and `file_help` replace the default help texts.
struct ScenarioArgs {
  std::string file;               // "" = the built-in default scenario
  std::vector<std::string> sets;  // --set in order, then "seed=S" from --seed: for load_scenario()
  std::vector<std::string> user_sets;  // --set only, as given
};
void add_scenario_options(boost::program_options::options_description& desc,
                          boost::program_options::positional_options_description& pos, const char* set_help = nullptr,
                          const char* seed_help = nullptr, const char* file_help = nullptr);
// InputError (exit 2) for an empty FILE or a bad --seed.
ScenarioArgs scenario_args(const boost::program_options::variables_map& vm);

// Strict numbers from the command line, for every subcommand. Options that
// take a number are declared as po::value<std::string>() and read with these
// (Boost's own conversion wraps "-1" to 2^64 - 1). A whole number is decimal
// digits only: no sign, no spaces, no fraction or exponent; a real number is
// what strtod reads, finite. Anything else, or a value outside [lo, hi], is
// InputError naming the option and an excerpt of the value (exit 2).
std::uint64_t parse_whole(std::string_view option, std::string_view text, std::uint64_t lo,
                          std::uint64_t hi = std::numeric_limits<std::uint64_t>::max());
double parse_real(std::string_view option, std::string_view text, double lo, double hi);

// The option's value (nullopt when not given), as above. `name` without "--".
std::optional<std::uint64_t> whole_option(const boost::program_options::variables_map& vm, const char* name,
                                          std::uint64_t lo, std::uint64_t hi = std::numeric_limits<std::uint64_t>::max());
std::optional<double> real_option(const boost::program_options::variables_map& vm, const char* name, double lo,
                                  double hi);

// Runs a subcommand's body, turning exceptions into messages and exit codes:
// InputError and option errors are bad input (2), anything else a run-time
// failure (1).
int guarded(int (*body)(int, char**), int argc, char** argv);

}  // namespace consim::cli
