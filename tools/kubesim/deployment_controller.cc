#include "tools/kubesim/deployment_controller.h"

#include <algorithm>
#include <charconv>

#include "tools/kubesim/json_access.h"
#include "tools/kubesim/workload_util.h"

namespace rebound::kubesim {
namespace {

constexpr std::string_view kComponent = "deployment-controller";

int64_t RevisionOf(const json& rs) {
  auto annotations = StringMapAt(rs, "/metadata/annotations");
  std::string text = annotations[std::string(kRevisionAnnotation)];
  int64_t revision = 0;
  std::from_chars(text.data(), text.data() + text.size(), revision);
  return revision;
}

void SetRevision(json& rs, int64_t revision) {
  EnsureObject(rs, "/metadata/annotations")[std::string(kRevisionAnnotation)] =
      std::to_string(revision);
}

json TemplateWithoutHash(json pod_template) {
  if (pod_template.is_object() && pod_template.contains("metadata") &&
      pod_template["metadata"].is_object() && pod_template["metadata"].contains("labels") &&
      pod_template["metadata"]["labels"].is_object()) {
    pod_template["metadata"]["labels"].erase(std::string(kTemplateHashLabel));
  }
  return pod_template;
}

int64_t Replicas(const json& object) { return IntAt(object, "/spec/replicas", 0); }
int64_t Ready(const json& object) { return IntAt(object, "/status/readyReplicas", 0); }

int64_t MaxSurge(const json& d) {
  return ScaledValue(Find(d, "/spec/strategy/rollingUpdate/maxSurge"), Replicas(d), true,
                     (Replicas(d) + 3) / 4);  // the default, 25% rounded up
}

int64_t MaxUnavailable(const json& d) {
  int64_t value = ScaledValue(Find(d, "/spec/strategy/rollingUpdate/maxUnavailable"), Replicas(d),
                              false, Replicas(d) / 4);  // 25% rounded down
  return value == 0 && MaxSurge(d) == 0 ? 1 : value;
}

}  // namespace

void DeploymentController::Reconcile() {
  for (const json& d : store_.ListObjects(TypeOf(Kind::kDeployment)).items) ReconcileOne(d);
}

void DeploymentController::ReconcileOne(const json& d) {
  std::vector<json> owned = OwnedBy(store_, TypeOf(Kind::kReplicaSet), NamespaceOf(d), UidOf(d));
  std::optional<size_t> index = NewReplicaSet(d, owned);
  if (!index) return;
  json& new_rs = owned[*index];
  if (!BoolAt(d, "/spec/paused", false)) {
    std::vector<json*> old;
    for (json& rs : owned) {
      if (&rs != &new_rs) old.push_back(&rs);
    }
    std::sort(old.begin(), old.end(), [](const json* a, const json* b) {
      return StringAt(*a, "/metadata/creationTimestamp") <
             StringAt(*b, "/metadata/creationTimestamp");
    });
    if (StringAt(d, "/spec/strategy/type") == "Recreate") {
      Recreate(d, new_rs, old);
    } else {
      RollingUpdate(d, new_rs, old);
    }
  }
  UpdateStatus(d, new_rs, owned);
  PruneHistory(d, new_rs, owned);
}

std::optional<size_t> DeploymentController::NewReplicaSet(const json& d, std::vector<json>& owned) {
  const ResourceType& rs_type = TypeOf(Kind::kReplicaSet);
  const json* pod_template = Find(d, "/spec/template");
  if (pod_template == nullptr) return std::nullopt;
  int64_t max_revision = 0;
  for (const json& rs : owned) max_revision = std::max(max_revision, RevisionOf(rs));
  for (size_t i = 0; i < owned.size(); ++i) {
    const json* rs_template = Find(owned[i], "/spec/template");
    if (rs_template == nullptr || TemplateWithoutHash(*rs_template) != *pod_template) continue;
    if (RevisionOf(owned[i]) < max_revision) {
      json updated = owned[i];
      SetRevision(updated, max_revision + 1);
      auto stored = store_.Replace(rs_type, std::move(updated), ResourceVersionOf(owned[i]));
      if (!stored.ok()) return std::nullopt;
      owned[i] = std::move(*stored);
    }
    return i;
  }
  std::string hash = ShortHash(*pod_template);
  json labeled = *pod_template;
  EnsureObject(labeled, "/metadata/labels")[std::string(kTemplateHashLabel)] = hash;
  const json* d_selector = Find(d, "/spec/selector");
  json selector = d_selector ? *d_selector : json::object();
  EnsureObject(selector, "/matchLabels")[std::string(kTemplateHashLabel)] = hash;
  json annotations = json::object();
  for (const auto& [key, value] : StringMapAt(d, "/metadata/annotations")) {
    if (!key.starts_with("deployment.kubernetes.io/") &&
        key != "kubectl.kubernetes.io/last-applied-configuration") {
      annotations[key] = value;
    }
  }
  annotations[std::string(kRevisionAnnotation)] = std::to_string(max_revision + 1);
  annotations["deployment.kubernetes.io/desired-replicas"] = std::to_string(Replicas(d));
  annotations["deployment.kubernetes.io/max-replicas"] = std::to_string(Replicas(d) + MaxSurge(d));
  json rs = {{"metadata",
              {{"name", NameOf(d) + "-" + hash},
               {"namespace", NamespaceOf(d)},
               {"labels", labeled["metadata"]["labels"]},
               {"annotations", annotations},
               {"ownerReferences", {ControllerReference(TypeOf(Kind::kDeployment), d)}},
               {"generation", 1}}},
             {"spec",
              {{"replicas", 0},
               {"minReadySeconds", IntAt(d, "/spec/minReadySeconds", 0)},
               {"selector", selector},
               {"template", labeled}}},
             {"status", {{"replicas", 0}, {"observedGeneration", 1}}}};
  auto created = store_.Create(rs_type, std::move(rs));
  if (!created.ok()) return std::nullopt;
  owned.push_back(std::move(*created));
  return owned.size() - 1;
}

void DeploymentController::Scale(const json& d, json& rs, int64_t replicas) {
  int64_t before = Replicas(rs);
  if (before == replicas) return;
  json updated = rs;
  updated["spec"]["replicas"] = replicas;
  EnsureObject(updated, "/metadata/annotations")["deployment.kubernetes.io/desired-replicas"] =
      std::to_string(Replicas(d));
  auto stored =
      store_.Replace(TypeOf(Kind::kReplicaSet), std::move(updated), ResourceVersionOf(rs));
  if (!stored.ok()) return;
  rs = std::move(*stored);
  events_.Record(TypeOf(Kind::kDeployment), d, "Normal", "ScalingReplicaSet",
                 std::string(replicas > before ? "Scaled up" : "Scaled down") + " replica set " +
                     NameOf(rs) + " from " + std::to_string(before) + " to " +
                     std::to_string(replicas),
                 kComponent);
}

void DeploymentController::RollingUpdate(const json& d, json& new_rs, std::vector<json*>& old) {
  int64_t desired = Replicas(d);
  bool old_active =
      std::any_of(old.begin(), old.end(), [](const json* rs) { return Replicas(*rs) > 0; });
  if (!old_active) {
    Scale(d, new_rs, desired);
    return;
  }
  int64_t total = Replicas(new_rs);
  for (const json* rs : old) total += Replicas(*rs);
  int64_t ceiling = desired + MaxSurge(d);
  if (Replicas(new_rs) > desired) {
    Scale(d, new_rs, desired);
  } else if (total < ceiling) {
    Scale(d, new_rs, std::min(desired, Replicas(new_rs) + ceiling - total));
  }
  total = Replicas(new_rs);
  for (const json* rs : old) total += Replicas(*rs);
  int64_t min_available = desired - MaxUnavailable(d);
  int64_t new_unavailable = std::max<int64_t>(0, Replicas(new_rs) - Ready(new_rs));
  // First remove old pods that are not ready anyway, then ready ones while enough stay ready.
  int64_t cleanup = total - min_available - new_unavailable;
  for (json* rs : old) {
    int64_t unhealthy = std::max<int64_t>(0, Replicas(*rs) - Ready(*rs));
    int64_t n = std::min(cleanup, unhealthy);
    if (n <= 0) continue;
    Scale(d, *rs, Replicas(*rs) - n);
    cleanup -= n;
  }
  int64_t available = Ready(new_rs);
  for (const json* rs : old) available += std::min(Ready(*rs), Replicas(*rs));
  int64_t can_remove = available - min_available;
  for (json* rs : old) {
    if (can_remove <= 0) break;
    int64_t n = std::min(Replicas(*rs), can_remove);
    if (n <= 0) continue;
    Scale(d, *rs, Replicas(*rs) - n);
    can_remove -= n;
  }
}

void DeploymentController::Recreate(const json& d, json& new_rs, std::vector<json*>& old) {
  bool old_pods = false;
  for (json* rs : old) {
    if (Replicas(*rs) > 0) Scale(d, *rs, 0);
    old_pods = old_pods || Replicas(*rs) > 0 || IntAt(*rs, "/status/replicas", 0) > 0;
  }
  if (!old_pods) Scale(d, new_rs, Replicas(d));
}

void DeploymentController::UpdateStatus(const json& d, const json& new_rs,
                                        const std::vector<json>& owned) {
  int64_t desired = Replicas(d);
  int64_t replicas = 0, ready = 0, available = 0;
  for (const json& rs : owned) {
    replicas += IntAt(rs, "/status/replicas", 0);
    ready += Ready(rs);
    available += IntAt(rs, "/status/availableReplicas", 0);
  }
  int64_t updated_replicas = IntAt(new_rs, "/status/replicas", 0);
  json updated = d;
  EnsureObject(updated, "/metadata/annotations")[std::string(kRevisionAnnotation)] =
      std::to_string(RevisionOf(new_rs));
  json& status = EnsureObject(updated, "/status");
  status["observedGeneration"] = IntAt(d, "/metadata/generation", 1);
  status["replicas"] = replicas;
  status["updatedReplicas"] = updated_replicas;
  status["readyReplicas"] = ready;
  status["availableReplicas"] = available;
  status["unavailableReplicas"] = std::max<int64_t>(0, desired - available);
  std::string now = KubeTime(clock_.Now());
  bool minimum = available >= desired - MaxUnavailable(d);
  SetCondition(status["conditions"], "Available", minimum ? "True" : "False",
               minimum ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
               minimum ? "Deployment has minimum availability."
                       : "Deployment does not have minimum availability.",
               now);
  bool complete = updated_replicas == desired && replicas == desired && available == desired;
  SetCondition(status["conditions"], "Progressing", "True",
               complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
               "ReplicaSet \"" + NameOf(new_rs) +
                   (complete ? "\" has successfully progressed." : "\" is progressing."),
               now);
  (void)store_.Replace(TypeOf(Kind::kDeployment), std::move(updated), ResourceVersionOf(d));
}

void DeploymentController::PruneHistory(const json& d, const json& new_rs,
                                        const std::vector<json>& owned) {
  std::vector<const json*> idle;
  for (const json& rs : owned) {
    if (&rs != &new_rs && Replicas(rs) == 0 && IntAt(rs, "/status/replicas", 0) == 0) {
      idle.push_back(&rs);
    }
  }
  std::sort(idle.begin(), idle.end(),
            [](const json* a, const json* b) { return RevisionOf(*a) < RevisionOf(*b); });
  int64_t limit = IntAt(d, "/spec/revisionHistoryLimit", 10);
  for (size_t i = 0; static_cast<int64_t>(idle.size() - i) > limit; ++i) {
    (void)store_.Delete(TypeOf(Kind::kReplicaSet), NamespaceOf(*idle[i]), NameOf(*idle[i]));
  }
}

}  // namespace rebound::kubesim
