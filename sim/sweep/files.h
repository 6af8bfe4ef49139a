// sim/sweep/files.h: shard, partial and merge file formats, and the files of a sweep.
//
// The format functions (file_tag ... merge_shards, run_sweep_text) are pure:
// text in, text out. run_sweep_files() is the only function of the sweep
// that touches files. docs/sweep.md documents the formats.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/sweep/grid.h"
#include "sim/sweep/lists.h"
#include "sim/sweep/table.h"

namespace consim::sweep {

// ------------------------------------------------------------ formats
//
// Format v2 (docs/sweep.md, "Shard and partial files"). A partial file:
//   # consim-sweep v2 table=<main|window|probe> sweep=<hash> shard=I/N points=<total> partial
//   point,<the table's header>
//   then one block per finished point, in the order points finished:
//   <point>,<row>                         (the point's rows, one per line)
//   # done <point> rows=<k> fnv1a64=<16 hex digits>
// A shard file is the same without the word "partial", its blocks in grid
// order, and a last line
//   # end points=<blocks> rows=<rows> fnv1a64=<16 hex digits>
// A block's checksum is FNV-1a 64 (fnv1a64 below) of "<hash> <table> <point>\n"
// followed by the block's row lines exactly as written, each with its "\n";
// so a block copied from another sweep, table or point does not check out.
// The "# end" checksum is FNV-1a 64 of every byte of the file before it.

// FNV-1a, 64 bits: h = (h XOR byte) * 0x100000001b3 for each byte, from h.
std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t h = 0xcbf29ce484222325ULL);

// First line of a shard or partial file.
std::string file_tag(const Grid& g, Table t, Shard shard, bool partial);

// The final text of one table from the rows of the shard's points (all of
// them must be present; rows as point_rows() makes them). Plain CSV for the
// unsharded sweep (shard 1/1 given as sharded=false); shard format otherwise.
std::string final_text(const Grid& g, Table t, Shard shard, bool sharded,
                       const std::map<std::size_t, std::string>& rows);

// One point's block: its rows with the point column, then its "# done" line.
std::string partial_block(const Grid& g, Table t, std::size_t point, const std::string& rows);

// What a partial file of this sweep holds: the rows (without the point
// column) of every block that checks out, and one message per block that
// does not (a garbage or moved row, an edited number, a forged or repeated
// block, a wrong count or checksum, an unfinished last block), naming the
// file and line. Those points are simply not in `rows`, so they run again.
// Throws InputError when the file is not a partial file of this sweep,
// table and shard (its first two lines): such a file is not ours to rewrite.
struct PartialContent {
  std::map<std::size_t, std::string> rows;
  std::vector<std::string> damaged;
};
PartialContent parse_partial(const Grid& g, Table t, Shard shard, const std::string& text, const std::string& name);

// Merge shard files (name, text) into the unsharded CSV. Throws InputError,
// naming the file and where possible the line, for: a file that is not a
// complete v2 shard file (no "# end" line, a partial file, another format);
// any block that does not check out (edited, deleted, moved or forged rows,
// even when the counts add up); blocks out of grid order, repeated or
// missing; an "# end" line whose counts or checksum do not match; shards of
// different sweeps or tables, split differently, duplicated, or an
// incomplete set.
std::string merge_shards(const std::vector<std::pair<std::string, std::string>>& files);

// For tests: run every point of shard `shard` (run_points) and return each
// table's final text (shard format when shard.count > 1, else plain CSV).
std::array<std::string, kTableCount> run_sweep_text(const Grid& g, unsigned jobs, Shard shard = {});

// ------------------------------------------------------------ the files of a sweep

struct FilePlan {
  std::array<std::string, kTableCount> outputs;  // per Table; "" = not written; "-" = standard output
  std::vector<std::pair<std::string, std::string>> inputs;  // (path, what): never to be written over
  // --meta-output: the provenance file (provenance.h), committed with the
  // tables; "" = not written. meta_text is its content.
  std::string meta_output, meta_text;
  bool force = false;     // replace read-only outputs (--force)
  Shard shard;
  bool sharded = false;   // write shard files (--shard given, even 1/1)
  bool resume = false;    // reuse "<output>.partial" files of the same sweep
  unsigned jobs = 1;
  // Called as runs finish, with (runs done, runs to do); null: nothing. The
  // command line draws its progress line from it (sim/cli/progress.h).
  std::function<void(std::size_t, std::size_t)> progress;
  // Where notes go (a damaged block set aside on --resume); null: stderr, "consim: " first.
  std::function<void(const std::string&)> note;
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
// every output's partial file are not run again; a block that does not check
// out is said so (plan.note) and its point runs again (InputError if a
// partial file belongs to another sweep or shard).
SweepSummary run_sweep_files(const Grid& g, const FilePlan& plan);

}  // namespace consim::sweep
