// core/log.h: a node's replicated log, with compaction.
//
// Entries snapshot_index()+1 .. last_index() are held; everything at or
// below snapshot_index() has been compacted away (its effect lives in the
// store) and only the term of the last compacted entry is remembered.
// Index 0 is the empty prefix, of term 0.
//
// An entry is identified by (index, term, lead): `lead` names the leadership
// that created it (Node::Impl::lead_id(): leader id and restart count).
// Without amnesia a term has one leader, so lead adds nothing; after a
// non-durable restart a term number can be reused by a second leadership,
// and (index, term) then no longer identifies an entry: `lead` does.
#pragma once

#include <cassert>
#include <cstdint>

#include "core/ring.h"
#include "core/types.h"

namespace consim {

struct LogEntry {
  std::uint64_t term = 0;
  std::uint64_t lead = 0;  // the leadership that created it (0: unknown)
  Key key = 0;
  Record rec;   // the write; rec.version == {term, index}
  Record undo;  // the key's record on this node before the entry was applied
};

class Log {
 public:
  std::uint64_t snapshot_index() const { return snapshot_index_; }
  std::uint64_t snapshot_term() const { return snapshot_term_; }
  std::uint64_t last_index() const { return snapshot_index_ + entries_.size(); }
  std::uint64_t last_term() const {
    return entries_.empty() ? snapshot_term_ : entries_.back().term;
  }
  std::uint64_t snapshot_lead() const { return snapshot_lead_; }
  std::uint64_t last_lead() const {
    return entries_.empty() ? snapshot_lead_ : entries_.back().lead;
  }
  std::size_t size() const { return entries_.size(); }

  // The entry itself is held (not compacted, not beyond the end).
  bool contains(std::uint64_t i) const {
    return i > snapshot_index_ && i <= last_index();
  }
  // The term of index i is known: held, or exactly the snapshot point.
  bool term_known(std::uint64_t i) const {
    return i >= snapshot_index_ && i <= last_index();
  }
  // REQUIRES: term_known(i).
  std::uint64_t term_at(std::uint64_t i) const {
    assert(term_known(i));
    return i == snapshot_index_ ? snapshot_term_ : entries_[i - snapshot_index_ - 1].term;
  }
  // REQUIRES: term_known(i). The leadership that created entry i.
  std::uint64_t lead_at(std::uint64_t i) const {
    assert(term_known(i));
    return i == snapshot_index_ ? snapshot_lead_ : entries_[i - snapshot_index_ - 1].lead;
  }
  // Our log has index i with term t (false when we cannot tell).
  bool matches(std::uint64_t i, std::uint64_t t) const {
    return term_known(i) && term_at(i) == t;
  }
  // Our log has exactly entry i of term t created by leadership `lead`:
  // then our log equals the sender's through i (log matching).
  bool matches(std::uint64_t i, std::uint64_t t, std::uint64_t lead) const {
    return term_known(i) && term_at(i) == t && lead_at(i) == lead;
  }
  // REQUIRES: contains(i).
  const LogEntry& at(std::uint64_t i) const {
    assert(contains(i));
    return entries_[i - snapshot_index_ - 1];
  }

  void append(const LogEntry& e) { entries_.push_back(e); }
  // REQUIRES: size() > 0.
  const LogEntry& back() const { return entries_.back(); }
  void pop_back() { entries_.pop_back(); }

  // Drops the oldest entries until at most `retain` are held, but none
  // above index `upto` (only a committed prefix may be compacted: a
  // compacted entry can no longer be rolled back).
  void compact(std::size_t retain, std::uint64_t upto);
  // Empties the log; the prefix up to `index` (of term `term`, created by
  // leadership `lead`) is a snapshot.
  void reset(std::uint64_t index, std::uint64_t term, std::uint64_t lead);

  // REQUIRES: contains(i). The first held index whose term is term_at(i)
  // (the run of that term may continue into the compacted prefix).
  std::uint64_t first_index_of_term_at(std::uint64_t i) const;
  // The last held index of term t, or 0 if no held entry has term t.
  std::uint64_t last_index_of_term(std::uint64_t t) const;

 private:
  Ring<LogEntry> entries_;  // entries_[0] is index snapshot_index_ + 1
  std::uint64_t snapshot_index_ = 0;
  std::uint64_t snapshot_term_ = 0;
  std::uint64_t snapshot_lead_ = 0;
};

}  // namespace consim
