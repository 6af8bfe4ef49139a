// consim run --html: the page is self-contained, draws what the run's trace
// holds (arrows, operations, stale marks counted from --trace for the same
// scenario and seed), is the same bytes for the same seed, leaves the other
// outputs as they were, and refuses bad options (exit 2, nothing written).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "files.h"
#include "run_consim.h"
#include "temp_dir.h"

namespace fs = std::filesystem;

namespace {

std::string scenario(const std::string& name) {
  return std::string(CONSIM_SOURCE_DIR) + "/scenarios/classroom/" + name;
}

// The value of attribute `name` of the element whose id is `id`; -1 if absent.
long long attribute(const std::string& page, const std::string& id, const std::string& name) {
  const std::size_t at = page.find("id=\"" + id + "\"");
  if (at == std::string::npos) return -1;
  const std::size_t end = page.find('>', at);
  const std::string tag = page.substr(at, end - at);
  std::smatch m;
  if (!std::regex_search(tag, m, std::regex(" " + name + "=\"(-?[0-9]+)\""))) return -1;
  return std::stoll(m[1]);
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// What the trace says should be drawn for the window [from, to] (ns, both
// included).
struct TraceCounts {
  long long arrows = 0, heartbeats = 0, operations = 0, stale = 0;
};
TraceCounts count_trace(const std::string& trace, long long from, long long to) {
  TraceCounts c;
  std::istringstream in(trace);
  std::string line;
  while (std::getline(in, line)) {
    const nlohmann::json e = nlohmann::json::parse(line);
    const long long t = e.at("t").get<long long>();
    if (t < from || t > to) continue;
    const std::string ev = e.at("ev");
    if (ev == "send" || ev == "duplicate") {
      const std::string kind = e.at("kind");
      (kind == "heartbeat" || kind == "heartbeat_reply" ? c.heartbeats : c.arrows) += 1;
    }
    if (ev == "invoke") ++c.operations;
    if (ev == "complete" && e.at("stale").get<bool>()) ++c.stale;
  }
  return c;
}

// Runs `consim run FILE ARGS --trace T --html P` and checks the page's counts
// against the trace's.
TraceCounts check_counts(const TempDir& d, const std::string& file, const std::string& args) {
  const std::string t = d.file("t.jsonl"), p = d.file("p.html");
  const ConsimResult r =
      run_consim("run " + file + " --quiet " + args + " --trace " + t + " --html " + p + " -o " + d.file("r.txt"));
  REQUIRE(r.code == 0);
  const std::string page = slurp(p);
  const long long from = attribute(page, "spacetime", "data-from-ns"), to = attribute(page, "spacetime", "data-to-ns");
  REQUIRE(from >= 0);
  REQUIRE(to >= from);
  const TraceCounts c = count_trace(slurp(t), from, to);
  const long long arrows = attribute(page, "spacetime", "data-arrows"),
                  cut = attribute(page, "spacetime", "data-arrows-cut");
  CHECK(arrows + cut == c.arrows);
  CHECK(attribute(page, "spacetime", "data-heartbeats") == c.heartbeats);
  const long long stale = attribute(page, "spacetime", "data-stale-marks");
  CHECK(stale + attribute(page, "spacetime", "data-stale-marks-cut") == c.stale);
  const long long ops = attribute(page, "timeline", "data-operations"),
                  ops_cut = attribute(page, "timeline", "data-operations-cut");
  CHECK(ops + ops_cut == c.operations);
  // The elements drawn are those counted.
  CHECK(static_cast<long long>(occurrences(page, "<g class=\"msg ")) == arrows);
  CHECK(static_cast<long long>(occurrences(page, "<g class=\"mark stale-mark\"")) == stale);
  CHECK(static_cast<long long>(occurrences(page, "<g class=\"op op-")) == ops);
  CHECK(attribute(page, "timeline", "data-ok") + attribute(page, "timeline", "data-stale") +
            attribute(page, "timeline", "data-failed") + attribute(page, "timeline", "data-unknown") ==
        ops);
  return c;
}

}  // namespace

TEST_CASE("html: the page is self-contained: no address, no file, no fetch") {
  TempDir d;
  const std::string p = d.file("ex1.html");
  const ConsimResult r = run_consim("run " + scenario("01-step2-exercise1-eventual.json") + " --quiet --html " + p);
  REQUIRE(r.code == 0);
  const std::string page = slurp(p);
  REQUIRE(page.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(page.find("</html>\n") == page.size() - 8);
  for (const char* outside : {"http://", "https://", "src=", "<link", "@import", "fetch(", "XMLHttpRequest", "//cdn"})
    CHECK_MESSAGE(page.find(outside) == std::string::npos, outside);
  CHECK(page.find("<style>") != std::string::npos);
  CHECK(page.find("<script>") != std::string::npos);
  CHECK(page.find("<svg id=\"spacetime\"") != std::string::npos);
  CHECK(page.find("<svg id=\"timeline\"") != std::string::npos);
  // Participants are named as in the text report: the scripted clients are
  // client-1.., the nodes node-1..
  const std::string text = r.out;
  CHECK(text.find("client-2 -> node-3") != std::string::npos);
  CHECK(page.find(">client-2</text>") != std::string::npos);
  CHECK(page.find(">node-3</text>") != std::string::npos);
  // The default window holds Exercise 1's stale read, and its hover tells what
  // was missed.
  CHECK(attribute(page, "spacetime", "data-stale-marks") >= 1);
  CHECK(page.find("STALE read by client-2 of name") != std::string::npos);
  // The report's own numbers: the scripted stale read, and the probe's sample
  // sizes with intervals.
  CHECK(page.find("GET name (eventual)") != std::string::npos);
  CHECK(page.find("class=\"chart probe-chart\"") != std::string::npos);
  CHECK(page.find("95% Wilson interval") != std::string::npos);
}

TEST_CASE("html: arrows, operations and stale marks are those of the run's trace") {
  TempDir d;
  // Exercise 1, the default window (around its first stale read) and a chosen
  // one.
  TraceCounts c = check_counts(d, scenario("01-step2-exercise1-eventual.json"), "");
  CHECK(c.stale >= 1);
  CHECK(c.arrows > 0);
  c = check_counts(d, scenario("01-step2-exercise1-eventual.json"), "--html-from-ms 1000 --html-to-ms 1600");
  CHECK(c.operations > 0);
  // A workload with failover, a partition, leaderless mode: other kinds of
  // message and marks.
  check_counts(d, scenario("07-leader-failover.json"), "--html-from-ms 0 --html-to-ms 400");
  check_counts(d, scenario("06-partition-cap.json"), "");
  check_counts(d, scenario("09b-modes-leaderless.json"), "--html-from-ms 100 --html-to-ms 180");
  // Past the caps: the page draws at most 1500 arrows and 1000 operations and
  // says what it cut.
  c = check_counts(d, scenario("09b-modes-leaderless.json"), "--html-from-ms 0 --html-to-ms 20000");
  const std::string page = slurp(d.file("p.html"));
  if (c.arrows > 1500) {
    CHECK(attribute(page, "spacetime", "data-arrows") == 1500);
    CHECK(page.find("more messages sent in the window are not drawn") != std::string::npos);
  }
  if (c.operations > 1000) CHECK(attribute(page, "timeline", "data-operations") == 1000);
}

TEST_CASE(
    "html: the same seed gives the same bytes, and the other outputs do "
    "not change") {
  TempDir d;
  const std::string ex = scenario("06-partition-cap.json");
  REQUIRE(run_consim("run " + ex + " --quiet --html " + d.file("a.html") + " -o " + d.file("a.txt")).code == 0);
  REQUIRE(run_consim("run " + ex + " --quiet --html " + d.file("b.html") + " --mermaid " + d.file("b.md") + " -o " +
                     d.file("b.txt"))
              .code == 0);
  REQUIRE(run_consim("run " + ex + " --quiet --mermaid " + d.file("c.md") + " -o " + d.file("c.txt")).code == 0);
  const std::string a = slurp(d.file("a.html"));
  CHECK(!a.empty());
  CHECK(a == slurp(d.file("b.html")));
  // The report and the diagram are the bytes they are without --html.
  CHECK(slurp(d.file("a.txt")) == slurp(d.file("c.txt")));
  CHECK(slurp(d.file("b.txt")) == slurp(d.file("c.txt")));
  CHECK(slurp(d.file("b.md")) == slurp(d.file("c.md")));
  // Another seed, another run, another page.
  REQUIRE(run_consim("run " + ex + " --quiet --seed 7 --html " + d.file("s.html")).code == 0);
  CHECK(slurp(d.file("s.html")) != a);
}

TEST_CASE("html: bad options exit 2 with one message and write nothing") {
  TempDir d;
  const std::string p = d.file("p.html");
  ConsimResult r = run_consim("run --html-from-ms 5");
  CHECK(r.code == 2);
  CHECK(r.out.find("--html-from-ms shapes the page of --html FILE, which is "
                   "not given") != std::string::npos);
  r = run_consim("run --html-to-ms 5 --quiet");
  CHECK(r.code == 2);
  CHECK(r.out.find("--html-to-ms shapes the page of --html FILE, which is not given") != std::string::npos);
  r = run_consim("run --html " + p + " --html-from-ms 9 --html-to-ms 3");
  CHECK(r.code == 2);
  CHECK(r.out.find("--html-to-ms 3 is before --html-from-ms 9") != std::string::npos);
  r = run_consim("run --html " + p + " --html-from-ms nan");
  CHECK(r.code == 2);
  CHECK(r.out.find("--html-from-ms nan: not a finite number") != std::string::npos);
  r = run_consim("run --html " + p + " --html-to-ms -1");
  CHECK(r.code == 2);
  // An output that is an input or another output is refused before the run.
  const std::string ex = scenario("01-step2-exercise1-eventual.json");
  const std::string copy = d.file("ex.json");
  fs::copy_file(ex, copy);
  const std::string before = slurp(copy);
  r = run_consim("run " + copy + " --html " + copy);
  CHECK(r.code == 2);
  CHECK(slurp(copy) == before);
  r = run_consim("run " + ex + " --html " + p + " --trace " + p);
  CHECK(r.code == 2);
  r = run_consim("run " + ex + " --html " + d.path);
  CHECK(r.code == 2);
  CHECK(!fs::exists(p));
  // Nothing else was left in the directory.
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(d.path)) files += e.path() != copy ? 1 : 0;
  CHECK(files == 0);
}

TEST_CASE("html and mermaid: participants are named as in the text report, a workload running too") {
  // 06 has ten workload clients, then the scripted clients 1..4: scripted
  // client-2 is endpoint 3 + 10 + 1, and used to be drawn as "Client 12".
  TempDir d;
  const std::string ex = scenario("06-partition-cap.json");
  const ConsimResult r = run_consim("run " + ex + " --quiet --html " + d.file("p.html") +
                                    " --html-from-ms 8090 --html-to-ms 8110 --mermaid " + d.file("m.md") +
                                    " --mermaid-from-ms 8090 --mermaid-to-ms 8110");
  REQUIRE(r.code == 0);
  CHECK(r.out.find("client-2 -> node-3") != std::string::npos);
  const std::string md = slurp(d.file("m.md")), page = slurp(d.file("p.html"));
  CHECK(md.find("participant C12 as client-2") != std::string::npos);
  CHECK(md.find("Client 12") == std::string::npos);
  CHECK(md.find("as workload-") != std::string::npos);
  CHECK(page.find(">client-2</text>") != std::string::npos);
  CHECK(page.find("STALE read by client-2 of name") != std::string::npos);
  CHECK(page.find("Client 12") == std::string::npos);
}

TEST_CASE("html: a window of several keys gets a key filter, and every element its key") {
  TempDir d;
  const ConsimResult r = run_consim("run " + scenario("06-partition-cap.json") + " --quiet --html " + d.file("p.html") +
                                    " --html-from-ms 4990 --html-to-ms 5040");
  REQUIRE(r.code == 0);
  const std::string page = slurp(d.file("p.html"));
  REQUIRE(page.find("<select id=\"key-filter\">") != std::string::npos);
  // One option per key, sorted, after "every key".
  const std::size_t a = page.find("<option value=\"k2\">"), b = page.find("<option value=\"k3\">");
  CHECK(a != std::string::npos);
  CHECK(b != std::string::npos);
  CHECK(a < b);
  std::size_t keyed = 0;
  for (const char* outcome : {"ok", "stale", "failed", "unknown"})
    keyed += occurrences(page, std::string("<g class=\"op op-") + outcome + "\" data-key=\"k");
  CHECK(keyed == occurrences(page, "<g class=\"op op-"));
  CHECK(keyed > 0);
}

TEST_CASE("html: latency histograms hold every answered read per level and every acknowledged write") {
  TempDir d;
  for (const char* name : {"01-step2-exercise1-eventual.json", "06-partition-cap.json"}) {
    const ConsimResult r = run_consim("run " + scenario(name) + " --quiet --html " + d.file("p.html") +
                                      " --format json -o " + d.file("r.json"));
    REQUIRE(r.code == 0);
    const std::string page = slurp(d.file("p.html"));
    const nlohmann::json report = nlohmann::json::parse(slurp(d.file("r.json")));
    std::size_t drawn = 0;
    for (const auto& [level, l] : report.at("levels").items()) {
      const long long answered = l.at("answered").get<long long>();
      if (answered == 0) continue;
      ++drawn;
      const std::string tag = "<svg class=\"hist\" data-group=\"get " + level + "\" data-count=\"" +
                              std::to_string(answered) + "\"";
      CHECK_MESSAGE(page.find(tag) != std::string::npos, tag);
    }
    for (const auto& [op, w] : report.at("writes").items()) {
      const long long acked = w.at("acked").get<long long>();
      if (acked == 0) continue;
      ++drawn;
      const std::string tag =
          "<svg class=\"hist\" data-group=\"" + op + "\" data-count=\"" + std::to_string(acked) + "\"";
      CHECK_MESSAGE(page.find(tag) != std::string::npos, tag);
    }
    CHECK(occurrences(page, "<svg class=\"hist\"") == drawn);
    // The bins of each histogram add up to its count.
    std::size_t at = 0;
    while ((at = page.find("<svg class=\"hist\"", at)) != std::string::npos) {
      const std::size_t end = page.find("</svg>", at);
      const std::string svg = page.substr(at, end - at);
      std::smatch m;
      REQUIRE(std::regex_search(svg, m, std::regex("data-count=\"([0-9]+)\"")));
      const long long count = std::stoll(m[1]);
      long long sum = 0;
      const std::regex bin("data-n=\"([0-9]+)\"");
      for (auto it = std::sregex_iterator(svg.begin(), svg.end(), bin); it != std::sregex_iterator(); ++it)
        sum += std::stoll((*it)[1]);
      CHECK(sum == count);
      at = end;
    }
  }
}

TEST_CASE("html: the client filter, the time range and the zoom") {
  TempDir d;
  const std::string t = d.file("t.jsonl");
  const ConsimResult r = run_consim("run " + scenario("06-partition-cap.json") + " --quiet --trace " + t +
                                    " --html " + d.file("p.html") + " --html-from-ms 4990 --html-to-ms 5040");
  REQUIRE(r.code == 0);
  const std::string page = slurp(d.file("p.html"));
  for (const char* part : {"<select id=\"client-filter\">", "id=\"range-from\"", "id=\"range-to\"", "id=\"zoom-in\"",
                           "id=\"zoom-out\"", "id=\"zoom-reset\"", "addEventListener('wheel'"})
    CHECK_MESSAGE(page.find(part) != std::string::npos, part);
  // Every operation carries its client and its invocation time, inside the
  // window; the filter offers exactly the clients drawn, and per client the
  // operations are those the trace has for it.
  const std::regex op("<g class=\"op op-[a-z]+\" data-key=\"[^\"]*\" data-client=\"([^\"]+)\" data-t=\"([0-9]+)\"");
  std::map<std::string, long long> per_client;
  long long ops = 0;
  for (auto it = std::sregex_iterator(page.begin(), page.end(), op); it != std::sregex_iterator(); ++it) {
    const long long ti = std::stoll((*it)[2]);
    CHECK(ti >= 4990000000LL);
    CHECK(ti <= 5040000000LL);
    ++per_client[(*it)[1]];
    ++ops;
  }
  CHECK(ops == attribute(page, "timeline", "data-operations"));
  CHECK(per_client.size() > 1);
  for (const auto& [client, n] : per_client)
    CHECK_MESSAGE(page.find("<option value=\"" + client + "\">") != std::string::npos, client);
  // Messages carry their send time.
  CHECK(occurrences(page, "<g class=\"msg ") == occurrences(page, "data-t=\"") - static_cast<std::size_t>(ops) -
                                                     occurrences(page, "<g class=\"mark stale-mark\""));
}

TEST_CASE("html: with no stale read, the default window is around the first fault") {
  TempDir d;
  const std::string t = d.file("t.jsonl");
  const ConsimResult r = run_consim("run " + scenario("07-leader-failover.json") + " --quiet --trace " + t +
                                    " --html " + d.file("p.html") + " -o " + d.file("r.txt"));
  REQUIRE(r.code == 0);
  const std::string trace = slurp(t);
  bool stale = false;
  long long fault = -1;
  std::istringstream in(trace);
  std::string line;
  while (std::getline(in, line)) {
    const nlohmann::json e = nlohmann::json::parse(line);
    if (e.at("ev") == "complete" && e.at("stale").get<bool>()) stale = true;
    if (fault < 0 && e.at("ev") == "fault") {
      const std::string action = e.at("action");
      if (action == "crash" || action == "pause" || action == "partition") fault = e.at("t").get<long long>();
    }
  }
  REQUIRE(!stale);
  REQUIRE(fault >= 0);
  const std::string page = slurp(d.file("p.html"));
  CHECK(attribute(page, "spacetime", "data-from-ns") == std::max(0LL, fault - 10'000'000));
  CHECK(attribute(page, "spacetime", "data-to-ns") == fault + 40'000'000);
  CHECK(page.find("around its first fault") != std::string::npos);
}

TEST_CASE("mermaid: filters by client and by key, and a legend") {
  TempDir d;
  const std::string ex = scenario("01-step2-exercise1-eventual.json");
  const std::string t = d.file("t.jsonl");
  REQUIRE(run_consim("run " + ex + " --quiet --trace " + t + " --mermaid " + d.file("all.md") +
                     " --mermaid-to-ms 300")
              .code == 0);
  REQUIRE(run_consim("run " + ex + " --quiet --mermaid " + d.file("c2.md") +
                     " --mermaid-to-ms 300 --mermaid-client client-2")
              .code == 0);
  REQUIRE(run_consim("run " + ex + " --quiet --mermaid " + d.file("c13.md") +
                     " --mermaid-to-ms 300 --mermaid-client client-1,client-3")
              .code == 0);
  const std::string all = slurp(d.file("all.md")), c2 = slurp(d.file("c2.md")), c13 = slurp(d.file("c13.md"));
  CHECK(all.find("Legend: a solid arrow is a request") != std::string::npos);
  CHECK(all.find("sent at A, delivered at B") != std::string::npos);
  CHECK(c2.find("Filtered: only client client-2.") != std::string::npos);
  CHECK(c13.find("Filtered: only clients client-1, client-3.") != std::string::npos);
  // The client requests in the trace up to 300 ms, per client endpoint.
  std::map<long long, long long> requests;
  std::istringstream in(slurp(t));
  std::string line;
  long long nodes = 3;
  while (std::getline(in, line)) {
    const nlohmann::json e = nlohmann::json::parse(line);
    if (e.at("t").get<long long>() > 300'000'000) break;
    if (e.at("ev") == "deliver" && e.at("from").get<long long>() >= nodes &&
        e.at("kind").get<std::string>().rfind("client_", 0) == 0)
      ++requests[e.at("from").get<long long>() - nodes + 1];
  }
  // Participants C1.. are the client endpoints; each diagram draws the requests of its clients only.
  auto drawn = [&](const std::string& md, long long c) {
    return static_cast<long long>(occurrences(md, "    C" + std::to_string(c) + "->>N"));
  };
  long long total = 0;
  for (const auto& [c, k] : requests) {
    CHECK(drawn(all, c) == k);
    total += k;
  }
  REQUIRE(requests.size() >= 3);
  const std::string c2_name = "as client-2\n";
  long long c2_index = -1;
  for (const auto& [c, k] : requests)
    if (all.find("participant C" + std::to_string(c) + " " + c2_name) != std::string::npos) c2_index = c;
  REQUIRE(c2_index > 0);
  long long c2_total = 0, c13_total = 0;
  for (const auto& [c, k] : requests) {
    c2_total += drawn(c2, c);
    c13_total += drawn(c13, c);
    if (c != c2_index) CHECK(drawn(c2, c) == 0);
    if (c == c2_index) CHECK(drawn(c2, c) == k);
  }
  CHECK(c2_total + c13_total == total);
  CHECK(c2.find("STALE: returned") != std::string::npos);
  CHECK(c13.find("STALE: returned") == std::string::npos);
  // A key of no operation: no client arrow at all.
  REQUIRE(run_consim("run " + ex + " --quiet --mermaid " + d.file("k.md") + " --mermaid-to-ms 300 --mermaid-key nokey")
              .code == 0);
  const std::string k = slurp(d.file("k.md"));
  CHECK(k.find("Filtered: only key nokey.") != std::string::npos);
  for (const auto& [c, n] : requests) CHECK(drawn(k, c) == 0);
  REQUIRE(run_consim("run " + ex + " --quiet --mermaid " + d.file("kn.md") + " --mermaid-to-ms 300 --mermaid-key name")
              .code == 0);
  CHECK(occurrences(slurp(d.file("kn.md")), "->>N") == occurrences(all, "->>N"));
}

TEST_CASE("mermaid: bad filters exit 2 with one message and write nothing") {
  TempDir d;
  const std::string ex = scenario("01-step2-exercise1-eventual.json");
  const std::string md = d.file("m.md");
  ConsimResult r = run_consim("run " + ex + " --mermaid-key name");
  CHECK(r.code == 2);
  CHECK(r.out.find("--mermaid-key shapes the diagram of --mermaid FILE.md, which is not given") != std::string::npos);
  r = run_consim("run " + ex + " --mermaid-client client-1");
  CHECK(r.code == 2);
  CHECK(r.out.find("--mermaid-client shapes the diagram of --mermaid FILE.md, which is not given") !=
        std::string::npos);
  r = run_consim("run " + ex + " --mermaid " + md + " --mermaid-client bob");
  CHECK(r.code == 2);
  CHECK(r.out.find("--mermaid-client bob: no such client in this run (its clients: client-1, client-2, client-3, "
                   "probe)") != std::string::npos);
  r = run_consim("run " + ex + " --mermaid " + md + " --mermaid-key a,,b");
  CHECK(r.code == 2);
  CHECK(r.out.find("--mermaid-key 'a,,b': an empty name") != std::string::npos);
  CHECK(!fs::exists(md));
}

TEST_CASE("html: the replies a quorum read used, R of them counting the coordinator's own copy") {
  // Each get answered in the window used q answers: R at strong, 1 at
  // eventual; a coordinator that is a replica of the key answers itself
  // with no message, so q or q - 1 replies are marked, never more.
  TempDir d;
  const std::string ll = std::string(CONSIM_SOURCE_DIR) + "/scenarios/leaderless.json";
  for (const std::string& args :
       {std::string("--set cluster.read_quorum=2"), std::string("--set cluster.read_quorum=2 --set cluster.read_fanout=r"),
        std::string("--set cluster.read_quorum=3")}) {
    CAPTURE(args);
    const std::string t = d.file("t.jsonl"), p = d.file("p.html");
    REQUIRE(run_consim("run " + ll + " -q " + args + " --html-from-ms 0 --html-to-ms 400 --trace " + t + " --html " + p +
                       " -o " + d.file("r.txt"))
                .code == 0);
    const std::string page = slurp(p);
    std::map<std::uint64_t, int> used;  // op -> marks
    const std::regex mark("<g class=\"mark reply-mark\" data-op=\"([0-9]+)\"");
    for (auto it = std::sregex_iterator(page.begin(), page.end(), mark); it != std::sregex_iterator(); ++it)
      ++used[std::stoull((*it)[1])];
    long long total = 0;
    for (const auto& [op, k] : used) total += k;
    CHECK(attribute(page, "spacetime", "data-replies-used") == total);
    // The gets of the trace answered in the window, and their level's q.
    const long long from = attribute(page, "spacetime", "data-from-ns"), to = attribute(page, "spacetime", "data-to-ns");
    const int r = args.find("read_quorum=3") != std::string::npos ? 3 : 2;
    std::map<std::uint64_t, int> q;  // answered get -> its q
    std::map<std::uint64_t, std::string> level;
    std::map<std::uint64_t, long long> invoked;
    std::set<std::uint64_t> inside;  // quorum gets invoked and answered within the window
    std::istringstream lines(slurp(t));
    for (std::string l; std::getline(lines, l);) {
      const nlohmann::json e = nlohmann::json::parse(l);
      const long long at = e["t"];
      if (e["ev"] == "invoke" && e["type"] == "get") {
        level[e["op"]] = e["level"];
        invoked[e["op"]] = at;
      }
      if (e["ev"] == "complete" && level.count(e["op"])) {
        q[e["op"]] = level[e["op"]] == "eventual" ? 1 : r;
        if (q[e["op"]] > 1 && invoked[e["op"]] >= from && at <= to) inside.insert(e["op"].get<std::uint64_t>());
      }
    }
    // Every quorum get wholly inside the window has its replies marked: at least q - 1.
    REQUIRE(inside.size() > 10);
    for (std::uint64_t op : inside) {
      CAPTURE(op);
      CHECK(used[op] >= q[op] - 1);
    }
    int checked = 0;
    for (const auto& [op, k] : used) {
      CAPTURE(op);
      REQUIRE(q.count(op) == 1);  // only answered gets have used replies
      CHECK(k <= q[op]);
      CHECK(k >= q[op] - 1);
      checked += q[op] > 1;
    }
    CHECK(checked > 10);  // quorum reads were there to check
  }
}
