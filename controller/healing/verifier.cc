#include "controller/healing/verifier.h"

#include "common/duration.h"

namespace rebound::controller::healing {

std::string_view VerifyReasonName(VerifyReason reason) {
  switch (reason) {
    case VerifyReason::kNone:
      return "";
    case VerifyReason::kNotResolved:
      return "not_resolved";
    case VerifyReason::kNotReady:
      return "not_ready";
    case VerifyReason::kQuery:
      return "query";
    case VerifyReason::kStopped:
      return "stopped";
    case VerifyReason::kTemplate:
      return "template";
  }
  return "unknown";
}

std::pair<VerifyReason, std::string> Verifier::Check(
    const playbook::Verify& spec, const actions::Target& target,
    const std::vector<intake::EpisodeKey>& episodes, const std::string& query) const {
  if (spec.resolved) {
    for (const intake::EpisodeKey& key : episodes) {
      common::Result<intake::Episode> episode = deps_.journal.Get(key);
      if (!episode.ok()) {
        return {VerifyReason::kNotResolved,
                "cannot read the alert episode: " + episode.status().message()};
      }
      if (episode->status != intake::AlertStatus::kResolved) {
        return {VerifyReason::kNotResolved, "the alert is still firing"};
      }
    }
  }
  common::Result<nlohmann::json> workload =
      deps_.kube.Get(target.resource(), target.ns, target.name);
  if (!workload.ok()) {
    return {VerifyReason::kNotReady,
            "cannot read " + target.ToString() + ": " + workload.status().message()};
  }
  std::string why;
  if (!WorkloadReady(*workload, &why)) {
    return {VerifyReason::kNotReady, target.ToString() + " not ready: " + why};
  }
  if (!query.empty()) {
    if (deps_.prometheus == nullptr) {
      return {VerifyReason::kQuery,
              "no Prometheus is configured (prometheus.url) to evaluate " + query};
    }
    common::Result<bool> holds = promql::EvaluateCondition(*deps_.prometheus, query);
    if (!holds.ok()) {
      return {VerifyReason::kQuery, "cannot evaluate " + query + ": " + holds.status().message()};
    }
    if (!*holds) return {VerifyReason::kQuery, "condition does not hold: " + query};
  }
  return {VerifyReason::kNone, ""};
}

VerifyOutcome Verifier::Verify(const playbook::Verify& spec, const actions::Target& target,
                               const std::function<std::vector<intake::EpisodeKey>()>& episodes,
                               const templates::TemplateContext& vars,
                               std::stop_token stop) const {
  const auto start = deps_.clock.MonotonicNow();
  VerifyOutcome out;
  std::string query;
  if (spec.query) {
    common::Result<std::string> rendered = spec.query->Render(vars);
    if (!rendered.ok()) {
      out.reason = VerifyReason::kTemplate;
      out.message = "cannot render verify.query: " + rendered.status().message();
      return out;
    }
    query = *rendered;
  }
  for (;;) {
    auto [reason, message] = Check(spec, target, episodes(), query);
    out.took = std::chrono::duration_cast<std::chrono::milliseconds>(deps_.clock.MonotonicNow() -
                                                                     start);
    if (reason == VerifyReason::kNone) {
      out.passed = true;
      out.reason = VerifyReason::kNone;
      out.message = "verified after " + common::FormatDuration(out.took) + ": " +
                    (spec.resolved ? "alert resolved, " : "") + target.ToString() + " ready" +
                    (query.empty() ? "" : ", " + query + " holds");
      return out;
    }
    out.reason = reason;
    out.message = message;
    const auto remaining = spec.within - (deps_.clock.MonotonicNow() - start);
    if (remaining <= std::chrono::milliseconds(0)) {
      out.message = "not verified within " + common::FormatDuration(spec.within) + ": " + message;
      return out;
    }
    auto wait = std::min<std::chrono::milliseconds>(
        deps_.poll_interval, std::chrono::duration_cast<std::chrono::milliseconds>(remaining));
    if (!deps_.sleeper.SleepFor(std::max(wait, std::chrono::milliseconds(1)), stop)) {
      out.reason = VerifyReason::kStopped;
      out.message = "shutting down before verification finished";
      return out;
    }
  }
}

}  // namespace rebound::controller::healing
