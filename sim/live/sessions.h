// sim/live/sessions.h: the clients' sessions of a live cluster.
//
// read_your_writes, monotonic_reads and causal need to know who asks. The
// HTTP edge gives every client a session id ("s1", "s2", ...) on its first
// request, as a response header and a cookie (session_text(): in leader
// mode with the tokens, so that another process can serve it); the client
// sends it back (cookie, header or ?session=) and its reads carry the
// session's token:
// the newest version it wrote and the newest it read (leader mode), or per
// key (leaderless mode, where versions order only the writes to one key),
// exactly as the simulator's clients do (sim/world/clients.cpp).
//
// Ids come from a counter, so they are predictable: a session is a
// convenience of a loopback teaching cluster, not a credential. At most
// `capacity` sessions are kept; the oldest is forgotten first.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>

#include "core/types.h"

namespace consim::live {

struct SessionState {
  std::uint32_t number = 0;                            // the n of "s<n>"; the history's process
  Version written, read;                               // leader mode
  std::map<Key, std::pair<Version, Version>> per_key;  // leaderless mode: (written, read)
};

class SessionTable {
 public:
  explicit SessionTable(std::size_t capacity = 100000) : capacity_(capacity) {}

  // The session named `id` if it is known, else a new one (its id: name()).
  SessionState& open(std::string_view id);
  static std::string name(const SessionState& s) { return "s" + std::to_string(s.number); }
  std::size_t size() const { return sessions_.size(); }

 private:
  std::size_t capacity_;
  std::uint32_t next_ = 1;
  std::map<std::uint32_t, SessionState> sessions_;
  std::deque<std::uint32_t> order_;  // oldest first
};

// What the client keeps: "s<n>", and in leader mode the tokens too:
// "s<n>-<term>.<index>-<term>.<index>" (written, read).
std::string session_text(const SessionState& s, bool leaderless);
// Takes the larger of each token and those of `tokens`
// ("<term>.<index>-<term>.<index>", the part after the first '-');
// ignores a malformed one.
void session_merge(SessionState& s, std::string_view tokens);

// The token a read at `level` carries, from session `s` and key `k`.
Version session_token(const SessionState& s, Level level, Key k, bool leaderless);
// An ok answer: a write of version v, or a read of v (zero: nothing read).
void session_note(SessionState& s, bool is_write, Key k, Version v, bool leaderless);

}  // namespace consim::live
