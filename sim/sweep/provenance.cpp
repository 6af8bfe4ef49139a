#include "sim/sweep/provenance.h"

#include <nlohmann/json.hpp>

#include "sim/version.h"

namespace consim::sweep {

std::string_view pandas_dtype(std::string_view type) {
  if (type == "integer" || type == "0 or 1") return "int64";
  if (type == "decimal") return "float64";
  if (type == "text" || type == "decimal or `never`") return "object";
  return "";
}

std::string provenance_json(const Grid& g, const SweepOptions& opt, Shard shard,
                            const std::array<std::string, kTableCount>& outputs) {
  using json = nlohmann::ordered_json;
  auto levels = [](const std::vector<Level>& ls) {
    json a = json::array();
    for (Level l : ls) a.push_back(std::string(to_string(l)));
    return a;
  };
  json m;
  m["format"] = "consim-sweep-meta v1";
  m["consim"] = {{"version", std::string(version())}, {"commit", std::string(build_commit())}};
  m["sweep"] = {{"hash", g.hash},
                {"points", g.points.size()},
                {"seeds", g.seeds},
                {"levels", levels(g.levels)},
                {"probe_levels", levels(g.probe_levels)},
                {"vary", g.vary_paths},
                {"shard", shard_text(shard)}};
  // The scenario's name as the points have it (a --vary of "name" would make
  // it differ between points: then the first point's).
  m["scenario"] = {{"name", g.points.empty() ? std::string() : g.points.front().scenario.name},
                   {"source", opt.source},
                   {"definition", json::parse(opt.scenario.dump())}};
  json tables = json::object();
  for (int t = 0; t < kTableCount; ++t) {
    if (outputs[t].empty()) continue;
    json cols = json::array();
    for (const ColumnDoc& c : column_docs(static_cast<Table>(t))) {
      const std::string_view dtype = pandas_dtype(c.type);
      if (c.name == "<PATH>") {
        for (const std::string& p : g.vary_paths)
          cols.push_back({{"name", p}, {"type", std::string(c.type)}, {"unit", ""}, {"pandas", nullptr}});
        continue;
      }
      cols.push_back({{"name", std::string(c.name)},
                      {"type", std::string(c.type)},
                      {"unit", std::string(c.unit)},
                      {"pandas", dtype.empty() ? json(nullptr) : json(std::string(dtype))}});
    }
    tables[std::string(to_string(static_cast<Table>(t)))] = {{"file", outputs[t]}, {"columns", cols}};
  }
  m["tables"] = tables;
  return m.dump(2) + "\n";
}

}  // namespace consim::sweep
