// The NAB runner's work, apart from its command line so that it can be tested: read one
// NAB-format series (CSV `timestamp,value`), score it causally with the anomaly scorer, and
// write the result CSV nab_score.py reads (`timestamp,value,anomaly_score`).
//
// Thread-safety: free functions, no shared state.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "anomaly/scorer.h"
#include "common/status.h"

namespace rebound::nab {

struct Row {
  std::string timestamp;
  double value = 0;
};

// Parses a NAB data file's text: a header line, then `timestamp,value` rows.
// InvalidArgument naming the line for a row without two fields or with a value that is not a
// number.
common::Result<std::vector<Row>> ParseSeries(std::string_view csv);

// One day in samples at the series' median step, or 0 when the series spans under three days
// or its timestamps cannot be read.
int DailySeason(const std::vector<Row>& rows);

// Scores `rows` in order, row i seeing rows 0..i only, and returns the result file's text.
// With `daily_season`, options.season is replaced by DailySeason(rows).
common::Result<std::string> ScoreSeries(const std::vector<Row>& rows,
                                        anomaly::ScorerOptions options, bool daily_season);

// Applies a `name=value` setting to the options (signals excepted: NAB series are univariate).
// InvalidArgument for an unknown name or a value that is not a number.
common::Status ApplySetting(std::string_view setting, anomaly::ScorerOptions& options);

// Scores every data/<category>/<file>.csv under `data` into results/<category>/<file>.csv.
// Success: the number of files written. Failure: the first file that could not be read,
// parsed or written, named.
common::Result<int> RunFolder(const std::filesystem::path& data,
                              const std::filesystem::path& results,
                              const anomaly::ScorerOptions& options, bool daily_season);

}  // namespace rebound::nab
