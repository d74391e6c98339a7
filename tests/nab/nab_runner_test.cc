#include "tools/rebound-nab/nab_runner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tests/support/test_data.h"

namespace rebound::nab {
namespace {

TEST(NabRunnerTest, ParsesRowsAndSkipsTheHeader) {
  auto rows = ParseSeries("timestamp,value\n2014-02-14 14:30:00,1.5\r\n2014-02-14 14:35:00,-2\n");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].timestamp, "2014-02-14 14:30:00");
  EXPECT_EQ((*rows)[1].value, -2);
}

TEST(NabRunnerTest, NamesTheLineOfABadRow) {
  auto missing = ParseSeries("timestamp,value\n2014-02-14 14:30:00,1\nno comma here\n");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("line 3"), std::string::npos);
  auto garbage = ParseSeries("timestamp,value\n2014-02-14 14:30:00,1x\n");
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.status().message().find("line 2"), std::string::npos);
}

std::vector<Row> EveryFiveMinutes(int count) {
  std::vector<Row> rows;
  for (int i = 0; i < count; ++i) {
    char stamp[32];
    const int minutes = i * 5;
    std::snprintf(stamp, sizeof(stamp), "2014-02-%02d %02d:%02d:00", 1 + minutes / 1440,
                  minutes / 60 % 24, minutes % 60);
    rows.push_back(Row{stamp, static_cast<double>(i % 7)});
  }
  return rows;
}

TEST(NabRunnerTest, DailySeasonIsOneDayOfSamplesWhenTheSeriesIsLongEnough) {
  EXPECT_EQ(DailySeason(EveryFiveMinutes(4 * 288)), 288);
  EXPECT_EQ(DailySeason(EveryFiveMinutes(2 * 288)), 0);  // under three days
  EXPECT_EQ(DailySeason({Row{"not a time", 1}, Row{"nor this", 2}}), 0);
}

TEST(NabRunnerTest, ScoresOneRowPerInputRowWithScoresInRange) {
  const std::vector<Row> rows = EveryFiveMinutes(500);
  auto text = ScoreSeries(rows, anomaly::ScorerOptions(), /*daily_season=*/false);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  std::istringstream lines(*text);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "timestamp,value,anomaly_score");
  std::size_t count = 0;
  while (std::getline(lines, line)) {
    const double score = std::stod(line.substr(line.rfind(',') + 1));
    EXPECT_GE(score, 0);
    EXPECT_LE(score, 1);
    EXPECT_EQ(line.substr(0, line.find(',')), rows[count].timestamp);
    ++count;
  }
  EXPECT_EQ(count, rows.size());
}

TEST(NabRunnerTest, SettingsChangeOptionsAndRejectUnknownNames) {
  anomaly::ScorerOptions options;
  ASSERT_TRUE(ApplySetting("short_window=3", options).ok());
  EXPECT_EQ(options.tuning.short_window, 3);
  ASSERT_TRUE(ApplySetting("range_margin=-1", options).ok());
  EXPECT_EQ(options.tuning.range_margin, -1);
  EXPECT_FALSE(ApplySetting("no_such_knob=1", options).ok());
  EXPECT_FALSE(ApplySetting("clip", options).ok());
  EXPECT_FALSE(ApplySetting("clip=four", options).ok());
  // Out-of-range values are refused when the scorer is created, not silently used.
  ASSERT_TRUE(ApplySetting("short_window=0", options).ok());
  EXPECT_FALSE(ScoreSeries(EveryFiveMinutes(3), options, false).ok());
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The shipped NAB-format series (tests/data/nab/README.md): on each labelled one, the highest
// score is inside the labelled window — the anomalies there are plain enough for any detector.
TEST(NabRunnerTest, ShippedSeriesScoreHighestInsideTheirLabelledWindows) {
  const std::string root = testing::TestDataPath("nab");
  const nlohmann::json labels =
      nlohmann::json::parse(ReadText(root + "/labels/combined_windows.json"), nullptr, false);
  ASSERT_TRUE(labels.is_object());
  int labelled = 0;
  for (const auto& [file, windows] : labels.items()) {
    if (windows.empty()) continue;
    ++labelled;
    auto rows = ParseSeries(ReadText(root + "/data/" + file));
    ASSERT_TRUE(rows.ok()) << file << ": " << rows.status().ToString();
    auto text = ScoreSeries(*rows, anomaly::ScorerOptions(), /*daily_season=*/false);
    ASSERT_TRUE(text.ok()) << file << ": " << text.status().ToString();
    std::istringstream lines(*text);
    std::string line;
    std::getline(lines, line);  // header
    double inside = 0, outside = 0;
    while (std::getline(lines, line)) {
      // Row stamps "2026-01-02 01:50:00" against label stamps "2026-01-02 01:50:00.000000".
      const std::string stamp = line.substr(0, line.find(','));
      const double score = std::stod(line.substr(line.rfind(',') + 1));
      const bool in_window = std::any_of(windows.begin(), windows.end(), [&](const auto& w) {
        return stamp >= w[0].template get<std::string>().substr(0, stamp.size()) &&
               stamp <= w[1].template get<std::string>().substr(0, stamp.size());
      });
      double& highest = in_window ? inside : outside;
      highest = std::max(highest, score);
    }
    EXPECT_GT(inside, outside) << file;
  }
  EXPECT_EQ(labelled, 3);
}

}  // namespace
}  // namespace rebound::nab
