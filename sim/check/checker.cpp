#include "sim/check/checker.h"

#include <algorithm>

namespace consim {

Checker::Checker(std::uint32_t lost_write_window) : window_(std::max<std::uint32_t>(1, lost_write_window)) {}

void Checker::write_acknowledged(Key key, Version version, Time at, std::uint32_t client) {
  if (key >= keys_.size()) keys_.resize(static_cast<std::size_t>(key) + 1);
  KeyState& ks = keys_[key];
  if (!ks.any || version > ks.newest) {
    ks.newest = version;
    ks.newest_at = at;
  }
  ks.any = true;
  if (ks.ring.size() < window_) {
    ks.ring.push_back(Acked{version, at});
  } else {
    ks.ring[ks.next] = Acked{version, at};
    ks.next = (ks.next + 1) % window_;
  }
  SessionKey& s = sessions_[session_key(client, key)];
  if (version > s.written) s.written = version;
}

Checker::ReadStart Checker::read_invoked(Key key, std::uint32_t client, Time now) const {
  ReadStart st;
  st.invoked = now;
  if (key < keys_.size() && keys_[key].any) {
    st.any_write = true;
    st.newest = keys_[key].newest;
    st.newest_at = keys_[key].newest_at;
  }
  if (const SessionKey* s = sessions_.find(session_key(client, key))) {
    st.own_write = s->written;
    st.own_read = s->read;
  }
  return st;
}

Checker::ReadVerdict Checker::read_answered(Key key, std::uint32_t client, const ReadStart& st, Version got) {
  ReadVerdict v;
  if (st.any_write) {
    v.since_newest = st.invoked - st.newest_at;
    if (got < st.newest) {
      v.stale = true;
      Time oldest = st.newest_at;
      for (const Acked& a : keys_[key].ring) {
        if (a.version > got && a.at <= st.invoked) {
          ++v.versions_behind;
          oldest = std::min(oldest, a.at);
        }
      }
      v.versions_behind = std::max<std::uint64_t>(v.versions_behind, 1);
      v.stale_age = st.invoked - oldest;
    }
  }
  v.read_your_writes_violation = got < st.own_write;
  v.monotonic_violation = got < st.own_read;
  SessionKey& s = sessions_[session_key(client, key)];
  if (got > s.read) s.read = got;
  return v;
}

LostWriteStats Checker::lost_writes(const std::function<Version(Key)>& final_version) const {
  LostWriteStats out;
  for (std::size_t k = 0; k < keys_.size(); ++k) {
    const KeyState& ks = keys_[k];
    if (!ks.any) continue;
    const Version fin = final_version(static_cast<Key>(k));
    for (const Acked& a : ks.ring) {
      ++out.checked;
      if (a.version > fin) ++out.lost;
    }
  }
  return out;
}

void ConvergenceTracker::track(Key key, Version version, Time now, std::uint64_t holders, std::uint64_t live) {
  ++stats_.tracked;
  if ((holders & live) == live) {
    ++stats_.converged;
    stats_.time.record(0);
    return;
  }
  if (key >= keys_.size()) keys_.resize(static_cast<std::size_t>(key) + 1);
  auto& list = keys_[key];
  if (list.size() >= max_pending_) {
    list.erase(list.begin());
    ++stats_.untracked;
  }
  list.push_back(Pending{version, now, holders});
}

void ConvergenceTracker::applied(Key key, Version version, NodeId node, Time now, std::uint64_t live) {
  if (key >= keys_.size()) return;
  auto& list = keys_[key];
  if (list.empty()) return;
  const std::uint64_t bit = 1ULL << node;
  // In place: entries that converge are counted and removed, the others
  // keep their order (moved down only once one before them has gone).
  std::size_t w = 0;
  const std::size_t n = list.size();
  for (std::size_t r = 0; r < n; ++r) {
    Pending& p = list[r];
    const std::uint64_t holders = p.version <= version ? p.holders | bit : p.holders;
    if ((holders & live) == live) {
      ++stats_.converged;
      stats_.time.record(now - p.acked);
      continue;
    }
    p.holders = holders;
    if (w != r) list[w] = p;
    ++w;
  }
  list.resize(w);
}

void ConvergenceTracker::finish(ConvergenceStats& out) {
  for (auto& list : keys_) {
    stats_.unconverged_at_end += list.size();
    list.clear();
  }
  const bool cc = out.cluster_converged;
  const std::uint32_t kd = out.keys_diverged;
  out = stats_;
  out.cluster_converged = cc;
  out.keys_diverged = kd;
}

}  // namespace consim
