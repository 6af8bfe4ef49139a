// sim/io/wallclock.h: the real clock and the process's memory, for timing lines.
//
// The only place in sim/ that reads a real clock. Nothing here feeds back into
// a simulation: wall time is printed on stderr, never into a report.
#pragma once

namespace consim {

double wall_seconds();  // monotonic, arbitrary origin
long peak_rss_kib();    // this process's high-water resident memory

}  // namespace consim
