#include "sim/report/html_svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <set>

#include "sim/report/report.h"
#include "sim/report/run_view.h"

namespace consim {

namespace {

constexpr double kWidth = 1200;  // the pictures' width, px
constexpr double kLeft = 150;    // lane labels
constexpr double kRight = 24;
constexpr double kAxis = 34;                 // the time axis above the lanes
constexpr double kLane = 48;                 // between two lanes of the space-time diagram
constexpr double kRow = 18;                  // one row of a timeline track
constexpr std::size_t kLabelledArrows = 60;  // arrows get a label when at most this many are drawn

using Buf = std::back_insert_iterator<std::string>;

struct Axis {
  Time from, to;
  double x(Time t) const {
    const double span = static_cast<double>(std::max<Time>(1, to - from));
    return kLeft + static_cast<double>(t - from) / span * (kWidth - kLeft - kRight);
  }
  double right() const { return kWidth - kRight; }
};

// A tick step of 1, 2 or 5 times a power of ten, for about 10 ticks.
double tick_step_ms(double span_ms) {
  const double raw = std::max(span_ms, 1e-6) / 10;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (m * p >= raw) return m * p;
  return 10 * p;
}

void axis_svg(Buf out, const Axis& a, double bottom) {
  const double span_ms = static_cast<double>(a.to - a.from) / 1e6;
  const double step = tick_step_ms(span_ms);
  const double from_ms = static_cast<double>(a.from) / 1e6;
  fmt::format_to(out,
                 "<g class=\"axis\"><line x1=\"{:.1f}\" y1=\"{:.1f}\" "
                 "x2=\"{:.1f}\" y2=\"{:.1f}\"/>",
                 kLeft, kAxis - 6, a.right(), kAxis - 6);
  for (double m = std::ceil(from_ms / step) * step; m <= from_ms + span_ms + step * 1e-9; m += step) {
    const Time t = static_cast<Time>(std::llround(m * 1e6));
    const double x = a.x(t);
    fmt::format_to(out,
                   "<line class=\"grid\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" "
                   "y2=\"{:.1f}\"/>"
                   "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>",
                   x, kAxis - 6, x, bottom, x, kAxis - 12, format_ms(t));
  }
  fmt::format_to(out,
                 "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">virtual "
                 "ms</text></g>",
                 kLeft - 24, kAxis - 12);
}

// The colour class of a message kind.
const char* kind_class(const std::string& kind) {
  if (kind.rfind("client_", 0) == 0) return "client";
  if (kind == "append" || kind == "append_reply" || kind == "install_snapshot" || kind == "replica_write" ||
      kind == "replica_write_ack")
    return "repl";
  if (kind == "read_query" || kind == "read_reply" || kind == "replica_read" || kind == "replica_read_reply")
    return "read";
  if (kind == "request_vote" || kind == "vote_reply") return "vote";
  return "other";
}

bool has_key(const std::string& kind) {
  return kind != "request_vote" && kind != "vote_reply" && kind != "sync" && kind != "sync_reply" &&
         kind != "install_snapshot" && kind != "append_reply" && kind.rfind("heartbeat", 0) != 0;
}

std::string ms_text(Time t) { return format_ms(t) + " ms"; }

struct Painter {
  const RunWindow& w;
  const RunView& world;
  const Scenario& sc;
  Axis axis;
  std::map<std::uint64_t, const WindowOp*> op_by_id;

  Painter(const RunWindow& win, const RunView& v)
      : w(win), world(v), sc(v.scenario()), axis{win.from, std::max(win.to, win.from + 1)} {
    for (const WindowOp& o : w.ops) op_by_id.emplace(o.id, &o);
  }

  std::string name(std::uint64_t endpoint) const { return participant_name(sc, endpoint); }
  std::string key(std::uint64_t k) const { return world.key_name(static_cast<Key>(k)); }
  std::string ver(const Version& v) const { return version_text(v, sc); }

  // The value a message carries, as text ("" when the trace does not tell).
  std::string value(const WindowMessage& m) const {
    if (const Record* r = m.version.is_zero() ? nullptr : w.record(m.key, m.version)) return world.value_text(*r);
    if (m.kind == "client_put" || m.kind == "client_delete") {
      const auto it = op_by_id.find(m.op);
      if (it != op_by_id.end() && it->second->outcome != OpOutcome::failed && it->second->ended >= 0)
        return world.value_text(it->second->rec);
    }
    return {};
  }

  // The few words drawn beside an arrow.
  std::string short_label(const WindowMessage& m) const {
    const std::string v = value(m);
    if (m.kind == "client_get" || m.kind == "client_put" || m.kind == "client_delete") {
      const auto it = op_by_id.find(m.op);
      if (m.kind == "client_get")
        return fmt::format("GET {}{}", key(m.key), it != op_by_id.end() ? " (" + it->second->level + ")" : "");
      return m.kind == "client_put" ? fmt::format("PUT {}{}", key(m.key), v.empty() ? "" : "=" + v)
                                    : fmt::format("DELETE {}", key(m.key));
    }
    if (m.kind == "client_reply")
      return m.status == "ok" || m.status == "not_found"
                 ? fmt::format("{} {}", v.empty() ? m.status : v, ver(m.version))
                 : m.status;
    if (m.kind == "append_reply") return m.status == "ok" ? fmt::format("ack {}", m.index) : "append_reply " + m.status;
    std::string s = m.kind;
    if (has_key(m.kind)) s += " " + key(m.key);
    if (!v.empty() && m.kind != "read_query" && m.kind != "replica_read") s += "=" + v;
    if (m.kind == "request_vote" || m.kind == "vote_reply") s += fmt::format(" t{}", m.term);
    if (m.status != "ok") s += " " + m.status;
    return s;
  }

  std::string message_title(const WindowMessage& m) const {
    std::string t = m.kind;
    if (m.duplicate) t += " (duplicate copy)";
    if (has_key(m.kind)) t += fmt::format("\nkey {}", key(m.key));
    const std::string v = value(m);
    if (!v.empty()) t += fmt::format("\nvalue {}", v);
    if (!m.version.is_zero()) t += fmt::format("\nversion {}", ver(m.version));
    t += fmt::format("\nterm {}", m.term);
    if (m.index) t += fmt::format(", index {}", m.index);
    if (m.status != "ok") t += fmt::format("\nstatus {}", m.status);
    t += fmt::format("\n{} -> {}\nsent {}", name(m.from), name(m.to), ms_text(m.sent));
    if (m.end < 0)
      t += ", still in flight at the end of the trace";
    else if (m.dropped)
      t += fmt::format(", dropped {} ({})", ms_text(m.end), m.reason);
    else
      t += fmt::format(", delivered {} ({} in flight)", ms_text(m.end), ms_text(m.end - m.sent));
    return t;
  }
};

}  // namespace

std::vector<std::string> window_keys(const RunWindow& w, const RunView& world) {
  std::set<std::string> keys;
  for (const WindowMessage& m : w.messages)
    if (has_key(m.kind)) keys.insert(world.key_name(static_cast<Key>(m.key)));
  for (const WindowOp& o : w.ops) keys.insert(world.key_name(static_cast<Key>(o.key)));
  return {keys.begin(), keys.end()};
}

std::vector<std::string> window_clients(const RunWindow& w, const RunView& world) {
  std::vector<std::string> out;
  const std::uint32_t n = world.scenario().cluster.nodes;
  for (std::uint64_t ep : w.endpoints)
    if (ep >= n) out.push_back(participant_name(world.scenario(), ep));
  return out;
}

std::string html_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The replies a quorum read used: those its coordinator had when it answered
// the client. A coordinator answers at its q-th answer (its own copy counts
// when it is a replica), so a reply used is one delivered to the coordinator,
// for the read's fan-out, no later than the client_reply it sent. Replica
// messages carry the coordinator's own read id, not the client's op: the
// fan-out (read_query, replica_read) leaves the coordinator at the moment
// the client_get reaches it, which ties the two; a coordinator that got two
// client_gets at the same nanosecond is ambiguous and left unmarked.
struct ReplyUsed {
  std::size_t message = 0;  // index in w.messages
  std::uint64_t op = 0;     // the client's get
};
std::vector<ReplyUsed> replies_used(const RunWindow& w) {
  std::map<std::pair<std::uint64_t, Time>, std::uint64_t> get_at;  // (coordinator, arrival) -> op; 0: ambiguous
  for (const WindowMessage& m : w.messages)
    if (m.kind == "client_get" && !m.dropped && m.end >= 0) {
      const auto [it, fresh] = get_at.emplace(std::make_pair(m.to, m.end), m.op);
      if (!fresh) it->second = 0;
    }
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::uint64_t> read_of;  // (coordinator, read id) -> op
  for (const WindowMessage& m : w.messages)
    if (m.kind == "read_query" || m.kind == "replica_read") {
      const auto it = get_at.find({m.from, m.sent});
      if (it != get_at.end() && it->second != 0) read_of.emplace(std::make_pair(m.from, m.op), it->second);
    }
  std::map<std::pair<std::uint64_t, std::uint64_t>, Time> answered;  // (coordinator, op) -> client_reply sent
  for (const WindowMessage& m : w.messages)
    if (m.kind == "client_reply" && (m.status == "ok" || m.status == "not_found"))
      answered.emplace(std::make_pair(m.from, m.op), m.sent);
  std::vector<ReplyUsed> used;
  for (std::size_t i = 0; i < w.messages.size(); ++i) {
    const WindowMessage& m = w.messages[i];
    if ((m.kind != "read_reply" && m.kind != "replica_read_reply") || m.dropped || m.end < 0) continue;
    const auto r = read_of.find({m.to, m.op});
    if (r == read_of.end()) continue;
    const auto a = answered.find({m.to, r->second});
    if (a != answered.end() && m.end <= a->second) used.push_back({i, r->second});
  }
  return used;
}

std::string space_time_svg(const RunWindow& w, const RunView& world) {
  Painter p(w, world);
  const std::vector<ReplyUsed> used = replies_used(w);
  const std::uint32_t n = p.sc.cluster.nodes;
  std::map<std::uint64_t, double> lane_y;
  for (std::size_t i = 0; i < w.endpoints.size(); ++i)
    lane_y[w.endpoints[i]] = kAxis + 24 + kLane * static_cast<double>(i);
  const double bottom = kAxis + 24 + kLane * static_cast<double>(w.endpoints.size() - 1) + 24;
  const double height = bottom + 10;
  auto y = [&](std::uint64_t ep) {
    const auto it = lane_y.find(ep);
    return it == lane_y.end() ? kAxis : it->second;
  };

  std::size_t dropped = 0;
  for (const WindowMessage& m : w.messages) dropped += m.dropped ? 1 : 0;

  std::string s;
  Buf out(s);
  fmt::format_to(out,
                 "<svg id=\"spacetime\" width=\"{0:.0f}\" height=\"{1:.0f}\" "
                 "viewBox=\"0 0 {0:.0f} {1:.0f}\" data-arrows=\"{2}\" "
                 "data-dropped=\"{3}\" data-stale-marks=\"{4}\" "
                 "data-arrows-cut=\"{5}\" data-stale-marks-cut=\"{9}\" data-heartbeats=\"{6}\" "
                 "data-from-ns=\"{7}\" data-to-ns=\"{8}\" data-plot-x=\"{10:.0f}\" data-plot-w=\"{11:.0f}\" "
                 "data-replies-used=\"{12}\">\n",
                 kWidth, height, w.messages.size(), dropped, w.stale_marks, w.messages_cut, w.heartbeats, w.from, w.to,
                 w.stale_marks_cut, kLeft, kWidth - kLeft - kRight, used.size());
  s += "<defs>";
  for (const char* k : {"client", "repl", "read", "vote", "other"})
    fmt::format_to(out,
                   "<marker id=\"ah-{0}\" viewBox=\"0 0 10 10\" refX=\"10\" "
                   "refY=\"5\" markerWidth=\"7\" "
                   "markerHeight=\"7\" orient=\"auto-start-reverse\"><path "
                   "class=\"head k-{0}\" d=\"M0,0L10,5L0,10z\"/></marker>",
                   k);
  fmt::format_to(out,
                 "<clipPath id=\"plot\"><rect x=\"{:.1f}\" y=\"0\" "
                 "width=\"{:.1f}\" height=\"{:.0f}\"/></clipPath></defs>\n",
                 kLeft, kWidth - kLeft - kRight, height);
  axis_svg(out, p.axis, bottom);
  s += "\n<g clip-path=\"url(#plot)\">\n";

  // Bands: crash..restart and pause..resume shade a node's lane,
  // partition..heal every lane.
  {
    std::map<std::uint64_t, std::pair<Time, std::string>> down;  // node -> since, why
    Time partition = -1;
    std::string partition_detail;
    auto band = [&](double x0, double x1, double y0, double y1, const std::string& cls, const std::string& title) {
      fmt::format_to(out,
                     "<rect class=\"band {}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
                     "height=\"{:.1f}\"><title>{}</title></rect>\n",
                     cls, x0, y0, std::max(1.0, x1 - x0), y1 - y0, html_escape(title));
    };
    for (const WindowMark& mk : w.in_force) {
      if (mk.label == "partition") {
        partition = w.from;
        partition_detail = mk.detail + " (still in force)";
      } else {
        down[mk.endpoints.at(0)] = {w.from, mk.detail + " (still in force)"};
      }
    }
    for (const WindowMark& mk : w.marks) {
      if (mk.kind != WindowMark::Kind::fault) continue;
      if (mk.label == "crash" || mk.label == "pause")
        for (std::uint64_t node : mk.endpoints) down[node] = {mk.t, mk.detail};
      if (mk.label == "restart" || mk.label == "resume")
        for (std::uint64_t node : mk.endpoints) {
          const auto it = down.find(node);
          if (it == down.end()) continue;
          band(p.axis.x(it->second.first), p.axis.x(mk.t), y(node) - 14, y(node) + 14, "down", it->second.second);
          down.erase(it);
        }
      if (mk.label == "partition" && partition < 0) {
        partition = mk.t;
        partition_detail = mk.detail;
      }
      if (mk.label == "heal" && partition >= 0) {
        band(p.axis.x(partition), p.axis.x(mk.t), kAxis, bottom, "partition", partition_detail);
        partition = -1;
      }
    }
    for (const auto& [node, since] : down)
      band(p.axis.x(since.first), p.axis.right(), y(node) - 14, y(node) + 14, "down", since.second);
    if (partition >= 0) band(p.axis.x(partition), p.axis.right(), kAxis, bottom, "partition", partition_detail);
  }

  // Lanes.
  for (std::uint64_t ep : w.endpoints)
    fmt::format_to(out,
                   "<line class=\"lane{}\" x1=\"{:.1f}\" y1=\"{:.1f}\" "
                   "x2=\"{:.1f}\" y2=\"{:.1f}\"/>\n",
                   ep < n ? " node" : " client", kLeft, y(ep), p.axis.right(), y(ep));

  // Messages.
  const bool labelled = w.messages.size() <= kLabelledArrows;
  for (const WindowMessage& m : w.messages) {
    const char* cls = kind_class(m.kind);
    const double x1 = p.axis.x(m.sent), y1 = y(m.from);
    double x2, y2;
    if (m.end < 0) {
      x2 = p.axis.right();
      y2 = y(m.to);
    } else if (m.dropped) {
      x2 = std::max(p.axis.x(m.end), x1 + 14);
      y2 = (y1 + y(m.to)) / 2;
    } else {
      x2 = p.axis.x(m.end);
      y2 = y(m.to);
    }
    // The client a message serves: its client end, else the client of its operation.
    std::string client;
    if (m.from >= n) {
      client = p.name(m.from);
    } else if (m.to >= n) {
      client = p.name(m.to);
    } else if (m.op) {
      const auto it = p.op_by_id.find(m.op);
      if (it != p.op_by_id.end()) client = p.name(n + it->second->client);
    }
    fmt::format_to(out, "<g class=\"msg k-{}{}{}\" data-kind=\"{}\" data-t=\"{}\"{}{}><title>{}</title>", cls,
                   m.dropped ? " dropped" : "", m.end < 0 ? " inflight" : "", m.kind, m.sent,
                   has_key(m.kind) ? " data-key=\"" + html_escape(p.key(m.key)) + "\"" : std::string(),
                   client.empty() ? std::string() : " data-client=\"" + html_escape(client) + "\"",
                   html_escape(p.message_title(m)));
    fmt::format_to(out, "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"{}/>", x1, y1, x2, y2,
                   m.dropped ? "" : fmt::format(" marker-end=\"url(#ah-{})\"", cls));
    if (m.dropped)
      fmt::format_to(out,
                     "<path class=\"cross\" "
                     "d=\"M{0:.1f},{1:.1f}L{2:.1f},{3:.1f}M{0:.1f},{3:.1f}L{2:."
                     "1f},{1:.1f}\"/>",
                     x2 - 5, y2 - 5, x2 + 5, y2 + 5);
    if (labelled) {
      // A request is labelled before it leaves the client, a reply after it
      // reaches it; any other arrow at its middle, if it is long enough.
      const bool request = m.from >= n && m.to < n, reply = m.to >= n && m.from < n;
      const std::string text = html_escape(p.short_label(m));
      if (request)
        fmt::format_to(out, "<text class=\"label\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>", x1 - 3,
                       y1 + 12, text);
      else if (reply && !m.dropped)
        fmt::format_to(out, "<text class=\"label\" x=\"{:.1f}\" y=\"{:.1f}\">{}</text>", x2 + 4, y2 + 12, text);
      else if (std::abs(x2 - x1) >= 70)
        fmt::format_to(out, "<text class=\"label\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>",
                       (x1 + x2) / 2, (y1 + y2) / 2 - 4, text);
    }
    s += "</g>\n";
  }

  // Write quorums: a node acknowledges a write to its client when W copies
  // hold it (leader mode: the leader's own and W-1 followers'; leaderless:
  // the coordinator's W replica acks), so the reply's send is where W was reached.
  for (const WindowMessage& m : w.messages) {
    if (m.kind != "client_reply" || m.status != "ok" || m.from >= n) continue;
    const auto it = p.op_by_id.find(m.op);
    if (it == p.op_by_id.end() || it->second->type == "get") continue;
    const double x = p.axis.x(m.sent), yc = y(m.from);
    fmt::format_to(out,
                   "<g class=\"mark quorum-mark\"><title>W={} reached at {}: {} acknowledges {} {} = {} {}</title>"
                   "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/><text x=\"{:.1f}\" "
                   "y=\"{:.1f}\">W={}</text></g>\n",
                   p.sc.cluster.write_quorum, ms_text(m.sent), p.name(m.from), it->second->type, p.key(m.key),
                   html_escape(world.value_text(it->second->rec)), p.ver(m.version), x, yc - 9, x, yc + 9, x + 3,
                   yc - 10, p.sc.cluster.write_quorum);
  }

  // The replies each quorum read used: a dot where each reached the coordinator.
  for (const ReplyUsed& u : used) {
    const WindowMessage& m = w.messages[u.message];
    const auto it = p.op_by_id.find(u.op);
    const std::string read = it == p.op_by_id.end()
                                 ? "a read"
                                 : fmt::format("{}'s get {} ({})", p.name(it->second->client + p.sc.cluster.nodes),
                                               p.key(it->second->key), it->second->level);
    fmt::format_to(out,
                   "<g class=\"mark reply-mark\" data-op=\"{}\"><title>used by {}: {}'s reply at {}, "
                   "version {}</title><circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\"/></g>\n",
                   u.op, html_escape(read), p.name(m.from), ms_text(m.end), p.ver(m.version), p.axis.x(m.end),
                   y(m.to));
  }

  // Marks.
  for (const WindowMark& mk : w.marks) {
    const double x = p.axis.x(mk.t);
    switch (mk.kind) {
      case WindowMark::Kind::stale: {
        const double yc = y(mk.endpoints.at(0));
        fmt::format_to(out, "<g class=\"mark stale-mark\" data-t=\"{}\" data-client=\"{}\"><title>{}</title>", mk.t,
                       html_escape(p.name(mk.endpoints.at(0))), html_escape(mk.detail));
        if (mk.endpoints.size() > 1)
          fmt::format_to(out,
                         "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" "
                         "y2=\"{2:.1f}\"/>",
                         x, yc, y(mk.endpoints[1]));
        fmt::format_to(out,
                       "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"8\"/><text "
                       "x=\"{:.1f}\" y=\"{:.1f}\">{}</text></g>\n",
                       x, yc, x + 10, yc - 8, html_escape(mk.label));
        break;
      }
      case WindowMark::Kind::role: {
        const double yc = y(mk.endpoints.at(0));
        fmt::format_to(out,
                       "<g class=\"mark role-mark\"><title>{}</title><path "
                       "d=\"M{:.1f},{:.1f}l6,6l-6,6l-6,-6z\"/>"
                       "<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text></g>\n",
                       html_escape(mk.detail), x, yc - 6, x + 8, yc + 18, html_escape(mk.label));
        break;
      }
      case WindowMark::Kind::fault: {
        std::vector<std::uint64_t> lanes = mk.endpoints;
        if (lanes.empty())
          for (std::uint32_t i = 0; i < n; ++i) lanes.push_back(i);
        fmt::format_to(out, "<g class=\"mark fault-mark\"><title>{}</title>", html_escape(mk.detail));
        for (std::uint64_t node : lanes)
          fmt::format_to(out, "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"10\" height=\"10\"/>", x - 5, y(node) - 5);
        fmt::format_to(out, "<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text></g>\n", x + 7, y(lanes.front()) - 8,
                       html_escape(mk.label));
        break;
      }
    }
  }
  s += "</g>\n";

  // Lane labels (outside the clip).
  for (std::uint64_t ep : w.endpoints) {
    const std::string role = ep < n ? w.role_at_start[ep] : std::string();
    fmt::format_to(out,
                   "<text class=\"lane-name\" x=\"{:.1f}\" y=\"{:.1f}\" "
                   "text-anchor=\"end\">{}</text>",
                   kLeft - 10, y(ep) - 1, html_escape(p.name(ep)));
    if (ep < n)
      fmt::format_to(out,
                     "<text class=\"lane-role\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{} at start</text>\n",
                     kLeft - 10, y(ep) + 12, html_escape(role));
  }
  s += "</svg>\n";
  return s;
}

std::string timeline_svg(const RunWindow& w, const RunView& world) {
  Painter p(w, world);
  // Tracks: one per client with operations, rows so that no two bars of a track
  // overlap.
  std::map<std::uint32_t, std::vector<Time>> rows_end;  // client -> each row's last end
  std::vector<std::size_t> row_of(w.ops.size());
  for (std::size_t i = 0; i < w.ops.size(); ++i) {
    const WindowOp& o = w.ops[i];
    std::vector<Time>& rows = rows_end[o.client];
    const Time end = o.ended < 0 ? w.to : std::max(o.ended, o.invoked);
    std::size_t r = 0;
    while (r < rows.size() && rows[r] >= o.invoked) ++r;
    if (r == rows.size()) rows.push_back(end);
    rows[r] = end;
    row_of[i] = r;
  }
  std::map<std::uint32_t, double> track_y;
  double yy = kAxis + 8;
  for (const auto& [client, rows] : rows_end) {
    track_y[client] = yy;
    yy += kRow * static_cast<double>(rows.size()) + 12;
  }
  const double bottom = std::max(yy, kAxis + 30);
  const double height = bottom + 6;

  std::size_t count[4] = {0, 0, 0, 0};
  for (const WindowOp& o : w.ops) ++count[static_cast<int>(o.outcome)];

  std::string s;
  Buf out(s);
  fmt::format_to(out,
                 "<svg id=\"timeline\" width=\"{0:.0f}\" height=\"{1:.0f}\" "
                 "viewBox=\"0 0 {0:.0f} {1:.0f}\" data-operations=\"{2}\" data-ok=\"{3}\" "
                 "data-stale=\"{4}\" "
                 "data-failed=\"{5}\" data-unknown=\"{6}\" data-operations-cut=\"{7}\">\n",
                 kWidth, height, w.ops.size(), count[0], count[1], count[2], count[3], w.ops_cut);
  fmt::format_to(out,
                 "<defs><clipPath id=\"tplot\"><rect x=\"{:.1f}\" y=\"0\" "
                 "width=\"{:.1f}\" height=\"{:.0f}\"/></clipPath></defs>\n",
                 kLeft, kWidth - kLeft - kRight, height);
  axis_svg(out, p.axis, bottom);
  for (const auto& [client, y0] : track_y)
    fmt::format_to(out,
                   "<text class=\"lane-name\" x=\"{:.1f}\" y=\"{:.1f}\" "
                   "text-anchor=\"end\">{}</text>\n",
                   kLeft - 10, y0 + 13, html_escape(p.name(p.sc.cluster.nodes + client)));
  s += "<g clip-path=\"url(#tplot)\">\n";
  static const char* const kOutcome[] = {"ok", "stale", "failed", "unknown"};
  for (std::size_t i = 0; i < w.ops.size(); ++i) {
    const WindowOp& o = w.ops[i];
    const double x1 = p.axis.x(o.invoked);
    const double x2 = o.ended < 0 ? p.axis.right() : std::max(p.axis.x(o.ended), x1 + 2);
    const double y0 = track_y[o.client] + kRow * static_cast<double>(row_of[i]);
    const bool get = o.type == "get";
    std::string what =
        get ? fmt::format("{} {} ({})", o.type, p.key(o.key), o.level) : fmt::format("{} {}", o.type, p.key(o.key));
    std::string title =
        fmt::format("{}: {}\nat {}", p.name(p.sc.cluster.nodes + o.client), what,
                    o.node < 0 ? std::string("its own coordinator") : p.name(static_cast<std::uint64_t>(o.node)));
    std::string label = what;
    switch (o.outcome) {
      case OpOutcome::ok:
      case OpOutcome::stale: {
        const std::string v = world.value_text(o.rec);
        title += fmt::format("\n{} {} {} from {}", o.status, get ? "read" : "wrote", v + " " + p.ver(o.rec.version),
                             p.name(o.served_by));
        label += (get ? " -> " : " = ") + v;
        if (o.outcome == OpOutcome::stale) {
          title += fmt::format("\nSTALE: the newest acknowledged version was {}", p.ver(o.newest_acked));
          if (const Record* r = w.record(o.key, o.newest_acked)) title += fmt::format(" ({})", world.value_text(*r));
          label += " STALE";
        }
        break;
      }
      case OpOutcome::failed:
        title += fmt::format("\nFAILED: {}", o.status);
        label += " failed";
        break;
      case OpOutcome::unknown:
        title += "\nno answer by the end of the trace: unknown";
        label += " ?";
        break;
    }
    title += fmt::format("\ninvoked {}", ms_text(o.invoked));
    if (o.ended >= 0) title += fmt::format(", ended {} ({})", ms_text(o.ended), ms_text(o.ended - o.invoked));
    fmt::format_to(out,
                   "<g class=\"op op-{}\" data-key=\"{}\" data-client=\"{}\" data-t=\"{}\"><title>{}</title>"
                   "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" rx=\"3\"/>",
                   kOutcome[static_cast<int>(o.outcome)], html_escape(p.key(o.key)),
                   html_escape(p.name(p.sc.cluster.nodes + o.client)), o.invoked, html_escape(title), x1, y0,
                   x2 - x1, kRow - 3);
    if (x2 - x1 > 7.0 * static_cast<double>(label.size()))
      fmt::format_to(out, "<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>", x1 + 4, y0 + 11, html_escape(label));
    s += "</g>\n";
  }
  s += "</g>\n</svg>\n";
  return s;
}

}  // namespace consim
