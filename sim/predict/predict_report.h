// sim/predict/predict_report.h: a PBS prediction (sim/predict/pbs.h) as text,
// JSON and CSV (consim predict), and beside a run's measured probe (consim
// run --predict).
//
// Pure functions of their arguments: no I/O. Probabilities are rounded to 6
// decimals and times to the nanosecond (as milliseconds), so the bytes are a
// function of the prediction alone. None of them fails.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "sim/predict/pbs.h"
#include "sim/scenario/scenario.h"

namespace consim {

// The whole prediction: scenario, model, legs, notes and every cell.
nlohmann::ordered_json predict_json(const Scenario& sc, const PbsPrediction& p);
// The same, for a reader: per level, P(consistent) by delay for each (R, W),
// then each cell's t at target, P(within k) and latency percentiles.
std::string predict_text(const Scenario& sc, const PbsPrediction& p);
// One row per (level, R, W, delay): the cell's values repeated on its rows.
std::string predict_csv(const PbsPrediction& p);

// consim run --predict: the scenario's (R, W) cells of `p` beside the
// report's measured probe (report["probe"]): per probed level and delay, the
// measured P(stale) with its 95% Wilson interval and the predicted one.
// `report` is report_json()'s value; levels it did not probe are skipped.
nlohmann::ordered_json predicted_vs_measured_json(const PbsPrediction& p, const nlohmann::ordered_json& report);
std::string predicted_vs_measured_text(const nlohmann::ordered_json& comparison);

}  // namespace consim
