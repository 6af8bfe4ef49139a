// sim/cli/live_options.h: what `consim serve` and `consim load` read alike.
//
// Both take a list of node URLs, a run length and a cap on open
// connections, and read them with these, so that the two commands accept
// the same spellings and give the same messages.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "core/types.h"

namespace consim::cli {

// The comma-separated URLs of `text`, in order; empty entries are skipped
// (so a trailing comma is harmless). Nothing is checked here: the live
// drivers reject a URL they cannot use, naming it.
std::vector<std::string> url_list(const std::string& text);

// A duration option in whole milliseconds, 1 .. max_ms, as virtual-time
// nanoseconds; nullopt when not given. Bad input as whole_option (exit 2).
std::optional<Time> milliseconds_option(const boost::program_options::variables_map& vm, const char* name,
                                        std::uint64_t max_ms);

// --max-connections, 1 .. most; nullopt when not given.
std::optional<std::uint32_t> max_connections_option(const boost::program_options::variables_map& vm,
                                                    std::uint32_t most);

}  // namespace consim::cli
