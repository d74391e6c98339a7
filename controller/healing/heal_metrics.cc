#include "controller/healing/heal_metrics.h"

#include <prometheus/histogram.h>

namespace rebound::controller::healing {
namespace {

// Guardrail reasons, so that their series exist from start-up.
constexpr std::string_view kReasons[] = {
    "paused",       "protected_namespace", "circuit_open",          "cooldown",
    "max_per_hour", "playbook_max_per_hour", "blast_radius",        "min_replicas",
    "max_replicas", "pod_disruption_budget", "anomaly"};

prometheus::Histogram::BucketBoundaries ActionBuckets() {
  return {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
}

prometheus::Histogram::BucketBoundaries ResolveBuckets() {
  return {10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200};
}

double Seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

HealMetrics::HealMetrics(prometheus::Registry& registry)
    : in_progress(prometheus::BuildGauge()
                      .Name("rebound_heal_in_progress")
                      .Help("Remediations running now.")
                      .Register(registry)
                      .Add({})),
      paused(prometheus::BuildGauge()
                 .Name("rebound_paused")
                 .Help("1 while the kill switch stops healing, else 0.")
                 .Register(registry)
                 .Add({})),
      actions_(prometheus::BuildCounter()
                   .Name("rebound_heal_actions_total")
                   .Help("Playbook actions by result: done, dry_run, noop, refused, failed.")
                   .Register(registry)),
      action_seconds_(prometheus::BuildHistogram()
                          .Name("rebound_heal_action_seconds")
                          .Help("Time an action took, verification excluded.")
                          .Register(registry)),
      time_to_resolve_(prometheus::BuildHistogram()
                           .Name("rebound_heal_time_to_resolve_seconds")
                           .Help("From the alert's start to a verified repair.")
                           .Register(registry)),
      guardrail_blocks_(prometheus::BuildCounter()
                            .Name("rebound_guardrail_blocks_total")
                            .Help("Remediations or actions a guardrail refused, by guardrail.")
                            .Register(registry)),
      success_ratio_(prometheus::BuildGauge()
                         .Name("rebound_playbook_success_ratio")
                         .Help("Share of a playbook step's verifications that passed.")
                         .Register(registry)),
      remediations_(prometheus::BuildCounter()
                        .Name("rebound_heal_remediations_total")
                        .Help("Finished remediations by outcome: healed, unhealed, refused, "
                              "skipped, dry_run.")
                        .Register(registry)),
      escalations_(prometheus::BuildCounter()
                       .Name("rebound_escalations_total")
                       .Help("Remediations that ended by asking a person to look.")
                       .Register(registry)),
      unmatched_(prometheus::BuildCounter()
                     .Name("rebound_heal_unmatched_alerts_total")
                     .Help("Firing alerts no playbook matched.")
                     .Register(registry)
                     .Add({})) {
  for (std::string_view reason : kReasons) guardrail_blocks_.Add({{"reason", std::string(reason)}});
}

void HealMetrics::ActionRan(const std::string& playbook, const std::string& action,
                            actions::ActionResult::Outcome result, std::chrono::nanoseconds took) {
  actions_
      .Add({{"playbook", playbook},
            {"action", action},
            {"result", std::string(actions::OutcomeName(result))}})
      .Increment();
  if (result != actions::ActionResult::Outcome::kRefused) {
    action_seconds_.Add({{"action", action}}, ActionBuckets()).Observe(Seconds(took));
  }
}

void HealMetrics::GuardrailBlocked(const std::string& reason) {
  guardrail_blocks_.Add({{"reason", reason}}).Increment();
}

void HealMetrics::StepVerified(const std::string& playbook, const std::string& action,
                               bool passed) {
  std::lock_guard lock(mu_);
  auto& [ok, all] = verified_[{playbook, action}];
  ok += passed ? 1 : 0;
  all += 1;
  success_ratio_.Add({{"playbook", playbook}, {"action", action}})
      .Set(static_cast<double>(ok) / static_cast<double>(all));
}

void HealMetrics::RemediationEnded(const std::string& playbook, RemediationOutcome outcome,
                                   std::optional<std::chrono::nanoseconds> time_to_resolve) {
  remediations_
      .Add({{"playbook", playbook}, {"outcome", std::string(RemediationOutcomeName(outcome))}})
      .Increment();
  if (time_to_resolve) {
    time_to_resolve_.Add({{"playbook", playbook}}, ResolveBuckets())
        .Observe(Seconds(*time_to_resolve));
  }
}

void HealMetrics::Unmatched() { unmatched_.Increment(); }

void HealMetrics::Escalated(const std::string& playbook) {
  escalations_.Add({{"playbook", playbook}}).Increment();
}

}  // namespace rebound::controller::healing
