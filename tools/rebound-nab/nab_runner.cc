#include "tools/rebound-nab/nab_runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <fstream>
#include <functional>
#include <iomanip>
#include <map>
#include <sstream>

namespace rebound::nab {
namespace {

common::Result<double> ParseNumber(std::string_view text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size())
    return common::InvalidArgument(fmt::format("'{}' is not a number", text));
  return value;
}

common::Result<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return common::NotFound(fmt::format("{}: cannot open", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Seconds since the epoch of a NAB timestamp ("2014-02-14 14:27:00"), or -1.
std::int64_t ParseTimestamp(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%d %H:%M:%S");
  return in.fail() ? -1 : static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace

int DailySeason(const std::vector<Row>& rows) {
  std::vector<std::int64_t> steps;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const std::int64_t a = ParseTimestamp(rows[i - 1].timestamp);
    const std::int64_t b = ParseTimestamp(rows[i].timestamp);
    if (a >= 0 && b > a) steps.push_back(b - a);
  }
  if (steps.empty()) return 0;
  std::nth_element(steps.begin(), steps.begin() + steps.size() / 2, steps.end());
  const std::int64_t step = steps[steps.size() / 2];
  constexpr std::int64_t kDay = 86400;
  if (step >= kDay || step * static_cast<std::int64_t>(rows.size()) < 3 * kDay) return 0;
  return static_cast<int>(kDay / step);
}

common::Result<std::vector<Row>> ParseSeries(std::string_view csv) {
  std::vector<Row> rows;
  int line_number = 0;
  while (!csv.empty()) {
    const std::size_t eol = csv.find('\n');
    std::string_view line = csv.substr(0, eol);
    csv = eol == std::string_view::npos ? std::string_view() : csv.substr(eol + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_number == 1 || line.empty()) continue;  // the header
    const std::size_t comma = line.find(',');
    if (comma == std::string_view::npos)
      return common::InvalidArgument(fmt::format("line {}: expected timestamp,value", line_number));
    auto value = ParseNumber(line.substr(comma + 1));
    if (!value.ok()) return value.status().WithContext(fmt::format("line {}", line_number));
    rows.push_back(Row{std::string(line.substr(0, comma)), *value});
  }
  return rows;
}

common::Result<std::string> ScoreSeries(const std::vector<Row>& rows,
                                        anomaly::ScorerOptions options, bool daily_season) {
  if (daily_season) options.season = DailySeason(rows);
  auto scorer = anomaly::Scorer::Create(options);
  if (!scorer.ok()) return scorer.status();
  std::string out = "timestamp,value,anomaly_score\n";
  for (const Row& row : rows) {
    const double score = scorer->Update(std::span<const double>(&row.value, 1));
    out += fmt::format("{},{},{:.17g}\n", row.timestamp, row.value, score);
  }
  return out;
}

common::Status ApplySetting(std::string_view setting, anomaly::ScorerOptions& options) {
  const std::size_t eq = setting.find('=');
  if (eq == std::string_view::npos)
    return common::InvalidArgument(fmt::format("'{}': expected name=value", setting));
  const std::string_view name = setting.substr(0, eq);
  auto value = ParseNumber(setting.substr(eq + 1));
  if (!value.ok()) return value.status().WithContext(std::string(name));
  anomaly::ScorerOptions::Tuning& t = options.tuning;
  const std::map<std::string_view, std::function<void(double)>> setters = {
      {"season", [&](double v) { options.season = static_cast<int>(v); }},
      {"warmup", [&](double v) { options.warmup = static_cast<int>(v); }},
      {"level_halflife", [&](double v) { t.level_halflife = v; }},
      {"scale_halflife", [&](double v) { t.scale_halflife = v; }},
      {"season_rate", [&](double v) { t.season_rate = v; }},
      {"clip", [&](double v) { t.clip = v; }},
      {"range_margin", [&](double v) { t.range_margin = v; }},
      {"range_excess", [&](double v) { t.range_excess = v; }},
      {"range_width", [&](double v) { t.range_width = v; }},
      {"season_gain", [&](double v) { t.season_gain = v; }},
      {"covariance_halflife", [&](double v) { t.covariance_halflife = v; }},
      {"shrinkage", [&](double v) { t.shrinkage = v; }},
      {"long_halflife", [&](double v) { t.long_halflife = v; }},
      {"short_window", [&](double v) { t.short_window = static_cast<int>(v); }},
      {"reanchor", [&](double v) { t.reanchor = static_cast<int>(v); }},
      {"flatline", [&](double v) { t.flatline = static_cast<int>(v); }},
  };
  const auto setter = setters.find(name);
  if (setter == setters.end())
    return common::InvalidArgument(fmt::format("unknown setting '{}'", name));
  setter->second(*value);
  return common::Status::Ok();
}

common::Result<int> RunFolder(const std::filesystem::path& data,
                              const std::filesystem::path& results,
                              const anomaly::ScorerOptions& options, bool daily_season) {
  std::error_code error;
  std::vector<std::filesystem::path> files;
  for (const auto& category : std::filesystem::directory_iterator(data, error)) {
    if (!category.is_directory()) continue;
    for (const auto& file : std::filesystem::directory_iterator(category.path(), error))
      if (file.path().extension() == ".csv") files.push_back(file.path());
  }
  if (error) return common::NotFound(fmt::format("{}: {}", data.string(), error.message()));
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    auto text = ReadFile(file);
    if (!text.ok()) return text.status();
    auto rows = ParseSeries(*text);
    if (!rows.ok()) return rows.status().WithContext(file.string());
    auto scored = ScoreSeries(*rows, options, daily_season);
    if (!scored.ok()) return scored.status().WithContext(file.string());
    const auto out = results / file.parent_path().filename() / file.filename();
    std::filesystem::create_directories(out.parent_path(), error);
    std::ofstream sink(out, std::ios::binary);
    sink << *scored;
    if (error || !sink.flush())
      return common::Unavailable(fmt::format("{}: cannot write", out.string()));
  }
  return static_cast<int>(files.size());
}

}  // namespace rebound::nab
