#include "controller/anomaly/signal_set.h"

#include <nlohmann/json.hpp>

namespace rebound::controller::anomaly {

rebound::anomaly::ScorerOptions ScorerOptionsFor(const SignalSet& set,
                                                 std::chrono::milliseconds step) {
  rebound::anomaly::ScorerOptions options;
  options.signals = static_cast<int>(set.queries.size());
  options.season = step.count() > 0 ? static_cast<int>(set.season / step) : 0;
  return options;
}

std::string Signature(const SignalSet& set, std::chrono::milliseconds step) {
  nlohmann::json queries = nlohmann::json::array();
  for (const SignalQuery& q : set.queries) queries.push_back({q.name, q.query});
  return nlohmann::json{
      {"step_ms", step.count()}, {"season_ms", set.season.count()}, {"queries", queries}}
      .dump();
}

}  // namespace rebound::controller::anomaly
