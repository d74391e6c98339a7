#include "controller/actions/disruption_guards.h"

#include <algorithm>
#include <string>

#include "controller/actions/action_support.h"
#include "controller/actions/label_selector.h"
#include "kube/object.h"

namespace rebound::controller::actions {

std::optional<ActionResult> CheckBlastRadius(const Target& target, const BlastRadius& limits,
                                             int64_t total, int64_t terminating,
                                             int64_t to_delete) {
  const int64_t by_percent = std::max<int64_t>(1, total * limits.max_percent / 100);
  const int64_t limit = std::min<int64_t>(limits.max_pods, by_percent);
  if (terminating + to_delete <= limit) return std::nullopt;
  return Refused(
      "blast_radius",
      "deleting " + Plural(to_delete, "pod", "pods") + " of " + target.ToString() + " with " +
          std::to_string(terminating) + " already terminating would disrupt " +
          std::to_string(terminating + to_delete) + " of its " + std::to_string(total) +
          " pods at once; the limit is " + std::to_string(limit) + " (max_pods " +
          std::to_string(limits.max_pods) + ", max_percent " + std::to_string(limits.max_percent) +
          "% of " + std::to_string(total) + " = " + std::to_string(by_percent) + ")");
}

common::Result<std::optional<ActionResult>> CheckDisruptionBudgets(
    kube::KubeClient& kube, std::string_view ns, const std::vector<nlohmann::json>& victims) {
  common::Result<kube::ObjectList> budgets = kube.List(kube::kPodDisruptionBudgets, ns, {});
  if (!budgets.ok()) return budgets.status();
  for (const nlohmann::json& budget : budgets->items) {
    const nlohmann::json& selector = JsonAt(budget, {"spec", "selector"});
    const int64_t covered =
        std::count_if(victims.begin(), victims.end(), [&](const nlohmann::json& pod) {
          return SelectorMatches(selector, JsonAt(pod, {"metadata", "labels"}));
        });
    if (covered == 0) continue;
    const nlohmann::json& allowed_json = JsonAt(budget, {"status", "disruptionsAllowed"});
    const int64_t allowed = allowed_json.is_number_integer() ? allowed_json.get<int64_t>() : 0;
    if (allowed >= covered) continue;
    return std::optional<ActionResult>(Refused(
        "pod_disruption_budget",
        "PodDisruptionBudget " + std::string(ns) + "/" + kube::ObjectName(budget) + " allows " +
            Plural(allowed, "disruption", "disruptions") + "; deleting " +
            Plural(covered, "pod", "pods") + " it covers needs " + std::to_string(covered)));
  }
  return std::optional<ActionResult>();
}

}  // namespace rebound::controller::actions
