// sim/io/input.h: reading what users give consim, within bounds.
//
// Everything a user hands consim (scenario files, sweep shards, partial
// files, histories) may be hostile: a device that never ends (/dev/zero), a
// directory, a file of gigabytes. Every input file is read through
// read_input_file(), which refuses anything but a regular file or a pipe
// (so `<(...)` and `-` work) and stops at a size limit, before memory is at
// risk.
//
// InputError is the one exception type for bad input: its what() is one
// line naming the input, where in it, what is wrong and what would be
// right. The command line prints it and exits with code 2, having written
// and destroyed nothing.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace consim {

class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& msg) : std::runtime_error(msg) {}
};

// Input size limits (docs/reliability.md, "Budgets").
constexpr std::size_t kMaxScenarioBytes = 16u << 20;   // a scenario file, or a --set value
constexpr std::size_t kMaxTableBytes = 1u << 30;       // a sweep shard, partial or history file

// The whole content of `path` ("-": standard input). InputError, naming
// `path` and saying what `what` is (e.g. "a scenario file"), when it cannot
// be opened, is a directory or a device other than a pipe, or holds more
// than `limit` bytes.
std::string read_input_file(const std::string& path, std::size_t limit, std::string_view what);

// At most `max` characters of `s` (on one line: newlines and control
// characters shown as escapes), with "..." and the full length when cut.
// For quoting user input in messages.
std::string excerpt(std::string_view s, std::size_t max = 60);

}  // namespace consim
