// sim/sweep/text.h: the small text helpers the sweep's units share.
//
// Pure functions on strings: no I/O, no allocation beyond their results.
// Used by the list syntax (lists.cpp), the tables (table.cpp) and the file
// formats (files.cpp), so that all three agree on what a number, a field and
// a line are.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace consim::sweep::text {

// `s` without leading and trailing spaces and tabs.
std::string_view trim(std::string_view s);

// A whole decimal integer, optionally with a leading '+' ("-3" is negative;
// "", "3x", "1.5", " 3" are not integers). False when malformed or out of range.
bool parse_ll(std::string_view s, long long& out);

// "a..b" with integers on both sides (spaces around them allowed).
bool parse_range(std::string_view s, long long& lo, long long& hi);

// `s` split at every `sep` (empty pieces kept: "a,,b" gives 3).
std::vector<std::string_view> split_simple(std::string_view s, char sep);

// One CSV field: quoted (RFC 4180, "" for ") when it holds , " CR or LF.
std::string csv_field(std::string_view s);

// The complete lines of `text` (without their '\n'). An unterminated last
// line is not returned; `complete_last` says whether the text ended in '\n'
// (true for empty text). The views point into `text`.
std::vector<std::string_view> lines_of(std::string_view text, bool& complete_last);

}  // namespace consim::sweep::text
