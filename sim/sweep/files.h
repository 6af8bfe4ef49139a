// sim/sweep/files.h: shard, partial and merge file formats, and the files of a sweep.
//
// The format functions (file_tag ... merge_shards, run_sweep_text) are pure:
// text in, text out. run_sweep_files() is the only function of the sweep
// that touches files. docs/sweep.md documents the formats.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sim/sweep/grid.h"
#include "sim/sweep/lists.h"
#include "sim/sweep/table.h"

namespace consim::sweep {

// ------------------------------------------------------------ formats

// First line of a shard or partial file:
//   # consim-sweep v1 table=main sweep=<hash> shard=I/N points=<total>[ partial]
std::string file_tag(const Grid& g, Table t, Shard shard, bool partial);

// The final text of one table from the rows of the shard's points (all of
// them must be present). Plain CSV for the unsharded sweep (shard 1/1 given
// as sharded=false); shard format otherwise: tag line, header with "point",
// rows, and a last line "# end rows=<count>".
std::string final_text(const Grid& g, Table t, Shard shard, bool sharded,
                       const std::map<std::size_t, std::string>& rows);

// A partial file's block for one finished point: its rows with the point
// column, then "# done <point>".
std::string partial_block(std::size_t point, const std::string& rows);

// Parse a partial file written by the same sweep: the rows of each point
// whose "# done" line is present. An unfinished last block is ignored.
// Throws InputError when the file belongs to another sweep or shard.
std::map<std::size_t, std::string> parse_partial(const Grid& g, Table t, Shard shard, const std::string& text,
                                                 const std::string& name);

// Merge shard files (name, text) into the unsharded CSV. Throws InputError
// for shards of different sweeps or tables, duplicates, an incomplete set,
// a truncated or foreign file.
std::string merge_shards(const std::vector<std::pair<std::string, std::string>>& files);

// For tests: run every point of shard `shard` (run_points) and return each
// table's final text (shard format when shard.count > 1, else plain CSV).
std::array<std::string, kTableCount> run_sweep_text(const Grid& g, unsigned jobs, Shard shard = {});

// ------------------------------------------------------------ the files of a sweep

struct FilePlan {
  std::array<std::string, kTableCount> outputs;  // per Table; "" = not written; "-" = standard output
  std::vector<std::pair<std::string, std::string>> inputs;  // (path, what): never to be written over
  bool force = false;     // replace read-only outputs (--force)
  Shard shard;
  bool sharded = false;   // write shard files (--shard given, even 1/1)
  bool resume = false;    // reuse "<output>.partial" files of the same sweep
  unsigned jobs = 1;
  bool progress = false;  // a progress line on stderr (done/total, elapsed, ETA)
  // Tests: stop after this many points have been appended to the partial
  // files and return without writing the outputs, as a killed sweep would.
  std::size_t stop_after_points = SIZE_MAX;
};

struct SweepSummary {
  std::size_t points = 0;   // grid points in this shard
  std::size_t resumed = 0;  // of which taken from partial files
  std::size_t runs = 0;     // runs done now
  bool found_partial = false;
  bool finished = false;
  double wall_seconds = 0;
};

// Run the sweep with its files, all through one OutputPlan (sim/io/output.h).
// Before anything runs, the outputs, their partial files and plan.inputs are
// declared and checked (InputError: a clash, a directory, a read-only file).
// Each output that is a file gets "<output>.partial", to which a point's
// rows are appended as it finishes (written, not fsynced: it survives a
// kill); pipes and devices get none. At the end every table is written in
// grid order and all outputs are committed together (temporary files
// renamed into place), then the partial files are removed. If the commit
// fails (OutputError), no output is replaced and the partial files stay, so
// --resume can finish the job. With plan.resume, the points found finished in
// every output's partial file are not run again (InputError if a partial
// file belongs to another sweep or shard).
SweepSummary run_sweep_files(const Grid& g, const FilePlan& plan);

}  // namespace consim::sweep
