#include "sim/cli/common.h"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "sim/io/input.h"
#include "sim/scenario/load.h"  // nearest_name, ScenarioError

namespace po = boost::program_options;

namespace consim::cli {

void print_error(const std::string& msg) { fmt::print(stderr, "consim: {}\n", msg); }

po::variables_map parse(const po::options_description& desc, const po::positional_options_description& pos,
                        int argc, char** argv) {
  // No prefix guessing: "--form json" is a mistake, not --format.
  const int style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).positional(pos).style(style).run(), vm);
  } catch (const po::unknown_option& e) {
    std::string typed = e.get_option_name();
    std::vector<std::string> names;
    for (const auto& o : desc.options()) names.push_back("--" + o->long_name());
    const std::size_t eq = typed.find('=');
    if (eq != std::string::npos) typed.resize(eq);
    const std::string near = nearest_name(typed, names);
    throw InputError(fmt::format("unknown option {}{} (see --help)", excerpt(typed),
                                 near.empty() ? std::string() : fmt::format("; did you mean {}?", near)));
  }
  po::notify(vm);
  return vm;
}

namespace {

std::string range_text(std::uint64_t lo, std::uint64_t hi) { return fmt::format("{}..{}", lo, hi); }

}  // namespace

std::uint64_t parse_whole(std::string_view option, std::string_view text, std::uint64_t lo, std::uint64_t hi) {
  auto fail = [&](std::string_view problem) {
    return InputError(fmt::format("--{} {}: {}; expected a whole number {}", option, excerpt(text), problem, range_text(lo, hi)));
  };
  if (text.empty()) throw fail("empty");
  if (text.front() == '-') throw fail("negative numbers are not allowed");
  for (char c : text)
    if (c < '0' || c > '9') throw fail("not a whole number");
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc::result_out_of_range) throw fail("too large");
  if (ec != std::errc() || p != text.data() + text.size()) throw fail("not a whole number");
  if (v < lo || v > hi) throw fail("out of range");
  return v;
}

double parse_real(std::string_view option, std::string_view text, double lo, double hi) {
  auto fail = [&](std::string_view problem) {
    return InputError(fmt::format("--{} {}: {}; expected a number {}..{}", option, excerpt(text), problem, lo, hi));
  };
  if (text.empty()) throw fail("empty");
  const std::string s(text);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || std::isspace(static_cast<unsigned char>(s.front()))) throw fail("not a number");
  if (!std::isfinite(v)) throw fail("not a finite number");  // an underflow to 0 is fine
  if (!(v >= lo && v <= hi)) throw fail("out of range");
  return v;
}

std::optional<std::uint64_t> whole_option(const po::variables_map& vm, const char* name, std::uint64_t lo,
                                          std::uint64_t hi) {
  if (!vm.count(name)) return std::nullopt;
  return parse_whole(name, vm[name].as<std::string>(), lo, hi);
}

std::optional<double> real_option(const po::variables_map& vm, const char* name, double lo, double hi) {
  if (!vm.count(name)) return std::nullopt;
  return parse_real(name, vm[name].as<std::string>(), lo, hi);
}

void add_scenario_options(po::options_description& desc, po::positional_options_description& pos, const char* set_help,
                          const char* seed_help, const char* file_help) {
  desc.add_options()
      ("file", po::value<std::string>(), file_help ? file_help : "scenario file (default: the built-in default scenario)")
      ("seed", po::value<std::string>(), seed_help ? seed_help : "override the scenario's seed (0..18446744073709551615)")
      ("set", po::value<std::vector<std::string>>()->composing(),
       set_help ? set_help : "PATH=VALUE: change one scenario field, e.g. --set cluster.write_quorum=3 (repeatable)");
  pos.add("file", 1);
}

ScenarioArgs scenario_args(const po::variables_map& vm) {
  ScenarioArgs a;
  if (vm.count("file")) {
    a.file = vm["file"].as<std::string>();
    if (a.file.empty())
      throw InputError("an empty scenario file name was given (give none for the built-in default scenario)");
  }
  if (vm.count("set")) a.user_sets = vm["set"].as<std::vector<std::string>>();
  a.sets = a.user_sets;
  if (const auto seed = whole_option(vm, "seed", 0)) a.sets.push_back(fmt::format("seed={}", *seed));
  return a;
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
  } catch (const ScenarioError& e) {
    for (const std::string& m : e.errors()) print_error(m);  // every problem of the scenario
    return kExitUsage;
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
