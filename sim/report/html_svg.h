// sim/report/html_svg.h: the two pictures of a run window, as inline SVG.
//
// Both share one time axis (virtual milliseconds, left to right) over the
// window [window.from, window.to] of a RunWindow (sim/report/run_trace.h):
//
// space_time_svg(): the space-time (Lamport) diagram, time-scaled. One lane
//   per node and per client seen in the window, named as the reports name
//   them (participant_name()). Each message is an arrow from its lane at
//   its send time to the receiver's lane at its delivery time, so a slow
//   link is a steep slope; a dropped message ends half-way in a cross; a
//   message never delivered runs to the right edge, dashed. Marks: stale
//   reads (a red ring on the client's lane, joined to the node that
//   answered), role changes, faults (crash and pause shade the node's lane
//   until its restart or resume, a partition the whole diagram until the
//   heal). Each element's <title> is its hover text: kind, key, value,
//   version, term, times.
// timeline_svg(): the operation timeline (Maelstrom's timeline.html): one
//   track per client, each operation a bar from invocation to completion
//   coloured by outcome (ok, stale, failed, unknown: never ended), its
//   details in its <title>.
//
// Messages, operations and stale marks carry data-t (sent, invoked, the
// read's answer: virtual ns), data-key and data-client where they have one
// (a message between nodes: the client of its operation, when known), for
// the page's filters.
// The counts drawn are data- attributes of the <svg> element, for programs:
// space-time: data-arrows (message elements, class "msg"), data-dropped,
// data-stale-marks (class "stale-mark"), data-stale-marks-cut, data-arrows-cut, data-heartbeats
// (heartbeats in the window, not drawn), data-from-ns and data-to-ns (the
// window, virtual ns, both included); timeline: data-operations (class
// "op"), data-ok, data-stale, data-failed, data-unknown, data-operations-cut.
//
// Pure functions of their arguments; they do not fail. Same input, same bytes.
#pragma once

#include <string>
#include <vector>

#include "sim/report/run_trace.h"

namespace consim {

class RunView;

std::string space_time_svg(const RunWindow& window, const RunView& world);
std::string timeline_svg(const RunWindow& window, const RunView& world);

// The names of the keys the window's messages and operations touch, sorted
// (the page's key filter; elements carry theirs in data-key).
std::vector<std::string> window_keys(const RunWindow& window, const RunView& world);

// The names of the clients drawn in the window, in lane order (the page's
// client filter; elements carry theirs in data-client).
std::vector<std::string> window_clients(const RunWindow& window, const RunView& world);

// Text for HTML element content and attribute values: & < > " ' escaped.
std::string html_escape(const std::string& s);

}  // namespace consim
