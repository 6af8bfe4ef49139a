#include "sim/sweep/files.h"

#include <cmath>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "sim/io/input.h"
#include "sim/io/output.h"
#include "sim/io/wallclock.h"
#include "sim/sweep/pool.h"
#include "sim/sweep/text.h"

namespace consim::sweep {

namespace {

using text::lines_of;
using text::parse_ll;
using text::split_simple;

// The leading "point," field of a shard or partial row.
bool split_point(std::string_view line, std::size_t& point, std::string_view& rest) {
  const std::size_t c = line.find(',');
  if (c == std::string_view::npos) return false;
  long long v = 0;
  if (!parse_ll(line.substr(0, c), v) || v < 0) return false;
  point = static_cast<std::size_t>(v);
  rest = line.substr(c + 1);
  return true;
}

struct Tag {
  std::string table, hash;
  Shard shard;
  std::size_t points = 0;
  bool partial = false;
};

bool parse_tag(std::string_view line, Tag& t) {
  const std::string_view head = "# consim-sweep v1 ";
  if (line.substr(0, head.size()) != head) return false;
  bool has_table = false, has_hash = false, has_shard = false, has_points = false;
  for (std::string_view tok : split_simple(line.substr(head.size()), ' ')) {
    if (tok.empty()) continue;
    if (tok == "partial") {
      t.partial = true;
    } else if (tok.substr(0, 6) == "table=") {
      t.table = std::string(tok.substr(6));
      has_table = true;
    } else if (tok.substr(0, 6) == "sweep=") {
      t.hash = std::string(tok.substr(6));
      has_hash = true;
    } else if (tok.substr(0, 6) == "shard=") {
      try {
        t.shard = parse_shard(tok.substr(6));
      } catch (const InputError&) {
        return false;
      }
      has_shard = true;
    } else if (tok.substr(0, 7) == "points=") {
      long long v = 0;
      if (!parse_ll(tok.substr(7), v) || v < 0) return false;
      t.points = static_cast<std::size_t>(v);
      has_points = true;
    }
  }
  return has_table && has_hash && has_shard && has_points;
}

}  // namespace

std::array<std::string, kTableCount> run_sweep_text(const Grid& g, unsigned jobs, Shard shard) {
  std::vector<std::size_t> pts;
  for (const GridPoint& p : g.points)
    if (shard.contains(p.index)) pts.push_back(p.index);
  std::array<std::map<std::size_t, std::string>, kTableCount> rows;
  run_points(g, pts, jobs, [&](std::size_t p, const PointRows& r) {
    for (int t = 0; t < kTableCount; ++t) rows[t][p] = r[t];
  });
  std::array<std::string, kTableCount> out;
  for (int t = 0; t < kTableCount; ++t) out[t] = final_text(g, static_cast<Table>(t), shard, shard.count > 1, rows[t]);
  return out;
}

std::string file_tag(const Grid& g, Table t, Shard shard, bool partial) {
  return fmt::format("# consim-sweep v1 table={} sweep={} shard={} points={}{}", to_string(t), g.hash,
                     shard_text(shard), g.points.size(), partial ? " partial" : "");
}

std::string final_text(const Grid& g, Table t, Shard shard, bool sharded, const std::map<std::size_t, std::string>& rows) {
  std::string out;
  if (sharded) out += file_tag(g, t, shard, false) + "\n";
  out += table_header(g, t, sharded);
  std::size_t count = 0;
  for (const GridPoint& p : g.points) {
    if (!shard.contains(p.index)) continue;
    auto it = rows.find(p.index);
    if (it == rows.end()) throw std::logic_error(fmt::format("sweep: no rows for point {}", p.index));
    if (!sharded) {
      out += it->second;
      continue;
    }
    bool whole = true;
    for (std::string_view line : lines_of(it->second, whole)) {
      out += fmt::format("{},{}\n", p.index, line);
      ++count;
    }
  }
  if (sharded) out += fmt::format("# end rows={}\n", count);
  return out;
}

std::string partial_block(std::size_t point, const std::string& rows) {
  std::string out;
  bool whole = true;
  for (std::string_view line : lines_of(rows, whole)) out += fmt::format("{},{}\n", point, line);
  out += fmt::format("# done {}\n", point);
  return out;
}

std::map<std::size_t, std::string> parse_partial(const Grid& g, Table t, Shard shard, const std::string& text,
                                                 const std::string& name) {
  bool whole = true;
  const std::vector<std::string_view> lines = lines_of(text, whole);
  std::map<std::size_t, std::string> out;
  if (lines.empty()) return out;  // killed before the header was written
  const std::string tag = file_tag(g, t, shard, true);
  if (lines[0] != tag) {
    Tag got;
    if (!parse_tag(lines[0], got))
      throw InputError(fmt::format("{}: not a consim sweep partial file; remove it or run without --resume", name));
    if (got.hash != g.hash)
      throw InputError(fmt::format("{}: written by a different sweep (sweep={}, this sweep is sweep={}); "
                                   "remove it or run without --resume to start over", name, got.hash, g.hash));
    if (got.table != to_string(t))
      throw InputError(fmt::format("{}: holds the {} table, not the {} table", name, got.table, to_string(t)));
    if (got.shard.index != shard.index || got.shard.count != shard.count)
      throw InputError(fmt::format("{}: written for --shard {}, not {}", name, shard_text(got.shard), shard_text(shard)));
    throw InputError(fmt::format("{}: not a partial file of this sweep (first line \"{}\")", name, lines[0]));
  }
  if (lines.size() < 2) return out;
  std::string header = table_header(g, t, true);
  header.pop_back();
  if (lines[1] != header)
    throw InputError(fmt::format("{}: unexpected CSV header; remove it or run without --resume", name));
  std::string pending;
  std::size_t pending_point = SIZE_MAX;
  for (std::size_t i = 2; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    auto corrupt = [&]() {
      return InputError(fmt::format("{}:{}: corrupt partial file; remove it or run without --resume", name, i + 1));
    };
    if (line.rfind("# done ", 0) == 0) {
      long long v = 0;
      if (!parse_ll(line.substr(7), v) || v < 0) throw corrupt();
      const auto p = static_cast<std::size_t>(v);
      if (p >= g.points.size() || !shard.contains(p) || out.count(p) ||
          (pending_point != SIZE_MAX && pending_point != p))
        throw corrupt();
      out[p] = pending;
      pending.clear();
      pending_point = SIZE_MAX;
      continue;
    }
    std::size_t p = 0;
    std::string_view rest;
    if (!split_point(line, p, rest) || (pending_point != SIZE_MAX && p != pending_point)) throw corrupt();
    pending_point = p;
    pending += std::string(rest) + "\n";
  }
  return out;
}

std::string merge_shards(const std::vector<std::pair<std::string, std::string>>& files) {
  if (files.empty()) throw InputError("merge: no shard files given");
  struct In {
    std::string name;
    Tag tag;
    std::string header;
    std::vector<std::pair<std::size_t, std::string_view>> rows;
  };
  std::vector<In> ins;
  for (const auto& [name, text] : files) {
    In in;
    in.name = name;
    bool whole = true;
    const std::vector<std::string_view> lines = lines_of(text, whole);
    if (lines.empty() || !parse_tag(lines[0], in.tag))
      throw InputError(fmt::format("merge: {}: not a consim sweep shard file (its first line should be "
                                   "\"# consim-sweep v1 ...\"; was it written with --shard?)", name));
    if (in.tag.partial)
      throw InputError(fmt::format("merge: {}: an unfinished partial file; finish its shard (--resume) first", name));
    if (!whole || lines.size() < 3 || lines.back().rfind("# end rows=", 0) != 0)
      throw InputError(fmt::format("merge: {}: truncated (no \"# end\" line); run its shard again", name));
    long long nrows = 0;
    if (!parse_ll(lines.back().substr(11), nrows) || nrows != static_cast<long long>(lines.size()) - 3)
      throw InputError(fmt::format("merge: {}: truncated or edited (row count does not match its \"# end\" line)", name));
    in.header = std::string(lines[1]);
    if (in.header.rfind("point,", 0) != 0)
      throw InputError(fmt::format("merge: {}: unexpected CSV header (expected a leading point column)", name));
    for (std::size_t i = 2; i + 1 < lines.size(); ++i) {
      std::size_t p = 0;
      std::string_view rest;
      if (!split_point(lines[i], p, rest) || p >= in.tag.points || !in.tag.shard.contains(p))
        throw InputError(fmt::format("merge: {}:{}: a row that does not belong to shard {}", name, i + 1,
                                     shard_text(in.tag.shard)));
      in.rows.emplace_back(p, rest);
    }
    ins.push_back(std::move(in));
  }
  const In& first = ins.front();
  std::vector<const In*> by_index(first.tag.shard.count, nullptr);
  for (const In& in : ins) {
    if (in.tag.hash != first.tag.hash)
      throw InputError(fmt::format("merge: {} and {} are shards of different sweeps (sweep={} and sweep={})",
                                   first.name, in.name, first.tag.hash, in.tag.hash));
    if (in.tag.table != first.tag.table)
      throw InputError(fmt::format("merge: {} holds the {} table and {} the {} table", first.name, first.tag.table,
                                   in.name, in.tag.table));
    if (in.tag.shard.count != first.tag.shard.count || in.tag.points != first.tag.points)
      throw InputError(fmt::format("merge: {} is shard {} and {} is shard {}: the sweep was split in different ways",
                                   first.name, shard_text(first.tag.shard), in.name, shard_text(in.tag.shard)));
    if (in.header != first.header)
      throw InputError(fmt::format("merge: {} and {} have different CSV headers", first.name, in.name));
    const In*& slot = by_index[in.tag.shard.index - 1];
    if (slot)
      throw InputError(fmt::format("merge: {} and {} are both shard {}", slot->name, in.name, shard_text(in.tag.shard)));
    slot = &in;
  }
  std::string missing;
  for (std::size_t i = 0; i < by_index.size(); ++i)
    if (!by_index[i]) missing += fmt::format("{}{}/{}", missing.empty() ? "" : ", ", i + 1, by_index.size());
  if (!missing.empty())
    throw InputError(fmt::format("merge: incomplete set of shards: missing {} (got {} of {})", missing, ins.size(),
                                 by_index.size()));

  std::vector<std::vector<std::string_view>> per_point(first.tag.points);
  for (const In& in : ins)
    for (const auto& [p, row] : in.rows) per_point[p].push_back(row);
  std::string out = first.header.substr(6) + "\n";
  for (const auto& rows : per_point)
    for (std::string_view r : rows) {
      out += r;
      out += '\n';
    }
  return out;
}

// ---------------------------------------------------------------- the files of a sweep

namespace {

constexpr std::array<std::string_view, kTableCount> kOutputOption = {"--output", "--window-output", "--probe-output"};

std::string format_duration(double s) {
  if (s < 60) return fmt::format("{:.1f} s", s);
  const long t = std::lround(s);
  if (s < 3600) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}h{:02}m", t / 3600, (t % 3600) / 60);
}

}  // namespace

SweepSummary run_sweep_files(const Grid& g, const FilePlan& plan) {
  const double t0 = wall_seconds();
  SweepSummary sum;
  std::vector<std::size_t> mine;
  for (const GridPoint& p : g.points)
    if (plan.shard.contains(p.index)) mine.push_back(p.index);
  sum.points = mine.size();

  // Every input and output first, before anything is read, run or written:
  // clashes, directories, read-only targets are refused here.
  OutputPlan io(plan.force);
  for (const auto& [path, what] : plan.inputs) io.input(path, what);
  std::array<Output*, kTableCount> out{};
  std::array<Output*, kTableCount> partial{};
  for (int t = 0; t < kTableCount; ++t)
    if (!plan.outputs[t].empty()) out[t] = &io.output(plan.outputs[t], kOutputOption[t]);
  // A partial file for each output that is a file (a pipe or device cannot be resumed).
  for (int t = 0; t < kTableCount; ++t)
    if (out[t] && !out[t]->direct())
      partial[t] = &io.journal(plan.outputs[t] + ".partial", "the partial file");

  // Resume: the points finished in every written table's partial file.
  std::array<std::map<std::size_t, std::string>, kTableCount> rows;
  std::set<std::size_t> done;
  if (plan.resume) done.insert(mine.begin(), mine.end());
  for (int t = 0; t < kTableCount; ++t) {
    if (!out[t]) continue;
    if (!plan.resume || !partial[t] || !partial[t]->existed()) {
      done.clear();
      continue;
    }
    sum.found_partial = true;
    const std::string& name = partial[t]->path();
    rows[t] = parse_partial(g, static_cast<Table>(t), plan.shard, read_input_file(name, kMaxTableBytes, "a partial file"),
                            name);
    std::set<std::size_t> keep;
    for (std::size_t p : done)
      if (rows[t].count(p)) keep.insert(p);
    done.swap(keep);
  }
  sum.resumed = done.size();

  // (Re)write each partial file with what is kept, then append to it.
  for (int t = 0; t < kTableCount; ++t) {
    if (!out[t]) continue;
    std::map<std::size_t, std::string> kept;
    for (std::size_t p : done) kept[p] = rows[t][p];
    rows[t].swap(kept);
    if (!partial[t]) continue;
    const auto table = static_cast<Table>(t);
    std::string initial = file_tag(g, table, plan.shard, true) + "\n" + table_header(g, table, true);
    for (const auto& [p, r] : rows[t]) initial += partial_block(p, r);
    partial[t]->write(initial);
    partial[t]->publish();
  }

  std::vector<std::size_t> todo;
  for (std::size_t p : mine)
    if (!done.count(p)) todo.push_back(p);
  const bool killed = todo.size() > plan.stop_after_points;
  if (killed) todo.resize(plan.stop_after_points);
  sum.runs = todo.size() * g.seeds;

  double last_print = -1;
  auto on_point = [&](std::size_t p, const PointRows& r) {
    for (int t = 0; t < kTableCount; ++t) {
      if (!out[t]) continue;
      if (partial[t]) partial[t]->write(partial_block(p, r[t]));
      rows[t][p] = r[t];
    }
  };
  auto on_run = [&](std::size_t n, std::size_t total) {
    if (!plan.progress) return;
    const double now = wall_seconds() - t0;
    if (n < total && now - last_print < 0.25) return;
    last_print = now;
    const double eta = now / static_cast<double>(n) * static_cast<double>(total - n);
    fmt::print(stderr, "\rconsim sweep: {}/{} runs, {} elapsed, ETA {}    ", n, total, format_duration(now),
               format_duration(eta));
    if (n == total) fmt::print(stderr, "\n");
  };
  run_points(g, todo, plan.jobs, on_point, on_run);
  if (killed) {
    sum.wall_seconds = wall_seconds() - t0;
    return sum;  // the plan keeps the partial files, as a kill would
  }

  // All or none: every table to its temporary file (or held for a pipe),
  // then all renamed together; the partial files go last.
  for (int t = 0; t < kTableCount; ++t)
    if (out[t]) out[t]->write(final_text(g, static_cast<Table>(t), plan.shard, plan.sharded, rows[t]));
  try {
    io.commit();
  } catch (const OutputError& e) {
    std::string kept;
    for (Output* p : partial)
      if (p) kept += fmt::format("{}{}", kept.empty() ? "" : ", ", p->path());
    if (kept.empty()) throw;
    throw OutputError(fmt::format("{} (no output was replaced; the finished points are kept in {}: rerun with "
                                  "--resume once the problem is fixed)",
                                  e.what(), kept));
  }
  sum.finished = true;
  sum.wall_seconds = wall_seconds() - t0;
  return sum;
}

}  // namespace consim::sweep
