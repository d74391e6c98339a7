#include "controller/anomaly/signal_history.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <limits>
#include <utility>

namespace rebound::controller::anomaly {
namespace {

GroupKey KeyOf(const promql::Labels& labels, std::span<const std::string> group_by) {
  GroupKey key;
  key.reserve(group_by.size());
  for (const std::string& name : group_by) {
    auto it = labels.find(name);
    key.push_back(it == labels.end() ? "" : it->second);
  }
  return key;
}

std::string DescribeGroup(const GroupKey& key, std::span<const std::string> group_by) {
  std::vector<std::string> pairs;
  for (size_t i = 0; i < key.size(); ++i) {
    pairs.push_back(fmt::format("{}=\"{}\"", group_by[i], key[i]));
  }
  return fmt::format("{{{}}}", fmt::join(pairs, ","));
}

// Lines up one group's series (one per signal, null where the signal returned none for it).
SignalHistory AlignByTime(std::span<const SignalQuery> queries,
                          const std::vector<const promql::Series*>& series) {
  SignalHistory history;
  for (const SignalQuery& q : queries) history.signals.push_back(q.name);
  for (const promql::Series* s : series) {
    if (s == nullptr) continue;
    for (const promql::Point& p : s->points) history.times.push_back(p.timestamp);
  }
  std::sort(history.times.begin(), history.times.end());
  history.times.erase(std::unique(history.times.begin(), history.times.end()), history.times.end());
  const size_t k = queries.size();
  history.values.assign(history.times.size() * k, std::numeric_limits<double>::quiet_NaN());
  for (size_t signal = 0; signal < k; ++signal) {
    if (series[signal] == nullptr) continue;
    for (const promql::Point& p : series[signal]->points) {
      const auto row = std::lower_bound(history.times.begin(), history.times.end(), p.timestamp);
      history.values[static_cast<size_t>(row - history.times.begin()) * k + signal] = p.value;
    }
  }
  return history;
}

}  // namespace

common::Result<std::map<GroupKey, SignalHistory>> FetchSignalHistories(
    promql::PrometheusApi& prometheus, std::span<const SignalQuery> queries,
    promql::TimePoint start, promql::TimePoint end, std::chrono::milliseconds step,
    std::span<const std::string> group_by) {
  // The matrices must outlive the per-group pointers into them.
  std::vector<promql::Matrix> matrices;
  matrices.reserve(queries.size());
  std::map<GroupKey, std::vector<const promql::Series*>> groups;
  for (size_t signal = 0; signal < queries.size(); ++signal) {
    const SignalQuery& q = queries[signal];
    common::Result<promql::RangeQueryResult> result =
        prometheus.RangeQuery(q.query, start, end, step);
    if (!result.ok()) return result.status().WithContext(fmt::format("signal {}", q.name));
    matrices.push_back(std::move(result->matrix));
    for (const promql::Series& series : matrices.back()) {
      std::vector<const promql::Series*>& slots = groups[KeyOf(series.labels, group_by)];
      slots.resize(queries.size(), nullptr);
      if (slots[signal] != nullptr) {
        if (group_by.empty()) {
          return common::InvalidArgument(fmt::format(
              "signal {} returned more than one series; aggregate it to one, e.g. sum(...)",
              q.name));
        }
        return common::InvalidArgument(fmt::format(
            "signal {} returned more than one series for {}; aggregate it to one per group, "
            "e.g. sum by ({}) (...)",
            q.name, DescribeGroup(KeyOf(series.labels, group_by), group_by),
            fmt::join(group_by, ", ")));
      }
      slots[signal] = &series;
    }
  }
  std::map<GroupKey, SignalHistory> histories;
  for (const auto& [key, series] : groups) histories.emplace(key, AlignByTime(queries, series));
  return histories;
}

SignalScore ScoreHistory(rebound::anomaly::Scorer& scorer, const SignalHistory& history,
                         std::size_t from) {
  assert(static_cast<size_t>(scorer.options().signals) == history.signals.size());
  for (size_t i = from; i < history.times.size(); ++i) scorer.Update(history.Row(i));
  SignalScore out;
  out.score = scorer.score();
  out.contributions.assign(scorer.contributions().begin(), scorer.contributions().end());
  out.top_signal = scorer.top_signal();
  out.samples = scorer.samples();
  out.warm = scorer.warm();
  return out;
}

}  // namespace rebound::controller::anomaly
