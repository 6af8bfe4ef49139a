#include "sim/world/keyspace.h"

#include <fmt/format.h>

namespace consim {

Key KeySpace::add_probe_keys(std::uint32_t count) {
  const Key first = size();
  for (std::uint32_t i = 0; i < count; ++i) names_.push_back(fmt::format("probe-{}", i));
  return first;
}

Key KeySpace::intern(std::string_view name) {
  // "k<digits>" naming a workload key, spelled exactly as the workload does.
  if (name.size() >= 2 && name[0] == 'k' && name.size() <= 11) {
    std::uint64_t idx = 0;
    bool digits = true;
    for (std::size_t i = 1; i < name.size(); ++i) {
      if (name[i] < '0' || name[i] > '9') {
        digits = false;
        break;
      }
      idx = idx * 10 + static_cast<std::uint64_t>(name[i] - '0');
    }
    if (digits && idx < workload_keys_ && name == fmt::format("k{}", idx)) return static_cast<Key>(idx);
  }
  const auto it = named_.find(name);
  if (it != named_.end()) return it->second;
  const Key k = size();
  names_.emplace_back(name);
  named_.emplace(std::string(name), k);
  return k;
}

Value KeySpace::intern_text(std::string text) {
  const Value v = kTextBit | texts_.size();
  text_bytes_ += text.size();
  texts_.push_back(std::move(text));
  return v;
}

std::string KeySpace::name(Key k) const {
  if (k < workload_keys_) return fmt::format("k{}", k);
  const std::size_t i = k - workload_keys_;
  if (i < names_.size()) return names_[i];
  return fmt::format("key#{}", k);
}

std::string KeySpace::value_text(const Record& r) const {
  if (r.version.is_zero()) return "(none)";
  if (r.tombstone) return "(deleted)";
  if (r.value & kTextBit) {
    const std::size_t i = r.value & ~kTextBit;
    if (i < texts_.size()) return texts_[i];
  }
  return fmt::format("v{}", r.value);
}

}  // namespace consim
