// Metrics of healing (DESIGN.md section 10, "Healing" group), registered on the caller's
// registry. Series for every guardrail reason exist from start-up so that rates and the
// ReboundGuardrailStorm alert work before the first refusal. TargetStateCollector serves
// rebound_target_state, read from its source at each scrape (a target's circuit breaker
// closes as time passes, with no event to report it).
//
// Thread-safety: all methods may be called from any thread (prometheus-cpp metrics are
// thread-safe; the success counts behind rebound_playbook_success_ratio have a mutex);
// TargetStateCollector::Collect calls its source from the scraping thread.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "exporter/family.h"

namespace rebound::exporter {

class HealMetrics {
 public:
  explicit HealMetrics(prometheus::Registry& registry);

  // The families this class registers.
  static std::span<const FamilySpec> Families();

  // An action ran: rebound_heal_actions_total{playbook,action,result} (`result` is the
  // action outcome's name) and, when it took time (`took` is nullopt for a refusal, which ran
  // nothing), rebound_heal_action_seconds{action}.
  void ActionRan(const std::string& playbook, const std::string& action, std::string_view result,
                 std::optional<std::chrono::nanoseconds> took);
  // A guardrail refused: rebound_guardrail_blocks_total{reason}.
  void GuardrailBlocked(const std::string& reason);
  // A step's verification: feeds rebound_playbook_success_ratio{playbook,action}.
  void StepVerified(const std::string& playbook, const std::string& action, bool passed);
  // A remediation ended: rebound_heal_remediations_total{playbook,outcome} and, when it healed,
  // rebound_heal_time_to_resolve_seconds{playbook} (from the alert's start to verification).
  // `outcome` is the remediation outcome's name.
  void RemediationEnded(const std::string& playbook, std::string_view outcome,
                        std::optional<std::chrono::nanoseconds> time_to_resolve);
  // An alert matched no playbook: rebound_heal_unmatched_alerts_total.
  void Unmatched();
  // rebound_escalations_total{playbook}
  void Escalated(const std::string& playbook);

  prometheus::Gauge& in_progress;  // rebound_heal_in_progress
  prometheus::Gauge& paused;       // rebound_paused

 private:
  prometheus::Family<prometheus::Counter>& actions_;
  prometheus::Family<prometheus::Histogram>& action_seconds_;
  prometheus::Family<prometheus::Histogram>& time_to_resolve_;
  prometheus::Family<prometheus::Counter>& guardrail_blocks_;
  prometheus::Family<prometheus::Gauge>& success_ratio_;
  prometheus::Family<prometheus::Counter>& remediations_;
  prometheus::Family<prometheus::Counter>& escalations_;
  prometheus::Counter& unmatched_;
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>> verified_;  // ok, all
};

// One target that is not healthy: rebound_target_state{namespace,kind,name,state} = 1.
struct TargetStateSample {
  std::string ns;
  std::string kind;  // "Deployment" | "StatefulSet"
  std::string name;
  std::string state;  // "healing" | "escalated" | "circuit_open"
};

class TargetStateCollector final : public prometheus::Collectable {
 public:
  using Source = std::function<std::vector<TargetStateSample>()>;
  explicit TargetStateCollector(Source source) : source_(std::move(source)) {}

  // rebound_target_state, one series per sample of the source; nothing when it has none.
  std::vector<prometheus::MetricFamily> Collect() const override;

  // The families Collect returns.
  static std::span<const FamilySpec> Families();

 private:
  Source source_;
};

}  // namespace rebound::exporter
