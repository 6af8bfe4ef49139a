#include "sim/sweep/lists.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "sim/io/input.h"
#include "sim/scenario/load.h"
#include "sim/sweep/text.h"

namespace consim::sweep {

namespace {

using json = nlohmann::json;
using text::parse_ll;
using text::parse_range;
using text::split_simple;
using text::trim;

std::vector<std::string> all_level_names() {
  std::vector<std::string> v;
  for (int i = 0; i < kLevelCount; ++i) v.emplace_back(to_string(static_cast<Level>(i)));
  return v;
}

}  // namespace

std::vector<ListItem> parse_quorum_list(std::string_view text, std::string_view what) {
  auto fail = [&](const std::string& problem) {
    throw InputError(fmt::format("{} {}: {}", what, excerpt(text), problem));
  };
  if (trim(text).empty()) fail("empty LIST; expected e.g. 1..5, 1,2,4, all, majority or n");
  std::vector<ListItem> items;
  for (std::string_view raw : split_simple(text, ',')) {
    const std::string_view s = trim(raw);
    ListItem it;
    if (s.empty()) fail("empty item in LIST; expected e.g. 1..5, 1,2,4, all, majority or n");
    if (s == "all") {
      it.kind = ListItem::Kind::all;
    } else if (s == "majority") {
      it.kind = ListItem::Kind::majority;
    } else if (s == "n" || s == "N") {
      it.kind = ListItem::Kind::n;
    } else if (s.find("..") != std::string_view::npos) {
      if (!parse_range(s, it.lo, it.hi))
        fail(fmt::format("\"{}\" is not a range of integers a..b", excerpt(s)));
      if (it.lo > it.hi) fail(fmt::format("the range {} is empty (expected a..b with a <= b)", excerpt(s)));
      if (it.hi - it.lo >= kMaxRange) fail(fmt::format("the range {} is too large", excerpt(s)));
      it.kind = ListItem::Kind::range;
    } else if (parse_ll(s, it.lo)) {
      it.kind = ListItem::Kind::number;
      it.hi = it.lo;
    } else {
      fail(fmt::format("\"{}\" is not a number, a range a..b, all, majority or n", excerpt(s)));
    }
    items.push_back(it);
  }
  return items;
}

std::vector<long long> resolve_quorum_list(const std::vector<ListItem>& items, std::uint32_t n) {
  std::vector<long long> out;
  auto add = [&](long long v) {
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  };
  for (const ListItem& it : items) {
    switch (it.kind) {
      case ListItem::Kind::number: add(it.lo); break;
      case ListItem::Kind::range:
        for (long long v = it.lo; v <= it.hi; ++v) add(v);
        break;
      case ListItem::Kind::all:
        for (long long v = 1; v <= static_cast<long long>(n); ++v) add(v);
        break;
      case ListItem::Kind::majority: add(static_cast<long long>(n / 2 + 1)); break;
      case ListItem::Kind::n: add(static_cast<long long>(n)); break;
    }
  }
  return out;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  bool in_str = false, esc = false;
  for (char c : text) {
    if (in_str) {
      cur += c;
      if (esc)
        esc = false;
      else if (c == '\\')
        esc = true;
      else if (c == '"')
        in_str = false;
      continue;
    }
    if (c == '"') in_str = true;
    if (c == '[' || c == '{') ++depth;
    if ((c == ']' || c == '}') && depth > 0) --depth;
    if (c == ',' && depth == 0) {
      out.push_back(cur);
      cur.clear();
      continue;
    }
    cur += c;
  }
  out.push_back(cur);
  return out;
}

VaryAxis parse_vary(std::string_view arg) {
  const std::string shown = excerpt(arg);
  const std::size_t eq = arg.find('=');
  if (eq == std::string_view::npos || eq == 0)
    throw InputError(fmt::format("--vary {}: expected PATH=LIST, e.g. network.loss=0,0.01 or cluster.nodes=3..7", shown));
  VaryAxis ax;
  ax.path = std::string(trim(arg.substr(0, eq)));
  for (std::string_view seg : split_simple(ax.path, '.'))
    if (seg.empty()) throw InputError(fmt::format("--vary {}: empty name in PATH \"{}\"", shown, excerpt(ax.path)));
  if (ax.path == "cluster.write_quorum" || ax.path == "cluster.read_quorum")
    throw InputError(fmt::format("--vary {}: sweep the quorums with --w and --r", shown));
  const std::string_view list = arg.substr(eq + 1);
  if (trim(list).empty()) throw InputError(fmt::format("--vary {}: empty LIST", shown));
  std::set<std::string> seen;
  auto add = [&](json v) {
    if (seen.insert(v.dump()).second) ax.values.push_back(std::move(v));
  };
  for (const std::string& item : split_list(list)) {
    const std::string_view s = trim(item);
    if (s.empty()) throw InputError(fmt::format("--vary {}: empty item in LIST", shown));
    long long lo = 0, hi = 0;
    if (parse_range(s, lo, hi)) {
      if (lo > hi)
        throw InputError(fmt::format("--vary {}: the range {} is empty (expected a..b with a <= b)", shown, excerpt(s)));
      if (hi - lo >= kMaxRange) throw InputError(fmt::format("--vary {}: the range {} is too large", shown, excerpt(s)));
      for (long long v = lo; v <= hi; ++v) add(json(v));
      continue;
    }
    json v = json::parse(item, nullptr, false);
    if (v.is_discarded()) v = item;  // like --set: not JSON, so a string
    add(std::move(v));
  }
  return ax;
}

std::vector<Level> parse_levels(std::string_view text) {
  std::vector<Level> out;
  auto add = [&](Level l) {
    if (std::find(out.begin(), out.end(), l) == out.end()) out.push_back(l);
  };
  if (trim(text).empty()) throw InputError("--levels: empty LIST; expected level names or all");
  for (std::string_view raw : split_simple(text, ',')) {
    std::string s(trim(raw));
    std::replace(s.begin(), s.end(), '-', '_');
    if (s == "all") {
      for (int i = 0; i < kLevelCount; ++i) add(static_cast<Level>(i));
      continue;
    }
    Level l;
    if (!parse_level(s, l)) {
      const std::string near = nearest_name(s, all_level_names());
      throw InputError(fmt::format("--levels {}: unknown level \"{}\"{}; expected {} or all", excerpt(text), excerpt(s),
                                   near.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", near),
                                   level_list({Level::eventual, Level::strong, Level::read_your_writes,
                                               Level::monotonic_reads, Level::causal, Level::leader})));
    }
    add(l);
  }
  return out;
}

Shard parse_shard(std::string_view text) {
  const std::size_t slash = text.find('/');
  long long i = 0, n = 0;
  if (slash == std::string_view::npos || !parse_ll(text.substr(0, slash), i) || !parse_ll(text.substr(slash + 1), n) ||
      n < 1 || i < 1 || i > n || n > static_cast<long long>(kMaxShards))
    throw InputError(fmt::format("--shard {}: expected I/N with 1 <= I <= N <= {}, e.g. 2/8", excerpt(text), kMaxShards));
  return Shard{static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(n)};
}

std::string shard_text(const Shard& s) { return fmt::format("{}/{}", s.index, s.count); }

std::string level_list(const std::vector<Level>& ls) {
  std::string s;
  for (Level l : ls) s += fmt::format("{}{}", s.empty() ? "" : ",", to_string(l));
  return s;
}

}  // namespace consim::sweep
