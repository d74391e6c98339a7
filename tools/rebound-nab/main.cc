// rebound-nab --data DIR --results DIR [--daily-season] [--set name=value ...]
//
// Runs Rebound's anomaly scorer over a NAB-format folder (DIR/data/<category>/<file>.csv, or
// DIR/<category>/<file>.csv) and writes RESULTS/<category>/<file>.csv with an anomaly_score
// column, causally, for NAB's scorer (nab_score.py). docs/anomaly.md has the measurements.
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "tools/rebound-nab/nab_runner.h"

namespace {

constexpr std::string_view kUsage =
    "usage: rebound-nab --data DIR --results DIR [--daily-season] [--set name=value ...]\n"
    "\n"
    "Scores every DIR/data/<category>/<file>.csv (or DIR/<category>/<file>.csv) with the\n"
    "anomaly scorer, causally, into RESULTS/<category>/<file>.csv (column anomaly_score).\n"
    "Score the results with: python3 nab_score.py --data DIR --results RESULTS\n"
    "\n"
    "  --daily-season    learn a daily pattern in every series (season = one day of\n"
    "                    samples at the series' median step)\n"
    "  --set name=value  override a scorer option for experiments: season, warmup,\n"
    "                    level_halflife, scale_halflife, season_rate, season_gain,\n"
    "                    clip, covariance_halflife, shrinkage, long_halflife,\n"
    "                    short_window, range_margin, range_excess, range_width,\n"
    "                    reanchor, flatline (1 on, 0 off)\n"
    "                    (docs/anomaly.md)\n";

int Fail(std::string_view message) {
  std::fprintf(stderr, "rebound-nab: %.*s\n", static_cast<int>(message.size()), message.data());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path data, results;
  rebound::anomaly::ScorerOptions options;
  bool daily_season = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fwrite(kUsage.data(), 1, kUsage.size(), stdout);
      return 0;
    }
    if (arg == "--daily-season") {
      daily_season = true;
      continue;
    }
    if (i + 1 >= argc) return Fail(std::string(arg) + " needs a value (see --help)");
    const std::string_view value = argv[++i];
    if (arg == "--data") {
      data = value;
    } else if (arg == "--results") {
      results = value;
    } else if (arg == "--set") {
      if (auto status = rebound::nab::ApplySetting(value, options); !status.ok())
        return Fail(status.message());
    } else {
      return Fail("unknown argument " + std::string(arg) + " (see --help)");
    }
  }
  if (data.empty() || results.empty()) return Fail("--data and --results are required");
  if (std::filesystem::is_directory(data / "data")) data /= "data";
  auto written = rebound::nab::RunFolder(data, results, options, daily_season);
  if (!written.ok()) return Fail(written.status().ToString());
  if (*written == 0) return Fail("no <category>/<file>.csv under " + data.string());
  std::printf("rebound-nab: scored %d files into %s\n", *written, results.c_str());
  return 0;
}
