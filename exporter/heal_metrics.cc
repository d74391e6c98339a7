#include "exporter/heal_metrics.h"

#include <array>

namespace rebound::exporter {
namespace {

using prometheus::MetricType;

// Guardrail reasons, so that their series exist from start-up.
constexpr std::string_view kReasons[] = {
    "paused",       "protected_namespace",   "circuit_open", "cooldown",
    "max_per_hour", "playbook_max_per_hour", "blast_radius", "min_replicas",
    "max_replicas", "pod_disruption_budget", "anomaly"};

constexpr std::string_view kPlaybook[] = {"playbook"};
constexpr std::string_view kAction[] = {"action"};
constexpr std::string_view kReason[] = {"reason"};
constexpr std::string_view kPlaybookAction[] = {"playbook", "action"};
constexpr std::string_view kPlaybookActionResult[] = {"playbook", "action", "result"};
constexpr std::string_view kPlaybookOutcome[] = {"playbook", "outcome"};

constexpr FamilySpec kInProgress{"rebound_heal_in_progress", MetricType::Gauge,
                                 "Remediations running now."};
constexpr FamilySpec kPaused{"rebound_paused", MetricType::Gauge,
                             "1 while the kill switch stops healing, else 0."};
constexpr FamilySpec kActions{"rebound_heal_actions_total", MetricType::Counter,
                              "Playbook actions by result: done, dry_run, noop, refused, failed.",
                              kPlaybookActionResult};
constexpr FamilySpec kActionSeconds{"rebound_heal_action_seconds", MetricType::Histogram,
                                    "Time an action took, verification excluded.", kAction};
constexpr FamilySpec kTimeToResolve{"rebound_heal_time_to_resolve_seconds", MetricType::Histogram,
                                    "From the alert's start to a verified repair.", kPlaybook};
constexpr FamilySpec kGuardrailBlocks{"rebound_guardrail_blocks_total", MetricType::Counter,
                                      "Remediations or actions a guardrail refused, by guardrail.",
                                      kReason};
constexpr FamilySpec kSuccessRatio{"rebound_playbook_success_ratio", MetricType::Gauge,
                                   "Share of a playbook step's verifications that passed.",
                                   kPlaybookAction};
constexpr FamilySpec kRemediations{"rebound_heal_remediations_total", MetricType::Counter,
                                   "Finished remediations by outcome: healed, unhealed, refused, "
                                   "skipped, dry_run.",
                                   kPlaybookOutcome};
constexpr FamilySpec kEscalations{"rebound_escalations_total", MetricType::Counter,
                                  "Remediations that ended by asking a person to look.", kPlaybook};
constexpr std::string_view kTargetLabels[] = {"namespace", "kind", "name", "state"};
constexpr FamilySpec kTargetState{"rebound_target_state", MetricType::Gauge,
                                  "1 while a target is healing, escalated (a person must act) or "
                                  "held by its circuit breaker; absent while healthy.",
                                  kTargetLabels};
constexpr std::array kTargetStateFamilies = {kTargetState};

constexpr FamilySpec kUnmatched{"rebound_heal_unmatched_alerts_total", MetricType::Counter,
                                "Firing alerts no playbook matched."};

constexpr std::array kFamilies = {kInProgress,    kPaused,          kActions,      kActionSeconds,
                                  kTimeToResolve, kGuardrailBlocks, kSuccessRatio, kRemediations,
                                  kEscalations,   kUnmatched};

prometheus::Histogram::BucketBoundaries ActionBuckets() {
  return {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
}

prometheus::Histogram::BucketBoundaries ResolveBuckets() {
  return {10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200};
}

double Seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

HealMetrics::HealMetrics(prometheus::Registry& registry)
    : in_progress(RegisterGauge(registry, kInProgress).Add({})),
      paused(RegisterGauge(registry, kPaused).Add({})),
      actions_(RegisterCounter(registry, kActions)),
      action_seconds_(RegisterHistogram(registry, kActionSeconds)),
      time_to_resolve_(RegisterHistogram(registry, kTimeToResolve)),
      guardrail_blocks_(RegisterCounter(registry, kGuardrailBlocks)),
      success_ratio_(RegisterGauge(registry, kSuccessRatio)),
      remediations_(RegisterCounter(registry, kRemediations)),
      escalations_(RegisterCounter(registry, kEscalations)),
      unmatched_(RegisterCounter(registry, kUnmatched).Add({})) {
  for (std::string_view reason : kReasons) guardrail_blocks_.Add({{"reason", std::string(reason)}});
}

std::span<const FamilySpec> HealMetrics::Families() { return kFamilies; }

void HealMetrics::ActionRan(const std::string& playbook, const std::string& action,
                            std::string_view result, std::optional<std::chrono::nanoseconds> took) {
  actions_.Add({{"playbook", playbook}, {"action", action}, {"result", std::string(result)}})
      .Increment();
  if (took) action_seconds_.Add({{"action", action}}, ActionBuckets()).Observe(Seconds(*took));
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

void HealMetrics::RemediationEnded(const std::string& playbook, std::string_view outcome,
                                   std::optional<std::chrono::nanoseconds> time_to_resolve) {
  remediations_.Add({{"playbook", playbook}, {"outcome", std::string(outcome)}}).Increment();
  if (time_to_resolve) {
    time_to_resolve_.Add({{"playbook", playbook}}, ResolveBuckets())
        .Observe(Seconds(*time_to_resolve));
  }
}

void HealMetrics::Unmatched() { unmatched_.Increment(); }

void HealMetrics::Escalated(const std::string& playbook) {
  escalations_.Add({{"playbook", playbook}}).Increment();
}

std::vector<prometheus::MetricFamily> TargetStateCollector::Collect() const {
  std::vector<TargetStateSample> samples = source_();
  if (samples.empty()) return {};
  prometheus::MetricFamily family;
  family.name = std::string(kTargetState.name);
  family.help = std::string(kTargetState.help);
  family.type = kTargetState.type;
  for (TargetStateSample& sample : samples) {
    prometheus::ClientMetric metric;
    metric.label = {{"namespace", std::move(sample.ns)},
                    {"kind", std::move(sample.kind)},
                    {"name", std::move(sample.name)},
                    {"state", std::move(sample.state)}};
    metric.gauge.value = 1;
    family.metric.push_back(std::move(metric));
  }
  return {std::move(family)};
}

std::span<const FamilySpec> TargetStateCollector::Families() { return kTargetStateFamilies; }

}  // namespace rebound::exporter
