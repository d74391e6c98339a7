#include "tools/kubesim/disruption_controller.h"

#include <algorithm>

#include "tools/kubesim/json_access.h"
#include "tools/kubesim/selectors.h"
#include "tools/kubesim/workload_util.h"

namespace rebound::kubesim {

void DisruptionController::Reconcile() {
  const ResourceType& pdb_type = TypeOf(Kind::kPodDisruptionBudget);
  for (const json& pdb : store_.ListObjects(pdb_type).items) {
    const json* selector_json = Find(pdb, "/spec/selector");
    auto selector = LabelSelector::FromJson(selector_json ? *selector_json : json());
    if (!selector.ok()) continue;
    int64_t expected = 0, healthy = 0;
    for (const json& pod : store_.ListObjects(TypeOf(Kind::kPod), NamespaceOf(pdb)).items) {
      if (!selector->Matches(StringMapAt(pod, "/metadata/labels"))) continue;
      ++expected;
      healthy += PodReady(pod) ? 1 : 0;
    }
    int64_t desired =
        Find(pdb, "/spec/minAvailable") != nullptr
            ? ScaledValue(Find(pdb, "/spec/minAvailable"), expected, true, 0)
            : expected - ScaledValue(Find(pdb, "/spec/maxUnavailable"), expected, true, 0);
    json next = pdb;
    json& status = EnsureObject(next, "/status");
    status["observedGeneration"] = IntAt(pdb, "/metadata/generation", 1);
    status["expectedPods"] = expected;
    status["currentHealthy"] = healthy;
    status["desiredHealthy"] = std::max<int64_t>(0, desired);
    status["disruptionsAllowed"] = std::max<int64_t>(0, healthy - desired);
    bool sufficient = healthy >= desired;
    SetCondition(status["conditions"], "DisruptionAllowed",
                 healthy - desired > 0 ? "True" : "False",
                 sufficient ? "SufficientPods" : "InsufficientPods", "", KubeTime(clock_.Now()));
    (void)store_.Replace(pdb_type, std::move(next), ResourceVersionOf(pdb));
  }
}

}  // namespace rebound::kubesim
