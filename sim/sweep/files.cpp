#include "sim/sweep/files.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "sim/io/input.h"
#include "sim/io/output.h"
#include "sim/io/wallclock.h"
#include "sim/sweep/budget.h"
#include "sim/sweep/pool.h"
#include "sim/sweep/text.h"

namespace consim::sweep {

namespace {

using text::lines_of;
using text::parse_ll;
using text::split_simple;

constexpr std::string_view kMagic = "# consim-sweep v";
constexpr int kFormatVersion = 2;

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
  int version = 0;
  std::string table, hash;
  Shard shard;
  std::size_t points = 0;
  bool partial = false;
};

// The first line. False when it is not a consim sweep file at all; a file of
// another format version parses with its version set (and nothing else).
bool parse_tag(std::string_view line, Tag& t) {
  if (line.substr(0, kMagic.size()) != kMagic) return false;
  const std::size_t sp = line.find(' ', kMagic.size());
  long long v = 0;
  if (!parse_ll(line.substr(kMagic.size(), sp == std::string_view::npos ? std::string_view::npos : sp - kMagic.size()), v) ||
      v < 1)
    return false;
  t.version = static_cast<int>(v);
  if (t.version != kFormatVersion) return true;
  bool has_table = false, has_hash = false, has_shard = false, has_points = false;
  for (std::string_view tok : split_simple(line.substr(sp == std::string_view::npos ? line.size() : sp + 1), ' ')) {
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
      long long n = 0;
      if (!parse_ll(tok.substr(7), n) || n < 0) return false;
      t.points = static_cast<std::size_t>(n);
      has_points = true;
    }
  }
  return has_table && has_hash && has_shard && has_points;
}

// "key=value" tokens after a fixed prefix, e.g. "# done 3 rows=2 fnv1a64=...".
bool field(std::string_view tok, std::string_view key, std::string_view& value) {
  if (tok.size() <= key.size() || tok.substr(0, key.size()) != key || tok[key.size()] != '=') return false;
  value = tok.substr(key.size() + 1);
  return true;
}

bool parse_hex64(std::string_view s, std::uint64_t& out) {
  if (s.size() != 16) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  return ec == std::errc() && p == s.data() + s.size();
}

// "# done <point> rows=<k> fnv1a64=<16 hex>".
struct DoneLine {
  std::size_t point = 0, rows = 0;
  std::uint64_t sum = 0;
};
bool parse_done(std::string_view line, DoneLine& d) {
  const std::vector<std::string_view> tok = split_simple(line, ' ');
  long long p = 0, k = 0;
  std::string_view rows, sum;
  if (tok.size() != 5 || tok[0] != "#" || tok[1] != "done" || !parse_ll(tok[2], p) || p < 0 || !field(tok[3], "rows", rows) ||
      !parse_ll(rows, k) || k < 0 || !field(tok[4], "fnv1a64", sum) || !parse_hex64(sum, d.sum))
    return false;
  d.point = static_cast<std::size_t>(p);
  d.rows = static_cast<std::size_t>(k);
  return true;
}

// "# end points=<m> rows=<n> fnv1a64=<16 hex>".
struct EndLine {
  std::size_t points = 0, rows = 0;
  std::uint64_t sum = 0;
};
bool parse_end(std::string_view line, EndLine& e) {
  const std::vector<std::string_view> tok = split_simple(line, ' ');
  long long m = 0, n = 0;
  std::string_view points, rows, sum;
  if (tok.size() != 5 || tok[0] != "#" || tok[1] != "end" || !field(tok[2], "points", points) || !parse_ll(points, m) ||
      m < 0 || !field(tok[3], "rows", rows) || !parse_ll(rows, n) || n < 0 || !field(tok[4], "fnv1a64", sum) ||
      !parse_hex64(sum, e.sum))
    return false;
  e.points = static_cast<std::size_t>(m);
  e.rows = static_cast<std::size_t>(n);
  return true;
}

// A block's row lines with their point column, each with its "\n".
std::string block_rows(std::size_t point, const std::string& rows) {
  std::string out;
  bool whole = true;
  for (std::string_view line : lines_of(rows, whole)) out += fmt::format("{},{}\n", point, line);
  return out;
}

std::uint64_t block_sum(std::string_view hash, std::string_view table, std::size_t point, std::string_view rows) {
  return fnv1a64(rows, fnv1a64(fmt::format("{} {} {}\n", hash, table, point)));
}

// The lines of one block as found in a file, before its "# done" line.
struct Pending {
  std::size_t first_line = 0;  // 1-based; 0 when empty
  std::vector<std::string_view> lines;
  std::string bytes;  // the lines, each with "\n"
  void add(std::string_view line, std::size_t lineno) {
    if (lines.empty()) first_line = lineno;
    lines.push_back(line);
    bytes.append(line.data(), line.size());
    bytes += '\n';
  }
  void clear() {
    first_line = 0;
    lines.clear();
    bytes.clear();
  }
};

// Why a block does not check out against its "# done" line, or "".
// On success `rows` gets its rows without the point column.
std::string check_block(const Pending& b, const DoneLine& d, std::string_view hash, std::string_view table, std::string& rows) {
  rows.clear();
  for (std::size_t i = 0; i < b.lines.size(); ++i) {
    std::size_t p = 0;
    std::string_view rest;
    if (!split_point(b.lines[i], p, rest))
      return fmt::format("line {} is not a row (\"{}\")", b.first_line + i, excerpt(b.lines[i], 40));
    if (p != d.point)
      return fmt::format("line {} is a row of point {}, inside the block of point {} (a moved row?)", b.first_line + i, p,
                         d.point);
    rows.append(rest.data(), rest.size());
    rows += '\n';
  }
  if (b.lines.size() != d.rows)
    return fmt::format("the row count of the block of point {} does not match its \"# done\" line ({} row(s), the line "
                       "says {})",
                       d.point, b.lines.size(), d.rows);
  if (block_sum(hash, table, d.point, b.bytes) != d.sum)
    return fmt::format("the rows of point {} do not match their checksum (an edited, cut or forged row)", d.point);
  return {};
}

std::string expected_points(const Tag& t) {
  return fmt::format("points 0..{} with p % {} == {}", t.points == 0 ? 0 : t.points - 1, t.shard.count, t.shard.index - 1);
}

}  // namespace

std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t h) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

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
  return fmt::format("{}{} table={} sweep={} shard={} points={}{}", kMagic, kFormatVersion, to_string(t), g.hash,
                     shard_text(shard), g.points.size(), partial ? " partial" : "");
}

std::string partial_block(const Grid& g, Table t, std::size_t point, const std::string& rows) {
  std::string out = block_rows(point, rows);
  bool whole = true;
  const std::size_t k = lines_of(rows, whole).size();
  out += fmt::format("# done {} rows={} fnv1a64={:016x}\n", point, k, block_sum(g.hash, to_string(t), point, out));
  return out;
}

std::string final_text(const Grid& g, Table t, Shard shard, bool sharded, const std::map<std::size_t, std::string>& rows) {
  std::string out;
  if (sharded) out += file_tag(g, t, shard, false) + "\n";
  out += table_header(g, t, sharded);
  std::size_t count = 0, points = 0;
  for (const GridPoint& p : g.points) {
    if (!shard.contains(p.index)) continue;
    auto it = rows.find(p.index);
    if (it == rows.end()) throw std::logic_error(fmt::format("sweep: no rows for point {}", p.index));
    if (!sharded) {
      out += it->second;
      continue;
    }
    bool whole = true;
    count += lines_of(it->second, whole).size();
    ++points;
    out += partial_block(g, t, p.index, it->second);
  }
  if (sharded) out += fmt::format("# end points={} rows={} fnv1a64={:016x}\n", points, count, fnv1a64(out));
  return out;
}

PartialContent parse_partial(const Grid& g, Table t, Shard shard, const std::string& text, const std::string& name) {
  bool whole = true;
  const std::vector<std::string_view> lines = lines_of(text, whole);
  PartialContent out;
  if (lines.empty()) return out;  // killed before the header was written
  const std::string tag = file_tag(g, t, shard, true);
  if (lines[0] != tag) {
    Tag got;
    if (!parse_tag(lines[0], got))
      throw InputError(fmt::format("{}: not a consim sweep partial file; remove it or run without --resume", name));
    if (got.version != kFormatVersion)
      throw InputError(fmt::format("{}: a partial file of format v{} (another consim); this consim reads v{}: remove "
                                   "it or run without --resume to start over",
                                   name, got.version, kFormatVersion));
    if (got.hash != g.hash)
      throw InputError(fmt::format("{}: written by a different sweep (sweep={}, this sweep is sweep={}); "
                                   "remove it or run without --resume to start over", name, got.hash, g.hash));
    if (got.table != to_string(t))
      throw InputError(fmt::format("{}: holds the {} table, not the {} table", name, got.table, to_string(t)));
    if (got.shard.index != shard.index || got.shard.count != shard.count)
      throw InputError(fmt::format("{}: written for --shard {}, not {}", name, shard_text(got.shard), shard_text(shard)));
    throw InputError(fmt::format("{}: not a partial file of this sweep (first line \"{}\")", name, excerpt(lines[0])));
  }
  if (lines.size() < 2) return out;
  std::string header = table_header(g, t, true);
  header.pop_back();
  if (lines[1] != header)
    throw InputError(fmt::format("{}: unexpected CSV header; remove it or run without --resume", name));

  // Every block is checked against its "# done" line; a block that does not
  // check out is set aside (its point runs again), never trusted.
  std::set<std::size_t> rerun;
  Pending block;
  for (std::size_t i = 2; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    const std::size_t lineno = i + 1;
    if (line.rfind("# done", 0) != 0) {
      block.add(line, lineno);
      continue;
    }
    DoneLine d;
    std::string why, rows;
    if (!parse_done(line, d)) {
      why = fmt::format("line {} is a malformed \"# done\" line", lineno);
    } else if (d.point >= g.points.size() || !shard.contains(d.point)) {
      why = fmt::format("point {} is not a point of this shard", d.point);
    } else {
      why = check_block(block, d, g.hash, to_string(t), rows);
      if (why.empty() && (out.rows.count(d.point) || rerun.count(d.point))) {
        why = fmt::format("point {} has a second block", d.point);
        out.rows.erase(d.point);
      }
    }
    if (why.empty()) {
      out.rows[d.point] = std::move(rows);
    } else {
      if (parse_done(line, d) && d.point < g.points.size()) rerun.insert(d.point);
      out.damaged.push_back(fmt::format("{}:{}: {}; that block is not used, its point runs again", name,
                                        block.first_line ? block.first_line : lineno, why));
    }
    block.clear();
  }
  if (!block.lines.empty() || !whole)
    out.damaged.push_back(fmt::format("{}:{}: an unfinished block at the end (the sweep was stopped while writing it); "
                                      "its point runs again",
                                      name, block.first_line ? block.first_line : lines.size() + 1));
  return out;
}

std::string merge_shards(const std::vector<std::pair<std::string, std::string>>& files) {
  if (files.empty()) throw InputError("merge: no shard files given");
  struct In {
    std::string name;
    Tag tag;
    std::string header;
    std::vector<std::pair<std::size_t, std::string>> blocks;  // point, rows without the point column
  };
  std::vector<In> ins;
  for (const auto& file : files) {
    const std::string& name = file.first;  // (not a structured binding: clang 14 cannot capture one)
    const std::string& text = file.second;
    In in;
    in.name = name;
    auto refuse = [&](std::size_t line, const std::string& why) {
      return InputError(line ? fmt::format("merge: {}:{}: {}", name, line, why) : fmt::format("merge: {}: {}", name, why));
    };
    bool whole = true;
    const std::vector<std::string_view> lines = lines_of(text, whole);
    if (lines.empty() || !parse_tag(lines[0], in.tag))
      throw refuse(0, fmt::format("not a consim sweep shard file (its first line should be \"{}{} ...\"; was it "
                                  "written with --shard?)", kMagic, kFormatVersion));
    if (in.tag.version != kFormatVersion)
      throw refuse(1, fmt::format("a shard file of format v{} (another consim); this consim merges v{}: run its shard "
                                  "again", in.tag.version, kFormatVersion));
    if (in.tag.partial) throw refuse(0, "an unfinished partial file; finish its shard (--resume) first");
    EndLine end;
    if (!whole || lines.size() < 3 || lines.back().rfind("# end", 0) != 0 || !parse_end(lines.back(), end))
      throw refuse(0, "truncated (no \"# end\" line); run its shard again");
    in.header = std::string(lines[1]);
    if (in.header.rfind("point,", 0) != 0)
      throw refuse(2, "unexpected CSV header (expected a leading point column)");
    Pending block;
    std::size_t rows_total = 0;
    for (std::size_t i = 2; i + 1 < lines.size(); ++i) {
      const std::size_t lineno = i + 1;
      if (lines[i].rfind("# done", 0) != 0) {
        block.add(lines[i], lineno);
        continue;
      }
      DoneLine d;
      if (!parse_done(lines[i], d)) throw refuse(lineno, "a malformed \"# done\" line");
      if (d.point >= in.tag.points || !in.tag.shard.contains(d.point))
        throw refuse(lineno, fmt::format("point {} does not belong to shard {} ({})", d.point, shard_text(in.tag.shard),
                                         expected_points(in.tag)));
      if (!in.blocks.empty() && d.point <= in.blocks.back().first)
        throw refuse(lineno, fmt::format("the block of point {} comes after the block of point {} (moved or repeated "
                                         "rows?)", d.point, in.blocks.back().first));
      std::string rows;
      const std::string why = check_block(block, d, in.tag.hash, in.tag.table, rows);
      if (!why.empty()) throw refuse(block.first_line ? block.first_line : lineno, why);
      rows_total += block.lines.size();
      in.blocks.emplace_back(d.point, std::move(rows));
      block.clear();
    }
    if (!block.lines.empty()) throw refuse(block.first_line, "rows without a \"# done\" line after them");
    std::size_t expected = 0;
    for (std::size_t p = 0; p < in.tag.points; ++p)
      if (in.tag.shard.contains(p)) ++expected;
    if (in.blocks.size() != expected) {
      std::set<std::size_t> have;
      for (const auto& blk : in.blocks) have.insert(blk.first);
      for (std::size_t p = 0; p < in.tag.points; ++p)
        if (in.tag.shard.contains(p) && !have.count(p))
          throw refuse(0, fmt::format("the block of point {} is missing (deleted rows?); run its shard again", p));
    }
    if (end.points != expected || end.rows != rows_total)
      throw refuse(lines.size(), fmt::format("truncated or edited: the row count does not match its \"# end\" line "
                                             "({} point(s) and {} row(s) found, the line says {} and {})",
                                             in.blocks.size(), rows_total, end.points, end.rows));
    const std::size_t body = text.size() - lines.back().size() - 1;
    if (fnv1a64(std::string_view(text).substr(0, body)) != end.sum)
      throw refuse(lines.size(), "the file does not match the checksum of its \"# end\" line (an edited line?)");
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

  std::vector<const std::string*> per_point(first.tag.points, nullptr);
  for (const In& in : ins)
    for (const auto& [p, rows] : in.blocks) per_point[p] = &rows;
  std::string out = first.header.substr(6) + "\n";
  for (const std::string* rows : per_point)
    if (rows) out += *rows;
  return out;
}

// ---------------------------------------------------------------- the files of a sweep

SweepSummary run_sweep_files(const Grid& g, const FilePlan& plan) {
  const double t0 = wall_seconds();
  SweepSummary sum;
  auto note = [&](const std::string& msg) {
    if (plan.note)
      plan.note(msg);
    else
      fmt::print(stderr, "consim: {}\n", msg);
  };
  std::vector<std::size_t> mine;
  for (const GridPoint& p : g.points)
    if (plan.shard.contains(p.index)) mine.push_back(p.index);
  sum.points = mine.size();

  // The budgets, then every input and output, before anything is read, run or written:
  // clashes, directories, read-only targets are refused here.
  {
    std::array<bool, kTableCount> written{};
    for (int t = 0; t < kTableCount; ++t) written[t] = !plan.outputs[t].empty();
    check_sweep_budget(estimate_sweep_cost(g, plan.shard, plan.sharded, plan.jobs), written);
  }
  OutputPlan io(plan.force);
  for (const auto& [path, what] : plan.inputs) io.input(path, what);
  std::array<Output*, kTableCount> out{};
  std::array<Output*, kTableCount> partial{};
  for (int t = 0; t < kTableCount; ++t)
    if (!plan.outputs[t].empty()) out[t] = &io.output(plan.outputs[t], std::string(output_option(static_cast<Table>(t))));
  Output* meta = plan.meta_output.empty() ? nullptr : &io.output(plan.meta_output, "--meta-output");
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
    PartialContent found =
        parse_partial(g, static_cast<Table>(t), plan.shard, read_input_file(name, kMaxTableBytes, "a partial file"), name);
    for (const std::string& why : found.damaged) note(why);
    rows[t] = std::move(found.rows);
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
    for (const auto& [p, r] : rows[t]) initial += partial_block(g, table, p, r);
    partial[t]->write(initial);
    partial[t]->publish();
  }

  std::vector<std::size_t> todo;
  for (std::size_t p : mine)
    if (!done.count(p)) todo.push_back(p);
  const bool killed = todo.size() > plan.stop_after_points;
  if (killed) todo.resize(plan.stop_after_points);
  sum.runs = todo.size() * g.seeds;

  auto on_point = [&](std::size_t p, const PointRows& r) {
    for (int t = 0; t < kTableCount; ++t) {
      if (!out[t]) continue;
      if (partial[t]) partial[t]->write(partial_block(g, static_cast<Table>(t), p, r[t]));
      rows[t][p] = r[t];
    }
  };
  auto on_run = [&](std::size_t n, std::size_t total) {
    if (plan.progress) plan.progress(n, total);
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
  if (meta) meta->write(plan.meta_text);
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
