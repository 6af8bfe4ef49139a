// sim/live/sessions.cpp: sessions and their tokens (sessions.h).
#include "sim/live/sessions.h"

#include <algorithm>

namespace consim::live {

SessionState& SessionTable::open(std::string_view id) {
  if (id.size() > 1 && id.size() <= 11 && id[0] == 's') {
    std::uint64_t n = 0;
    bool digits = true;
    for (char c : id.substr(1)) {
      if (c < '0' || c > '9') {
        digits = false;
        break;
      }
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (digits && n <= UINT32_MAX) {
      auto it = sessions_.find(static_cast<std::uint32_t>(n));
      if (it != sessions_.end()) return it->second;
    }
  }
  if (sessions_.size() >= capacity_ && !order_.empty()) {
    sessions_.erase(order_.front());
    order_.pop_front();
  }
  const std::uint32_t n = next_++;
  SessionState& s = sessions_[n];
  s.number = n;
  order_.push_back(n);
  return s;
}

std::string session_text(const SessionState& s, bool leaderless) {
  std::string t = SessionTable::name(s);
  if (leaderless) return t;
  for (const Version* v : {&s.written, &s.read}) t += "-" + std::to_string(v->term) + "." + std::to_string(v->index);
  return t;
}

namespace {

// "<term>.<index>" -> v; false when malformed.
bool parse_version(std::string_view text, Version& v) {
  const std::size_t dot = text.find('.');
  if (dot == std::string_view::npos) return false;
  std::uint64_t parts[2] = {0, 0};
  const std::string_view halves[2] = {text.substr(0, dot), text.substr(dot + 1)};
  for (int i = 0; i < 2; ++i) {
    if (halves[i].empty() || halves[i].size() > 19) return false;
    for (char c : halves[i]) {
      if (c < '0' || c > '9') return false;
      parts[i] = parts[i] * 10 + static_cast<std::uint64_t>(c - '0');
    }
  }
  v = Version{parts[0], parts[1]};
  return true;
}

}  // namespace

void session_merge(SessionState& s, std::string_view tokens) {
  const std::size_t dash = tokens.find('-');
  if (dash == std::string_view::npos) return;
  Version w, r;
  if (!parse_version(tokens.substr(0, dash), w) || !parse_version(tokens.substr(dash + 1), r)) return;
  s.written = std::max(s.written, w);
  s.read = std::max(s.read, r);
}

Version session_token(const SessionState& s, Level level, Key k, bool leaderless) {
  Version written = s.written, read = s.read;
  if (leaderless) {
    auto it = s.per_key.find(k);
    written = it == s.per_key.end() ? Version{} : it->second.first;
    read = it == s.per_key.end() ? Version{} : it->second.second;
  }
  switch (level) {
    case Level::read_your_writes:
      return written;
    case Level::monotonic_reads:
      return read;
    case Level::causal:
      return std::max(written, read);
    default:
      return Version{};
  }
}

void session_note(SessionState& s, bool is_write, Key k, Version v, bool leaderless) {
  Version& target =
      leaderless ? (is_write ? s.per_key[k].first : s.per_key[k].second) : (is_write ? s.written : s.read);
  target = std::max(target, v);
}

}  // namespace consim::live
