// sim/scenario/fields.h: every scenario field, declared once.
//
// A field's declaration holds its JSON name, type, unit, default, range,
// replication mode, one line of documentation and, for a plain value, the
// member it fills. From the declarations come:
//   - the loader's unknown-field checks, did-you-mean and scalar parsing
//     (sim/scenario/load.cpp: parse_field());
//   - the JSON Schema (`consim schema`, scenarios/consim.schema.json) and the
//     field tables of docs/scenario-format.md (sim/scenario/schema.h);
//   - the fuzzer's dictionary (fuzz/scenario.dict).
// A field that is not a plain value (a quorum, a distribution, a list of
// nodes) is declared with its schema text and parsed by hand in the loader.
// Rules between fields (election_timeout_ms > heartbeat_interval_ms, ...)
// are not declarations: they are listed in rules() and checked by the
// loader's validation pass; the schema's description quotes that list.
//
// Adding a field: one declaration below (with .to<&Spec::member>() when the
// member takes the value as it is); the schema, the docs tables and --set
// follow (regenerate: CONSIM_REWRITE_DOCS=1 build/consim_tests -tc='fields*').
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/types.h"
#include "sim/engine/distribution.h"
#include "sim/scenario/names.h"

namespace consim::fields {

enum class Type : std::uint8_t {
  string,
  integer,   // an unsigned 32-bit member, min..max
  number,    // a double member, or a Time member (unit "ms", filled in ns)
  boolean,
  name,      // one of `names`; the member is the enum whose table that is
  object,    // a nested object: `object`
  custom,    // anything else: `schema` is its JSON Schema, the loader parses it
};

// Which replication mode a field belongs to. A leaderless field is accepted
// in leader mode only at its default (cluster.replication is "leader").
enum class Mode : std::uint8_t { both, leaderless };

// A parsed scalar, as the loader hands it to a member.
struct Value {
  double number = 0;     // integer and number (ms as given)
  Time ns = 0;           // a time: number in ns
  bool boolean = false;
  std::string text;
  std::size_t index = 0; // Type::name: the index in `names`
};
using Fill = void (*)(void* spec, const Value& v);

struct Object;

constexpr double kNoBound = std::numeric_limits<double>::infinity();

namespace detail {
template <typename C, typename M>
C class_of(M C::*);
template <typename C, typename M>
M member_of(M C::*);
template <auto P>
void fill_member(void* spec, const Value& v) {
  using C = decltype(class_of(P));
  using M = decltype(member_of(P));
  M& m = static_cast<C*>(spec)->*P;
  if constexpr (std::is_same_v<M, bool>) m = v.boolean;
  else if constexpr (std::is_same_v<M, std::string>) m = v.text;
  else if constexpr (std::is_enum_v<M>) m = static_cast<M>(v.index);
  else if constexpr (std::is_same_v<M, Time>) m = v.ns;
  else if constexpr (std::is_same_v<M, double> || std::is_same_v<M, std::optional<double>>) m = v.number;
  else if constexpr (std::is_same_v<M, std::uint32_t>) m = static_cast<std::uint32_t>(v.number);
  else static_assert(!sizeof(M), "no scalar conversion to this member's type");
}
}  // namespace detail

struct Field {
  std::string name;
  Type type = Type::custom;
  std::string unit;          // "ms" (a time), "probability", "fraction", or shown as is
  bool time = false;         // number in ms filling a Time member (ns; > 0 must not round to 0 ns)
  std::string type_doc;      // the docs' type column when it is not the type's name
  std::string default_json;  // the default as JSON ("" when none or computed)
  std::string default_doc;   // the docs' default column when not default_json (e.g. "nodes")
  double min = -kNoBound;
  double max = kNoBound;
  bool min_exclusive = false;
  Mode mode = Mode::both;
  std::string doc;           // one line
  NameList names;            // Type::name
  std::string schema;        // Type::custom: the value's JSON Schema, as JSON text
  std::string leader_schema; // Mode::leaderless: what leader mode accepts ("" = {"const": default})
  const Object* object = nullptr;  // Type::object
  Fill fill = nullptr;       // plain values: the member it fills; nullptr: parsed by the loader
  bool required = false;
  std::string hint;          // appended to a range error ("" = none)
  bool hint_if_negative = false;  // append hint only when the value is < 0

  explicit Field(std::string n) : name(std::move(n)) {}
  Field& str() { type = Type::string; return *this; }
  Field& boolean() { type = Type::boolean; return *this; }
  Field& integer(double lo, double hi) { type = Type::integer; min = lo; max = hi; return *this; }
  Field& number(double lo = -kNoBound, double hi = kNoBound, bool lo_exclusive = false) {
    type = Type::number; min = lo; max = hi; min_exclusive = lo_exclusive; return *this;
  }
  Field& ms(bool positive, bool is_time = true);  // >= 0 (or > 0), <= kMaxTimeMs
  Field& probability() { number(0, 1); unit = "probability"; return *this; }
  Field& names_of(NameList n) { type = Type::name; names = std::move(n); return *this; }
  Field& nested(const Object& o) { type = Type::object; object = &o; return *this; }
  Field& custom(std::string schema_json) { type = Type::custom; schema = std::move(schema_json); return *this; }
  Field& typed(std::string t) { type_doc = std::move(t); return *this; }
  Field& unit_is(std::string u) { unit = std::move(u); return *this; }
  Field& def(std::string json) { default_json = std::move(json); return *this; }
  Field& def_doc(std::string d) { default_doc = std::move(d); return *this; }
  Field& leaderless(std::string leader_mode_schema = "") {
    mode = Mode::leaderless; leader_schema = std::move(leader_mode_schema); return *this;
  }
  Field& doc_is(std::string d) { doc = std::move(d); return *this; }
  Field& needed() { required = true; return *this; }
  Field& hint_is(std::string h, bool only_if_negative = false) {
    hint = std::move(h); hint_if_negative = only_if_negative; return *this;
  }
  template <auto P>
  Field& to() { fill = &detail::fill_member<P>; return *this; }

  // "> 0", ">= 0 and <= 1", "1 .. 64", "" (no bound): the range as messages and docs say it.
  std::string range_text() const;
};

struct Object {
  std::string name;   // the schema's $defs name, e.g. "cluster"
  std::string path;   // as the docs show it, e.g. "$.cluster", "$.network.links[i]"
  std::string doc;
  std::vector<Field> fields;

  const Field& at(std::string_view field) const;   // the field must exist
  const Field* find(std::string_view field) const;
  std::vector<std::string> names() const;          // in declaration order
};

// The scenario's objects, each declared once.
const Object& root();
const Object& cluster();
const Object& network();
const Object& kind_override();  // network.kinds.<kind>, links[i].kinds.<kind>
const Object& link();           // network.links[i]
const Object& workload();
const Object& scripted_op();    // script[i]
const Object& probe();
const Object& event();          // timeline[i]: at_ms and one action
const Object& link_action();    // timeline[i].cut, timeline[i].restore
const Object& measure();
const Object& expectation();    // expect[i]
// A distribution of one type: "type", its parameters, then the fields every
// distribution has (distribution_common()).
const Object& distribution(Distribution::Kind k);
// Fields of every distribution type (shift_ms), declared once.
const std::vector<Field>& distribution_common();
const Field& mixture_weight();  // components[i].weight
// Every object above, in docs order.
std::vector<const Object*> all_objects();

// The timeline's actions: the event fields other than at_ms.
std::vector<std::string> event_actions();

// A rule between fields, checked by the loader's validation pass (not by the
// declarations): the schema cannot state it.
struct Rule {
  std::string_view name;  // short, stable: corpus cases are tagged with it
  std::string_view text;
};
const std::vector<Rule>& rules();
bool is_rule(std::string_view name);

// Ranges of single fields (docs/scenario-format.md, "Limits"). The budgets on
// a run's work, which depend on several fields, are the loader's (load.cpp).
constexpr double kMaxTimeMs = 1e9;                // any time or delay parameter: about 11.6 days
constexpr std::uint32_t kMaxKeys = 10'000'000;    // workload.keys, probe.keys
constexpr std::uint32_t kMaxClients = 1'000'000;  // workload.clients, script[].client
constexpr std::size_t kMaxListEntries = 1000;     // probe.delays_ms, measure.window_edges_ms
constexpr double kMaxClockOffsetMs = 3'600'000;   // |cluster.clock_offset_ms|: one hour
constexpr double kMaxClockDriftPpm = 100'000;     // |cluster.clock_drift_ppm|: 10%
constexpr std::uint32_t kMaxRedirectsLimit = 16;
constexpr std::uint32_t kMaxLostWriteWindow = 4096;

}  // namespace consim::fields
