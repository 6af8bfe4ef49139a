// consim sweep / merge: grid expansion, seeds, determinism across --jobs and
// --shard, merging, resuming after a kill, bad input; and one end-to-end test
// of the real binary run as separate shard processes.
#include <doctest/doctest.h>

#include "files.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "memory_cap.h"
#include "sim/scenario/load.h"
#include "sim/sweep/sweep.h"

using namespace consim;
using namespace consim::sweep;
using nlohmann::json;

namespace {

const char* kTiny = R"({
  "name": "tiny", "seed": 7, "duration_ms": 300, "drain_ms": 200,
  "cluster": {"nodes": 3, "write_quorum": 2, "read_quorum": 1,
              "heartbeat_interval_ms": 100, "election_timeout_ms": 500},
  "network": {"delay": {"type": "lognormal", "median_ms": 5, "sigma": 0.8}},
  "workload": {"rate_per_s": 300, "clients": 5, "read_fraction": 0.7, "write_fraction": 0.3,
               "keys": 5, "levels": {"eventual": 1, "strong": 1}},
  "probe": {"interval_ms": 100, "delays_ms": [0, 5, 20], "levels": ["eventual"]}
})";

// Split a CSV line at commas, keeping empty fields (also a trailing one).
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out(1);
  for (char c : line) {
    if (c == ',')
      out.emplace_back();
    else
      out.back() += c;
  }
  return out;
}

SweepOptions tiny_options() {
  SweepOptions o;
  o.scenario = json::parse(kTiny);
  o.source = "<tiny>";
  return o;
}

std::vector<long long> resolve(const char* list, std::uint32_t n) { return resolve_quorum_list(parse_quorum_list(list, "--w"), n); }

std::string temp_dir(const char* name) {
  const std::string d = fmt::format("/tmp/consim_test_sweep_{}_{}", name, ::getpid());
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

std::size_t count_lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

}  // namespace

TEST_CASE("sweep LIST parsing: numbers, ranges, all, majority, n") {
  CHECK(resolve("1..5", 3) == std::vector<long long>{1, 2, 3, 4, 5});
  CHECK(resolve("1,2,4", 3) == std::vector<long long>{1, 2, 4});
  CHECK(resolve("all", 5) == std::vector<long long>{1, 2, 3, 4, 5});
  CHECK(resolve("majority", 5) == std::vector<long long>{3});
  CHECK(resolve("majority", 4) == std::vector<long long>{3});
  CHECK(resolve("majority", 1) == std::vector<long long>{1});
  CHECK(resolve("1,n", 7) == std::vector<long long>{1, 7});
  CHECK(resolve(" 2 , 1..3 ", 3) == std::vector<long long>{2, 1, 3});  // order kept, duplicates dropped
  for (const char* bad : {"", "1,,2", "x", "3..1", "1..x", "1.5", "..3", "all,"})
    CHECK_THROWS_AS(parse_quorum_list(bad, "--w"), InputError);

  CHECK(split_list(R"(1,{"a":1,"b":[2,3]},"x,y",[4,5])") ==
        std::vector<std::string>{"1", R"({"a":1,"b":[2,3]})", R"("x,y")", "[4,5]"});

  VaryAxis a = parse_vary("network.loss=0,0.01,0.1");
  CHECK(a.path == "network.loss");
  REQUIRE(a.values.size() == 3);
  CHECK(a.values[1] == json(0.01));
  a = parse_vary("cluster.nodes=3..5,7,3");
  CHECK(a.values == std::vector<json>{3, 4, 5, 7});
  a = parse_vary(R"(network.delay={"type":"constant","ms":1},{"type":"constant","ms":5})");
  CHECK(a.values.size() == 2);
  CHECK(a.values[1]["ms"] == 5);
  a = parse_vary("cluster.election=majority,lowest-alive");
  CHECK(a.values == std::vector<json>{"majority", "lowest-alive"});  // not JSON: strings, like --set
  for (const char* bad : {"=1", "network.loss", "network.loss=", "network.loss=0,,1", "a..b=1",
                          "cluster.write_quorum=1,2", "cluster.nodes=5..3"})
    CHECK_THROWS_AS(parse_vary(bad), InputError);

  CHECK(parse_levels("strong,eventual,strong") == std::vector<Level>{Level::strong, Level::eventual});
  CHECK(parse_levels("read-your-writes") == std::vector<Level>{Level::read_your_writes});
  CHECK(parse_levels("all").size() == kLevelCount);
  CHECK_THROWS_AS(parse_levels("strnog"), InputError);
  CHECK_THROWS_AS(parse_levels(""), InputError);

  CHECK(parse_shard("2/3").index == 2);
  CHECK(parse_shard("2/3").count == 3);
  for (const char* bad : {"0/3", "4/3", "3", "a/b", "1/0", "/3", "1/"}) CHECK_THROWS_AS(parse_shard(bad), InputError);
}

TEST_CASE("sweep grid: --vary products in order, W and R resolved per N") {
  SweepOptions o = tiny_options();
  o.vary.push_back(parse_vary("cluster.nodes=3,5"));
  o.vary.push_back(parse_vary("network.loss=0,0.01"));
  o.w_list = "majority";
  o.r_list = "1,n";
  const Grid g = expand_grid(o);
  REQUIRE(g.points.size() == 8);
  CHECK(g.vary_paths == std::vector<std::string>{"cluster.nodes", "network.loss"});
  CHECK(g.points[0].coords == "cluster.nodes=3;network.loss=0;w=2;r=1");
  CHECK(g.points[1].coords == "cluster.nodes=3;network.loss=0;w=2;r=3");
  CHECK(g.points[2].coords == "cluster.nodes=3;network.loss=0.01;w=2;r=1");
  CHECK(g.points[4].coords == "cluster.nodes=5;network.loss=0;w=3;r=1");
  CHECK(g.points[7].coords == "cluster.nodes=5;network.loss=0.01;w=3;r=5");
  CHECK(g.points[7].scenario.cluster.nodes == 5);
  CHECK(g.points[7].scenario.cluster.write_quorum == 3);
  CHECK(g.points[7].scenario.cluster.read_quorum == 5);
  CHECK(g.points[7].scenario.network.loss == doctest::Approx(0.01));
  for (std::size_t i = 0; i < g.points.size(); ++i) CHECK(g.points[i].index == i);
  // Default levels: those the workload reads at; the probe's for the probe table.
  CHECK(g.levels == std::vector<Level>{Level::eventual, Level::strong});
  CHECK(g.probe_levels == std::vector<Level>{Level::eventual});

  // "all" for W and R: every pair 1..N.
  SweepOptions o2 = tiny_options();
  o2.w_list = "all";
  o2.r_list = "all";
  CHECK(expand_grid(o2).points.size() == 9);
  // Without --w / --r the scenario's quorums are used.
  const Grid g3 = expand_grid(tiny_options());
  REQUIRE(g3.points.size() == 1);
  CHECK(g3.points[0].coords == "w=2;r=1");
}

TEST_CASE("sweep: bad input is refused before anything runs") {
  auto fails = [](SweepOptions o, const std::string& needle) {
    try {
      expand_grid(o);
      FAIL("expected InputError containing: " << needle);
    } catch (const InputError& e) {
      CHECK_MESSAGE(std::string(e.what()).find(needle) != std::string::npos, e.what());
    }
  };
  SweepOptions o = tiny_options();
  o.w_list = "1..4";
  fails(o, "W=4 is outside 1..N with N=3");
  o = tiny_options();
  o.r_list = "0";
  fails(o, "R=0 is outside");
  o = tiny_options();
  o.vary.push_back(parse_vary("cluster.nodes=5,1"));
  o.w_list = "3";  // fine for N=5, not for N=1: the whole grid is checked first
  fails(o, "cluster.nodes=1");
  o = tiny_options();
  o.vary.push_back(parse_vary("cluster.nodez=3,5"));
  fails(o, "unknown field");
  o = tiny_options();
  o.vary.push_back(parse_vary("network.loss=0,lots"));
  fails(o, "network.loss");
  o = tiny_options();
  o.vary.push_back(parse_vary("cluster.nodes=abc"));
  fails(o, "cluster.nodes");
  o = tiny_options();
  o.w_list = "1..2,x";
  fails(o, "\"x\" is not a number");
  o = tiny_options();
  o.vary.push_back(parse_vary("network.loss=0"));
  o.vary.push_back(parse_vary("network.loss=0.1"));
  fails(o, "given twice");
  o = tiny_options();
  o.seeds = 0;
  fails(o, "--seeds");
}

TEST_CASE("sweep seeds: derived from the base seed and the point's coordinates, never its position") {
  const std::uint64_t s = run_seed(7, "w=2;r=1", 0);
  CHECK(s == run_seed(7, "w=2;r=1", 0));
  CHECK(s != run_seed(7, "w=2;r=1", 1));
  CHECK(s != run_seed(7, "w=2;r=2", 0));
  CHECK(s != run_seed(8, "w=2;r=1", 0));

  // The same point in two grids of different order: the same rows.
  SweepOptions a = tiny_options(), b = tiny_options();
  a.w_list = "1,2";
  b.w_list = "3,2,1";
  a.per_seed = b.per_seed = true;
  a.seeds = b.seeds = 2;
  const std::string ta = run_sweep_text(expand_grid(a), 1)[0] + run_sweep_text(expand_grid(a), 1)[4];
  const std::string tb = run_sweep_text(expand_grid(b), 1)[0] + run_sweep_text(expand_grid(b), 1)[4];
  auto rows_with = [](const std::string& text, const std::string& prefix) {
    std::string out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
      if (line.rfind(prefix, 0) == 0) out += line + "\n";
    return out;
  };
  CHECK(!rows_with(ta, "3,2,1,").empty());
  CHECK(rows_with(ta, "3,2,1,") == rows_with(tb, "3,2,1,"));
  CHECK(rows_with(ta, "3,1,1,") == rows_with(tb, "3,1,1,"));
}

TEST_CASE("sweep CSV: five tidy tables, per-seed rows add up to the pooled row, Wilson interval") {
  SweepOptions o = tiny_options();
  o.w_list = "1,2";
  o.vary.push_back(parse_vary("network.delay.median_ms=1,10"));
  o.seeds = 2;
  o.per_seed = true;
  const Grid g = expand_grid(o);
  const auto t = run_sweep_text(g, 2);
  std::istringstream in(t[0]);
  std::string header, row;
  std::getline(in, header);
  CHECK(header ==
        "n,w,r,level,network.delay.median_ms,seeds,reads,answered,stale_reads,stale_rate,stale_rate_ci_low,"
        "stale_rate_ci_high,failed_reads,read_p50_ms,read_p99_ms,strict_quorum,probe_t_below_target_ms");
  // 4 points x 2 levels, one pooled row each.
  CHECK(count_lines(t[0]) == 1 + 4 * 2);
  std::getline(in, row);
  CHECK(row.rfind("3,1,1,eventual,1,2,", 0) == 0);
  CHECK(split_csv(row).size() == 17);
  CHECK(split_csv(row)[15] == "0");  // strict_quorum: W + R = 2 <= 3
  CHECK(t[0].find("\n3,2,1,strong,10,2,") != std::string::npos);
  CHECK(t[1].rfind("n,w,r,level,network.delay.median_ms,delta_lo_ms,delta_hi_ms,reads,stale_reads,stale_rate\n", 0) == 0);
  CHECK(t[1].find(",inf,") != std::string::npos);
  CHECK(t[2].rfind("n,w,r,level,network.delay.median_ms,delay_ms,reads,stale_reads,stale_rate,failed_reads,"
                   "p_consistent,p_within_k2,p_within_k3\n",
                   0) == 0);
  CHECK(count_lines(t[2]) == 1 + 4 * 3);  // one probe level, three delays
  // The writes: one row per point, no level.
  CHECK(t[3].rfind("n,w,r,network.delay.median_ms,seeds,writes,failed_writes,write_p50_ms,write_p99_ms,strict_quorum\n",
                   0) == 0);
  CHECK(count_lines(t[3]) == 1 + 4);
  // The seeds: 4 points x 2 levels x 2 seeds, each row's seed the derived one, below 2^53.
  CHECK(t[4].rfind("n,w,r,level,network.delay.median_ms,seed,seeds,reads,", 0) == 0);
  CHECK(count_lines(t[4]) == 1 + 4 * 2 * 2);
  const std::uint64_t s1 = run_seed(7, "network.delay.median_ms=1;w=1;r=1", 0);
  CHECK(s1 < (std::uint64_t{1} << 53));
  CHECK(t[4].find(fmt::format("\n3,1,1,eventual,1,{},1,", s1)) != std::string::npos);

  // Property: for every (point, level), the seeds' counts add up to the pooled row's.
  std::map<std::string, std::array<std::uint64_t, 4>> pooled, summed;
  auto counts = [](const std::vector<std::string>& f, std::size_t first) {
    return std::array<std::uint64_t, 4>{std::stoull(f[first]), std::stoull(f[first + 1]), std::stoull(f[first + 2]),
                                        std::stoull(f[first + 6])};  // reads, answered, stale_reads, failed_reads
  };
  std::istringstream pin(t[0]), sin(t[4]);
  std::getline(pin, header);
  std::getline(sin, header);
  for (std::string line; std::getline(pin, line);) {
    const auto f = split_csv(line);
    pooled[f[0] + f[1] + f[2] + f[3] + f[4]] = counts(f, 6);
  }
  for (std::string line; std::getline(sin, line);) {
    const auto f = split_csv(line);
    CHECK(f[6] == "1");
    auto& acc = summed[f[0] + f[1] + f[2] + f[3] + f[4]];
    const auto c = counts(f, 7);
    for (int i = 0; i < 4; ++i) acc[i] += c[i];
  }
  CHECK(pooled.size() == 8);
  CHECK(pooled == summed);

  // The interval contains the rate and lies within [0, 1].
  std::istringstream in2(t[0]);
  std::getline(in2, header);
  int checked = 0;
  for (std::string line; std::getline(in2, line);) {
    const std::vector<std::string> f = split_csv(line);
    REQUIRE(f.size() == 17);
    if (f[9].empty()) continue;
    const double rate = std::stod(f[9]), lo = std::stod(f[10]), hi = std::stod(f[11]);
    CHECK(lo <= rate);
    CHECK(rate <= hi);
    CHECK(lo >= 0);
    CHECK(hi <= 1);
    CHECK(hi > lo);
    ++checked;
  }
  CHECK(checked > 0);
}

TEST_CASE("sweep output is the same for any --jobs and any --shard split") {
  SweepOptions o = tiny_options();
  o.w_list = "all";
  o.r_list = "1,majority";
  o.vary.push_back(parse_vary("network.delay.median_ms=1,8"));
  o.seeds = 2;
  o.per_seed = true;
  const Grid g = expand_grid(o);
  REQUIRE(g.points.size() == 12);
  const auto one = run_sweep_text(g, 1);
  const auto two = run_sweep_text(g, 2);
  const auto four = run_sweep_text(g, 4);
  for (int t = 0; t < kTableCount; ++t) {
    CHECK(one[t] == two[t]);
    CHECK(one[t] == four[t]);
  }
  for (std::uint32_t n : {2u, 3u, 5u}) {
    std::array<std::vector<std::pair<std::string, std::string>>, kTableCount> shards;
    for (std::uint32_t i = n; i >= 1; --i) {  // any order of shards
      const auto s = run_sweep_text(g, 2, Shard{i, n});
      for (int t = 0; t < kTableCount; ++t) shards[t].emplace_back(fmt::format("s{}of{}", i, n), s[t]);
    }
    for (int t = 0; t < kTableCount; ++t) CHECK(merge_shards(shards[t]) == one[t]);
  }
}

TEST_CASE("merge refuses shards of another sweep, duplicates, an incomplete set, truncated files") {
  SweepOptions o = tiny_options();
  o.w_list = "1,2,3";
  const Grid g = expand_grid(o);
  o.seeds = 2;  // another sweep: same grid, other seed count
  const Grid other = expand_grid(o);
  CHECK(g.hash != other.hash);
  const std::string s1 = run_sweep_text(g, 1, Shard{1, 2})[0];
  const std::string s2 = run_sweep_text(g, 1, Shard{2, 2})[0];
  const std::string o2 = run_sweep_text(other, 1, Shard{2, 2})[0];
  const std::string w2 = run_sweep_text(g, 1, Shard{2, 2})[1];
  CHECK(merge_shards({{"a", s1}, {"b", s2}}) == run_sweep_text(g, 1)[0]);

  auto refused = [](const std::vector<std::pair<std::string, std::string>>& files, const std::string& needle) {
    try {
      merge_shards(files);
      FAIL("expected InputError containing: " << needle);
    } catch (const InputError& e) {
      CHECK_MESSAGE(std::string(e.what()).find(needle) != std::string::npos, e.what());
    }
  };
  refused({{"a", s1}, {"b", o2}}, "different sweeps");
  refused({{"a", s1}, {"b", s1}, {"c", s2}}, "both shard 1/2");
  refused({{"a", s1}}, "missing 2/2");
  refused({{"a", s1}, {"b", w2}}, "window table");
  refused({{"a", s1}, {"b", s2.substr(0, s2.size() - 5)}}, "truncated");
  std::string dropped = s2;  // a row removed: the count no longer matches
  const std::size_t l2 = dropped.find('\n', dropped.find('\n') + 1);
  dropped.erase(l2 + 1, dropped.find('\n', l2 + 1) - l2);
  refused({{"a", s1}, {"b", dropped}}, "row count");
  refused({{"a", s1}, {"b", run_sweep_text(g, 1)[0]}}, "not a consim sweep shard file");
  refused({}, "no shard files");
}

TEST_CASE("sweep --resume after a kill gives the uninterrupted file; a foreign partial file is refused") {
  const std::string dir = temp_dir("resume");
  SweepOptions o = tiny_options();
  o.w_list = "all";
  o.r_list = "all";
  o.seeds = 2;
  const Grid g = expand_grid(o);
  REQUIRE(g.points.size() == 9);

  FilePlan ref;
  ref.outputs = {dir + "/ref.csv", dir + "/ref_window.csv", ""};
  ref.jobs = 2;
  CHECK(run_sweep_files(g, ref).finished);
  CHECK(!std::filesystem::exists(dir + "/ref.csv.partial"));
  const std::string want = slurp(dir + "/ref.csv"), want_w = slurp(dir + "/ref_window.csv");
  CHECK(want == run_sweep_text(g, 1)[0]);

  for (int variant = 0; variant < 3; ++variant) {
    CAPTURE(variant);
    FilePlan p;
    p.outputs = {dir + "/out.csv", dir + "/out_window.csv", ""};
    p.jobs = 2;
    p.stop_after_points = 4;  // "killed" after 4 points
    const SweepSummary k = run_sweep_files(g, p);
    CHECK(!k.finished);
    CHECK(!std::filesystem::exists(dir + "/out.csv"));
    const std::string part = slurp(dir + "/out.csv.partial");
    CHECK(count_lines(part) == 2 + 4 * (2 + 1));  // tag, header; 2 levels + "# done" per point
    if (variant == 1) {
      // Killed in the middle of writing a row of the window file.
      const std::string pw = slurp(dir + "/out_window.csv.partial");
      spit(dir + "/out_window.csv.partial", pw.substr(0, pw.size() - 30));
    }
    if (variant == 2) std::filesystem::remove(dir + "/out_window.csv.partial");  // nothing to reuse

    p.stop_after_points = SIZE_MAX;
    p.resume = true;
    p.jobs = 1;
    const SweepSummary r = run_sweep_files(g, p);
    CHECK(r.finished);
    CHECK(r.resumed == (variant == 0 ? 4u : variant == 1 ? 3u : 0u));
    CHECK(r.runs == (9 - r.resumed) * 2);
    CHECK(slurp(dir + "/out.csv") == want);
    CHECK(slurp(dir + "/out_window.csv") == want_w);
    CHECK(!std::filesystem::exists(dir + "/out.csv.partial"));
    std::filesystem::remove(dir + "/out.csv");
    std::filesystem::remove(dir + "/out_window.csv");
  }

  // A shard's partial file resumes into the shard file.
  FilePlan sp;
  sp.outputs = {dir + "/shard.csv", "", ""};
  sp.shard = Shard{2, 3};
  sp.sharded = true;
  sp.stop_after_points = 1;
  run_sweep_files(g, sp);
  sp.stop_after_points = SIZE_MAX;
  sp.resume = true;
  CHECK(run_sweep_files(g, sp).resumed == 1);
  CHECK(slurp(dir + "/shard.csv") == run_sweep_text(g, 1, Shard{2, 3})[0]);

  // A partial file of another sweep, or of another shard: refused.
  FilePlan p;
  p.outputs = {dir + "/x.csv", "", ""};
  p.stop_after_points = 2;
  run_sweep_files(g, p);
  SweepOptions o2 = tiny_options();
  o2.w_list = "all";
  const Grid g2 = expand_grid(o2);
  p.stop_after_points = SIZE_MAX;
  p.resume = true;
  CHECK_THROWS_WITH_AS(run_sweep_files(g2, p), doctest::Contains("different sweep"), InputError);
  p.shard = Shard{1, 2};
  p.sharded = true;
  CHECK_THROWS_WITH_AS(run_sweep_files(g, p), doctest::Contains("--shard 1/1, not 1/2"), InputError);
  std::filesystem::remove_all(dir);
}

TEST_CASE("consim sweep end to end: shards in separate processes, merged, equal the unsharded file") {
  const std::string dir = temp_dir("e2e");
  spit(dir + "/tiny.json", kTiny);
  const std::string bin = CONSIM_BINARY;
  const std::string common = fmt::format(
      "{} sweep {}/tiny.json --w all --r 1,majority --vary network.delay.median_ms=1,8 --seeds 2 -q", bin,
      dir);
  auto sh = [](const std::string& cmd) {
    const int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  };
  REQUIRE(sh(fmt::format("{} -j 2 -o {}/all.csv --window-output {}/allw.csv --seeds-output {}/allp.csv", common, dir, dir,
                         dir)) == 0);
  for (int i = 1; i <= 3; ++i)
    REQUIRE(sh(fmt::format("{} -j 1 --shard {}/3 -o {}/s{}.csv --window-output {}/w{}.csv --seeds-output {}/p{}.csv", common,
                           i, dir, i, dir, i, dir, i)) == 0);
  REQUIRE(sh(fmt::format("{} merge {}/s3.csv {}/s1.csv {}/s2.csv --output {}/merged.csv", bin, dir, dir, dir, dir)) == 0);
  REQUIRE(sh(fmt::format("{} merge {}/w1.csv {}/w2.csv {}/w3.csv --output {}/mergedw.csv", bin, dir, dir, dir, dir)) == 0);
  REQUIRE(sh(fmt::format("{} merge {}/p2.csv {}/p3.csv {}/p1.csv --output {}/mergedp.csv", bin, dir, dir, dir, dir)) == 0);
  const std::string all = slurp(dir + "/all.csv");
  CHECK(count_lines(all) == 1 + 12 * 2);
  CHECK(count_lines(slurp(dir + "/allp.csv")) == 1 + 12 * 2 * 2);
  CHECK(slurp(dir + "/mergedp.csv") == slurp(dir + "/allp.csv"));
  CHECK(slurp(dir + "/merged.csv") == all);
  CHECK(slurp(dir + "/mergedw.csv") == slurp(dir + "/allw.csv"));

  // Exit code 2 and no output for bad input, and for a bad merge.
  const std::string quiet = " 2>/dev/null";
  CHECK(sh(fmt::format("{} sweep {}/tiny.json --w 4 -o {}/bad.csv{}", bin, dir, dir, quiet)) == 2);
  CHECK(sh(fmt::format("{} sweep {}/tiny.json --vary cluster.nodez=3 -o {}/bad.csv{}", bin, dir, dir, quiet)) == 2);
  CHECK(sh(fmt::format("{} sweep {}/tiny.json --r 1..x -o {}/bad.csv{}", bin, dir, dir, quiet)) == 2);
  CHECK(sh(fmt::format("{} sweep {}/tiny.json --shard 4/3 -o {}/bad.csv{}", bin, dir, dir, quiet)) == 2);
  CHECK(sh(fmt::format("{} sweep {}/tiny.json --vary network.loss=x -o {}/bad.csv{}", bin, dir, dir, quiet)) == 2);
  CHECK(!std::filesystem::exists(dir + "/bad.csv"));
  CHECK(!std::filesystem::exists(dir + "/bad.csv.partial"));
  CHECK(sh(fmt::format("{} merge {}/s1.csv {}/s2.csv -o {}/bad.csv{}", bin, dir, dir, dir, quiet)) == 2);
  CHECK(sh(fmt::format("{} merge {}/s1.csv {}/s1.csv {}/s2.csv {}/s3.csv -o {}/bad.csv{}", bin, dir, dir, dir, dir, dir,
                       quiet)) == 2);
  std::filesystem::remove_all(dir);
}

TEST_CASE("sweep docs: the column tables of docs/sweep.md are the tables' column declarations") {
  // Each table's columns are documented between "<!-- columns:NAME -->" and
  // "<!-- /columns -->". Regenerate with CONSIM_REWRITE_DOCS=1 build/consim_tests -tc='sweep docs*'.
  const std::string path = std::string(CONSIM_SOURCE_DIR) + "/docs/sweep.md";
  std::string doc = slurp(path);
  const bool rewrite = std::getenv("CONSIM_REWRITE_DOCS") && std::string(std::getenv("CONSIM_REWRITE_DOCS")) == "1";
  for (int ti = 0; ti < kTableCount; ++ti) {
    const Table t = static_cast<Table>(ti);
    CAPTURE(to_string(t));
    const std::string open = fmt::format("<!-- columns:{} -->\n", to_string(t));
    const std::string close = "<!-- /columns -->";
    const std::size_t a = doc.find(open);
    REQUIRE_MESSAGE(a != std::string::npos, "docs/sweep.md has no " << open);
    const std::size_t b = doc.find(close, a);
    REQUIRE(b != std::string::npos);
    const std::string want = column_docs_markdown(t);
    if (rewrite) {
      doc.replace(a + open.size(), b - a - open.size(), want);
      continue;
    }
    CHECK_MESSAGE(doc.substr(a + open.size(), b - a - open.size()) == want,
                  "docs/sweep.md's column table is out of date: CONSIM_REWRITE_DOCS=1 build/consim_tests -tc='sweep docs*'");
  }
  if (rewrite) spit(path, doc);

  // Every documented column is in the header, in order (the --vary placeholder aside).
  SweepOptions o = tiny_options();
  o.vary.push_back(parse_vary("network.loss=0"));
  o.per_seed = true;
  const Grid g = expand_grid(o);
  for (int ti = 0; ti < kTableCount; ++ti) {
    const Table t = static_cast<Table>(ti);
    std::string names;
    for (const ColumnDoc& c : column_docs(t))
      names += fmt::format("{}{}", names.empty() ? "" : ",", c.name == "<PATH>" ? "network.loss" : std::string(c.name));
    CHECK(names + "\n" == table_header(g, t, false));
  }
}

namespace {

std::vector<std::string> lines_in(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const std::string& l : lines) s += l + "\n";
  return s;
}

// The index of the first line starting with `prefix` (from `from`).
std::size_t find_line(const std::vector<std::string>& lines, const std::string& prefix, std::size_t from = 0) {
  for (std::size_t i = from; i < lines.size(); ++i)
    if (lines[i].rfind(prefix, 0) == 0) return i;
  FAIL("no line starting with " << prefix);
  return 0;
}

// A block's "# done" line recomputed for the rows given, as a forger would.
std::string forged_done(const Grid& g, Table t, std::size_t point, const std::vector<std::string>& rows) {
  std::string bytes;
  for (const std::string& r : rows) bytes += r + "\n";
  const std::uint64_t sum = fnv1a64(bytes, fnv1a64(fmt::format("{} {} {}\n", g.hash, to_string(t), point)));
  return fmt::format("# done {} rows={} fnv1a64={:016x}", point, rows.size(), sum);
}

}  // namespace

TEST_CASE("sweep --resume: a damaged block of the partial file is run again and said so, never trusted") {
  const std::string dir = temp_dir("damage");
  SweepOptions o = tiny_options();
  o.w_list = "all";
  o.r_list = "all";
  o.seeds = 1;
  const Grid g = expand_grid(o);
  REQUIRE(g.points.size() == 9);
  const std::string want = run_sweep_text(g, 1)[0];
  SweepOptions other_opt = tiny_options();
  other_opt.seeds = 2;
  const Grid other = expand_grid(other_opt);

  struct Case {
    const char* name;
    std::size_t damaged_points;  // blocks set aside
    std::function<void(std::vector<std::string>&)> damage;
  };
  const std::vector<Case> cases = {
      {"garbage row", 1, [](std::vector<std::string>& l) { l.insert(l.begin() + 3, "garbage,1,2,3"); }},
      {"row cut mid-line", 1, [](std::vector<std::string>& l) { l[2] = l[2].substr(0, l[2].size() / 2); }},
      {"edited number", 1,
       [](std::vector<std::string>& l) {
         std::string& row = l[2];
         const std::size_t c = row.find(",eventual,");
         row.replace(c + 10, 1, row[c + 10] == '1' ? "2" : "1");  // the seeds column
       }},
      {"moved row", 2,
       [](std::vector<std::string>& l) {
         const std::size_t d = find_line(l, "# done");
         std::swap(l[d - 1], l[d + 1]);  // last row of one block, first of the next
       }},
      {"forged block (bad checksum)", 0,
       [](std::vector<std::string>& l) {
         l.push_back("8,3,3,3,eventual,1,0,0,0,,,,0,,,0,0,,,1,");
         l.push_back("# done 8 rows=1 fnv1a64=0123456789abcdef");
       }},
      {"forged block (copied from another sweep)", 0,
       [&](std::vector<std::string>& l) {
         const std::vector<std::string> rows = {"8,3,3,3,eventual,1,0,0,0,,,,0,,,0,0,,,1,"};
         l.push_back(rows[0]);
         l.push_back(forged_done(other, Table::main, 8, rows));
       }},
      {"repeated block", 1,
       [](std::vector<std::string>& l) {
         const std::size_t d = find_line(l, "# done");
         const std::vector<std::string> first(l.begin() + 2, l.begin() + static_cast<long>(d) + 1);
         l.insert(l.end(), first.begin(), first.end());
       }},
      {"malformed done line", 1, [](std::vector<std::string>& l) { l[find_line(l, "# done")] = "# done 3"; }},
  };
  for (const Case& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    FilePlan p;
    p.outputs = {dir + "/out.csv", "", ""};
    p.jobs = 1;
    p.stop_after_points = 4;
    REQUIRE(!run_sweep_files(g, p).finished);
    std::vector<std::string> lines = lines_in(slurp(dir + "/out.csv.partial"));
    REQUIRE(lines.size() == 2 + 4 * 3);  // tag, header; 2 levels + "# done" per point
    c.damage(lines);
    spit(dir + "/out.csv.partial", joined(lines));

    std::vector<std::string> notes;
    p.stop_after_points = SIZE_MAX;
    p.resume = true;
    p.note = [&](const std::string& m) { notes.push_back(m); };
    const SweepSummary r = run_sweep_files(g, p);
    CHECK(r.finished);
    CHECK(r.resumed == 4 - c.damaged_points);
    CHECK(slurp(dir + "/out.csv") == want);
    REQUIRE(!notes.empty());
    CHECK_MESSAGE(notes[0].find(dir + "/out.csv.partial:") == 0, notes[0]);
    CHECK(notes[0].find("runs again") != std::string::npos);
    std::filesystem::remove(dir + "/out.csv");
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("merge rejects edited, deleted, moved or forged rows even when the counts add up, naming file and line") {
  SweepOptions o = tiny_options();
  o.w_list = "all";
  o.r_list = "1,2";
  o.seeds = 1;
  const Grid g = expand_grid(o);
  REQUIRE(g.points.size() == 6);
  const std::string s1 = run_sweep_text(g, 1, Shard{1, 2})[0];
  const std::string s2 = run_sweep_text(g, 1, Shard{2, 2})[0];
  REQUIRE(merge_shards({{"s1.csv", s1}, {"s2.csv", s2}}) == run_sweep_text(g, 1)[0]);
  const std::vector<std::string> base = lines_in(s2);
  // The end line rewritten to fit the edited file, as a careful forger would.
  auto with_end = [](std::vector<std::string> l) {
    std::size_t rows = 0, points = 0;
    for (std::size_t i = 2; i + 1 < l.size(); ++i) (l[i].rfind("# done", 0) == 0 ? points : rows) += 1;
    l.pop_back();
    const std::string body = joined(l);
    l.push_back(fmt::format("# end points={} rows={} fnv1a64={:016x}", points, rows, fnv1a64(body)));
    return joined(l);
  };
  auto refused = [&](const std::string& text, const std::string& needle) {
    try {
      merge_shards({{"s1.csv", s1}, {"s2.csv", text}});
      FAIL("expected InputError containing: " << needle);
    } catch (const InputError& e) {
      CHECK_MESSAGE(std::string(e.what()).find(needle) != std::string::npos, e.what());
    }
  };
  std::vector<std::string> l = base;
  // An edited number: counts unchanged.
  l[2].replace(l[2].find(",eventual,1,"), 12, ",eventual,2,");
  refused(with_end(l), "merge: s2.csv:3: the rows of point 1 do not match their checksum");
  // A deleted row, the block's count and the end line adjusted.
  l = base;
  {
    const std::size_t d = find_line(l, "# done");
    l.erase(l.begin() + 2);
    l[d - 1].replace(l[d - 1].find("rows=2"), 6, "rows=1");
  }
  refused(with_end(l), "merge: s2.csv:3: the rows of point 1 do not match their checksum");
  // Rows moved between two blocks, their point column rewritten: every count still adds up.
  l = base;
  {
    const std::size_t d = find_line(l, "# done");
    std::string a = l[d - 1], b = l[d + 1];
    const std::string pa = a.substr(0, a.find(',')), pb = b.substr(0, b.find(','));
    l[d - 1] = pa + b.substr(b.find(','));
    l[d + 1] = pb + a.substr(a.find(','));
  }
  refused(with_end(l), "merge: s2.csv:3: the rows of point 1 do not match their checksum");
  // A whole block deleted, the end line adjusted.
  l = base;
  l.erase(l.begin() + 2, l.begin() + static_cast<long>(find_line(l, "# done")) + 1);
  refused(with_end(l), "merge: s2.csv: the block of point 1 is missing");
  // Blocks swapped.
  l = base;
  {
    const std::size_t d1 = find_line(l, "# done"), d2 = find_line(l, "# done", d1 + 1);
    std::vector<std::string> b1(l.begin() + 2, l.begin() + static_cast<long>(d1) + 1);
    std::vector<std::string> b2(l.begin() + static_cast<long>(d1) + 1, l.begin() + static_cast<long>(d2) + 1);
    std::vector<std::string> m = {l[0], l[1]};
    m.insert(m.end(), b2.begin(), b2.end());
    m.insert(m.end(), b1.begin(), b1.end());
    m.insert(m.end(), l.begin() + static_cast<long>(d2) + 1, l.end());
    l = m;
  }
  refused(with_end(l), "comes after the block of point");
  // A garbage row.
  l = base;
  l.insert(l.begin() + 3, "not,a,row");
  refused(with_end(l), "merge: s2.csv:3: line 4 is not a row");
  // A block forged with a valid checksum (the row edited, the "# done" line
  // recomputed) but the end line left alone: the end checksum catches it.
  l = base;
  {
    const std::size_t d = find_line(l, "# done");
    l[2].replace(l[2].find(",eventual,1,"), 12, ",eventual,2,");
    l[d] = forged_done(g, Table::main, 1, std::vector<std::string>(l.begin() + 2, l.begin() + static_cast<long>(d)));
  }
  refused(joined(l), "does not match the checksum of its \"# end\" line");
  // Format v1 (an older consim).
  l = base;
  l[0].replace(l[0].find("v2"), 2, "v1");
  refused(joined(l), "merge: s2.csv:1: a shard file of format v1");
}

TEST_CASE("sweep budgets: past a budget the sweep is refused before anything runs, exit 2, nothing written (ulimit -v)") {
  // In-process: refused while expanding, before the grid is built.
  SweepOptions o = tiny_options();
  o.seeds = static_cast<std::uint32_t>(kMaxSweepRuns + 1);
  CHECK_THROWS_WITH_AS(expand_grid(o), doctest::Contains("runs"), InputError);
  o = tiny_options();
  o.vary.push_back(parse_vary("seed=1..200000"));
  CHECK_THROWS_WITH_AS(expand_grid(o), doctest::Contains("more than 100000 points"), InputError);
  o = tiny_options();
  o.w_list = "1,2";
  o.seeds = 6'000'000;
  CHECK_THROWS_WITH_AS(expand_grid(o), doctest::Contains("12000000 runs"), InputError);

  // The real binary, memory capped: these ended in std::bad_alloc (exit 1) with a .partial left.
  const std::string dir = temp_dir("budget");
  spit(dir + "/tiny.json", kTiny);
  auto capped = [&](const std::string& args) {
    const std::string cmd = fmt::format("cd '{}' && ({}exec {} sweep tiny.json {} -o s.csv -q) 2>&1", dir, memory_cap(),
                                        CONSIM_BINARY, args);
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string out;
    char buf[4096];
    for (std::size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    const int st = pclose(p);
    return std::make_pair(WIFEXITED(st) ? WEXITSTATUS(st) : -1, out);
  };
  struct Case {
    const char* args;
    const char* says;
  } cases[] = {
      {"--seeds 1000000000", "--seeds 1000000000: out of range"},
      {"--seeds 10000000 --w 1,2", "runs or more"},
      {"--vary seed=1..200000", "more than 100000 points"},
      {"--vary seed=1..20000 --vary network.loss=0,0.01,0.02,0.03,0.04,0.05,0.06,0.07,0.08,0.09", "more than 100000 points"},
      {"--seeds-output p.csv --seeds 200000 --w all --r all", "merge and --resume read"},
      {"--seeds-output p.csv --seeds 1000000 --w all --r all --shard 1/9", "bytes consim merge reads"},
      {"--per-seed", "--seeds-output FILE.csv"},
  };
  for (const Case& c : cases) {
    const std::string args = c.args;
    CAPTURE(args);
    const auto [code, out] = capped(args);
    CHECK(code == 2);
    CHECK_MESSAGE(out.find(c.says) != std::string::npos, out);
    CHECK(!std::filesystem::exists(dir + "/s.csv"));
    CHECK(!std::filesystem::exists(dir + "/s.csv.partial"));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("sweep budgets: the table estimate is an upper bound of what the sweep writes") {
  SweepOptions o = tiny_options();
  o.w_list = "all";
  o.r_list = "1,n";
  o.vary.push_back(parse_vary("network.delay.median_ms=1,20"));
  o.seeds = 3;
  for (bool per_seed : {false, true}) {
    o.per_seed = per_seed;
    const Grid g = expand_grid(o);
    for (Shard s : {Shard{1, 1}, Shard{2, 3}}) {
      const bool sharded = s.count > 1;
      const SweepCost c = estimate_sweep_cost(g, s, sharded, 2);
      const auto text = run_sweep_text(g, 2, s);
      for (int t = 0; t < kTableCount; ++t) {
        CAPTURE(t);
        CHECK(text[t].size() <= c.table_bytes[t]);
        CHECK(c.table_bytes[t] < 8 * text[t].size() + 1024);  // and not absurdly loose
      }
      CHECK(c.runs == c.points * 3);
    }
  }
}

TEST_CASE("sweep provenance: the build, the hash and every table's columns, as the tables' headers have them") {
  SweepOptions o = tiny_options();
  o.vary.push_back(parse_vary("network.loss=0,0.01"));
  o.per_seed = true;
  const Grid g = expand_grid(o);
  std::array<std::string, kTableCount> outputs{};
  for (int t = 0; t < kTableCount; ++t) outputs[t] = fmt::format("t{}.csv", t);
  outputs[static_cast<int>(Table::probe)] = "";  // not written: not listed
  const Shard shard{2, 3};
  const std::string text = provenance_json(g, o, shard, outputs);
  CHECK(text == provenance_json(g, o, shard, outputs));
  const json m = json::parse(text);
  CHECK(m["consim"]["version"] == std::string(CONSIM_VERSION));
  CHECK(m["sweep"]["hash"] == g.hash);
  CHECK(m["sweep"]["shard"] == "2/3");
  CHECK(m["sweep"]["points"] == g.points.size());
  CHECK(m["scenario"]["definition"] == o.scenario);
  CHECK(m["tables"].size() == kTableCount - 1);
  CHECK_FALSE(m["tables"].contains("probe"));
  for (int t = 0; t < kTableCount; ++t) {
    const auto table = static_cast<Table>(t);
    if (outputs[t].empty()) continue;
    const json& entry = m["tables"][std::string(to_string(table))];
    CHECK(entry["file"] == outputs[t]);
    std::string names;
    for (const json& c : entry["columns"]) {
      names += (names.empty() ? "" : ",") + c["name"].get<std::string>();
      // Integer columns load as int64, decimals as float64: the dtype follows the declared type.
      const std::string type = c["type"];
      if (type == "integer") CHECK(c["pandas"] == "int64");
      if (type == "decimal") CHECK(c["pandas"] == "float64");
    }
    CHECK_MESSAGE(names + "\n" == table_header(g, table, false), to_string(table));
  }
}
