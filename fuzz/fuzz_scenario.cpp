// fuzz/fuzz_scenario.cpp: libFuzzer target for the scenario loader and the world.
//
// Arbitrary bytes -> parse_scenario_text -> scenario_from_json. A clean
// InputError is the expected answer to bad input; any other exception, crash,
// sanitizer report or hang is a finding. What loads is run in a World when its
// estimated work is small (bounded per input, so the fuzzer explores inputs
// rather than measuring long runs); durations are capped first, and the run
// stops after kMaxEventsPerInput events whatever the estimate said
// (fuzz/fuzz_bounds.h). Inputs up to 1 MiB, so that nesting far deeper than
// the parser's limit is reached. Build and run: tools/fuzz.sh
// (docs/reliability.md).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_bounds.h"
#include "sim/scenario/load.h"
#include "sim/world/world.h"

using namespace consim;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > (1u << 20)) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  Scenario sc;
  try {
    sc = scenario_from_json(parse_scenario_text(text, "<fuzz>"), "<fuzz>");
  } catch (const InputError&) {
    return 0;  // bad input, rejected cleanly
  }
  fuzzing::bound(sc);
  if (!fuzzing::small_enough(sc)) return 0;
  World w(sc);
  w.set_event_limit(fuzzing::kMaxEventsPerInput);
  try {
    w.run();
  } catch (const InputError&) {
    return 0;  // the run stopped itself (virtual time did not advance)
  }
  return 0;
}
