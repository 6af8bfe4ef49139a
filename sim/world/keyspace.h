// sim/world/keyspace.h: the names of keys and the text of values.
//
// core/ sees keys as small dense integers and values as opaque 64-bit
// payloads. The key space maps them to what people (and the report, the
// trace, the diagrams) read:
//   - workload keys "k0" .. "k<n-1>" take ids 0 .. n-1;
//   - probe keys "probe-0" .. follow;
//   - every other name (a scripted operation's key) gets the next id on its
//     first use; a scripted "k<i>" with i < n is workload key i.
// Values: a written text (a scripted put) is kept and named by a value with
// the top bit set; every other value is a counter ("v1", "v2", ...).
// Ids and values depend only on the order of the calls, never on a hash.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"

namespace consim {

class KeySpace {
 public:
  // Workload keys k0 .. k<workload_keys - 1> are ids 0 .. workload_keys - 1.
  explicit KeySpace(std::uint32_t workload_keys = 0) : workload_keys_(workload_keys) {}

  // Appends `count` probe keys "probe-0" ..; returns the first one's id.
  Key add_probe_keys(std::uint32_t count);

  // The id of a named key: a workload key for "k<i>" with i < workload keys
  // (exactly that spelling), else the named key's id, new on first use.
  Key intern(std::string_view name);

  // How many named keys intern() has added (beyond the workload and probe
  // keys), and whether `name` is one already: for callers that bound them.
  std::size_t named() const { return named_.size(); }
  bool is_named(std::string_view name) const { return named_.find(name) != named_.end(); }

  // A value standing for `text` (what a client wrote).
  Value intern_text(std::string text);
  // The bytes of every text intern_text() has kept.
  std::size_t text_bytes() const { return text_bytes_; }
  // A fresh counter value: 1, 2, 3, ... in call order.
  Value next_value() { return next_value_++; }

  std::uint32_t size() const { return workload_keys_ + static_cast<std::uint32_t>(names_.size()); }
  std::uint32_t workload_keys() const { return workload_keys_; }
  std::string name(Key k) const;
  // "(none)" for a version never written, "(deleted)" for a tombstone, the
  // written text, or "v<value>".
  std::string value_text(const Record& r) const;

 private:
  static constexpr Value kTextBit = Value{1} << 63;
  std::uint32_t workload_keys_ = 0;
  std::vector<std::string> names_;      // ids workload_keys_ ..
  std::map<std::string, Key, std::less<>> named_;  // lookups only, never iterated into an output
  std::vector<std::string> texts_;
  std::size_t text_bytes_ = 0;
  Value next_value_ = 1;
};

}  // namespace consim
