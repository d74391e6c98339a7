#include "controller/anomaly/gate.h"

#include <fmt/format.h>

#include <charconv>
#include <map>

#include "anomaly/scorer.h"
#include "common/duration.h"

namespace rebound::controller::anomaly {
namespace {

// `score` with as few decimals (at least two) as keep it on the same side of `above` as it
// really is, so that a message never reads "0.99 is not above 0.99".
std::string FormatScore(double score, double above) {
  std::string text;
  for (int decimals = 2; decimals <= 17; ++decimals) {
    text = fmt::format("{:.{}f}", score, decimals);
    double shown = 0;
    std::from_chars(text.data(), text.data() + text.size(), shown);
    if ((shown > above) == (score > above)) break;
  }
  return text;
}

GateDecision Missing(const GateRequest& request, std::string why) {
  GateDecision decision;
  decision.pass = request.on_missing_data == OnMissingData::kAct;
  decision.explanation = fmt::format("no anomaly score ({}); onMissingData is {}", why,
                                     OnMissingDataName(request.on_missing_data));
  return decision;
}

}  // namespace

std::string_view OnMissingDataName(OnMissingData on_missing_data) {
  return on_missing_data == OnMissingData::kAct ? "act" : "skip";
}

GateDecision EvaluateGate(promql::PrometheusApi* prometheus, const GateRequest& request,
                          promql::TimePoint now) {
  if (prometheus == nullptr) return Missing(request, "no Prometheus is configured");
  const std::string window = "the last " + common::FormatDuration(request.lookback);
  common::Result<std::map<GroupKey, SignalHistory>> histories = FetchSignalHistories(
      *prometheus, request.signals, now - request.lookback, now, request.step, {});
  if (!histories.ok()) {
    return Missing(request, "cannot read the signals: " + histories.status().message());
  }
  if (histories->empty()) return Missing(request, "the signals have no data over " + window);

  rebound::anomaly::ScorerOptions options;
  options.signals = static_cast<int>(request.signals.size());
  common::Result<rebound::anomaly::Scorer> scorer = rebound::anomaly::Scorer::Create(options);
  if (!scorer.ok()) return Missing(request, scorer.status().message());
  const SignalHistory& history = histories->begin()->second;
  const SignalScore scored = ScoreHistory(*scorer, history);
  if (!scored.warm) {
    return Missing(request, fmt::format("{} samples over {} at a {} step, fewer than the {} the "
                                        "scorer learns from first",
                                        scored.samples, window,
                                        common::FormatDuration(request.step), options.warmup));
  }

  GateDecision decision;
  decision.scored = true;
  decision.score = scored.score;
  decision.samples = scored.samples;
  decision.pass = scored.score > request.above;
  if (scored.top_signal >= 0) decision.top_signal = history.signals[scored.top_signal];
  decision.explanation = fmt::format(
      "anomaly score {} ({}) is {}above {}", FormatScore(scored.score, request.above),
      decision.top_signal.empty() ? "no signal deviates" : "top signal " + decision.top_signal,
      decision.pass ? "" : "not ", request.above);
  return decision;
}

}  // namespace rebound::controller::anomaly
