// sim/sweep/lists.h: the sweep's command-line syntax: LIST, --vary, --levels, --shard.
//
// Pure parsing, no I/O. Every function either returns a well-formed value or
// throws InputError (sim/io/input.h) with one line naming the option, a short
// excerpt of what was given, what is wrong and what would be right. Nothing
// here knows the scenario: values that need N (all, majority, n) are resolved
// per grid point by resolve_quorum_list(), and --vary values are checked when
// the grid is built (grid.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/types.h"

namespace consim::sweep {

// The longest a..b range of one LIST item (b - a + 1 values at most this).
constexpr long long kMaxRange = 1'000'000;
// The largest N of --shard I/N.
constexpr std::uint32_t kMaxShards = 1'000'000;

// One item of a --w / --r LIST: a number, a range a..b, "all" (1..N),
// "majority" (floor(N/2)+1) or "n" (N itself). The last three need N.
struct ListItem {
  enum class Kind : std::uint8_t { number, range, all, majority, n } kind = Kind::number;
  long long lo = 0;
  long long hi = 0;
};

// Parse a --w / --r LIST ("1..5", "1,2,4", "all", "majority", "1,n").
// `what` names the option in messages.
std::vector<ListItem> parse_quorum_list(std::string_view text, std::string_view what);

// Resolve for a cluster of n nodes: values in list order, duplicates dropped.
// Values outside 1..n are kept (expand_grid reports them).
std::vector<long long> resolve_quorum_list(const std::vector<ListItem>& items, std::uint32_t n);

// Split a LIST at top-level commas (commas inside [], {} or "" are kept).
std::vector<std::string> split_list(std::string_view text);

// One --vary axis: PATH=LIST. Values are parsed like --set values (JSON if
// possible, else a string); an item a..b with integers a <= b expands to
// a, a+1, ..., b. Duplicates are dropped.
struct VaryAxis {
  std::string path;
  std::vector<nlohmann::json> values;
};
VaryAxis parse_vary(std::string_view arg);

// "eventual,strong", "all". Hyphens are accepted for underscores; duplicates dropped.
std::vector<Level> parse_levels(std::string_view text);
// The inverse: "eventual,strong" (names as core spells them, in the given order).
std::string level_list(const std::vector<Level>& ls);

// --shard I/N: this process runs the grid points p with p % N == I - 1.
struct Shard {
  std::uint32_t index = 1;  // 1-based
  std::uint32_t count = 1;
  bool contains(std::size_t point) const { return point % count == index - 1; }
};
// "I/N" with 1 <= I <= N <= kMaxShards.
Shard parse_shard(std::string_view text);
// "I/N".
std::string shard_text(const Shard& s);

}  // namespace consim::sweep
