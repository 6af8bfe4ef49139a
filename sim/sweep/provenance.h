// sim/sweep/provenance.h: a sweep's provenance, the JSON file beside its
// tables.
//
// `consim sweep --meta-output FILE.json` writes one JSON object saying what
// made the tables (docs/sweep.md, "Provenance"):
//   format     "consim-sweep-meta v1"
//   consim     {version, commit}: the build (sim/version.h)
//   sweep      {hash, points, seeds, levels, probe_levels, vary, shard}:
//              the grid's hash is the one in shard and partial files; shard
//              is "I/N" ("1/1" unsharded)
//   scenario   {name, source, definition}: definition is the scenario JSON
//              after --set and --seed, before --vary, W and R (what the hash
//              covers)
//   tables     one member per table written, in table order: {file, columns};
//              file is the path as given ("-" for standard output), columns
//              the table's columns in order, each {name, type, unit, pandas}
//              with the --vary placeholder expanded to the PATHs (type "as
//              given", pandas null: its dtype is the values' own)
// A pure function of the grid and the options: the same sweep gives the same
// bytes (nothing of the wall clock, the host or --jobs). No I/O.
#pragma once

#include <array>
#include <string>

#include "sim/sweep/grid.h"
#include "sim/sweep/lists.h"
#include "sim/sweep/table.h"

namespace consim::sweep {

// The dtype pandas.read_csv infers for a column of documented type `type`
// ("integer" -> "int64", "decimal" -> "float64", "0 or 1" -> "int64",
// "text" and "decimal or `never`" -> "object"); "" for "as given".
std::string_view pandas_dtype(std::string_view type);

// The provenance JSON text (pretty-printed, "\n"-terminated). outputs[t] is
// table t's path as given, "" when not written.
std::string provenance_json(const Grid& g, const SweepOptions& opt, Shard shard,
                            const std::array<std::string, kTableCount>& outputs);

}  // namespace consim::sweep
