#include "tools/kubesim/cluster.h"

#include "tools/kubesim/garbage_collector.h"
#include "tools/kubesim/json_access.h"
#include "tools/kubesim/object_rules.h"

namespace rebound::kubesim {

Cluster::Cluster(const common::Clock& clock, Options options)
    : clock_(clock),
      seed_(options.seed),
      store_(clock, options.seed),
      events_(store_, clock),
      faults_(clock),
      deployments_(store_, events_, clock),
      replicasets_(store_, events_),
      statefulsets_(store_, events_),
      disruptions_(store_, clock),
      pods_(store_, events_, behaviours_, clock, options.pod_start_delay),
      traffic_(store_, behaviours_, pods_, clock) {
  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    (void)store_.Create(TypeOf(Kind::kNamespace), {{"metadata", {{"name", ns}}},
                                                   {"spec", {{"finalizers", {"kubernetes"}}}},
                                                   {"status", {{"phase", "Active"}}}});
  }
}

void Cluster::Tick() {
  std::lock_guard lock(tick_mu_);
  timeline_.Advance(*this);
  CollectGarbage(store_);
  deployments_.Reconcile();
  replicasets_.Reconcile();
  statefulsets_.Reconcile();
  pods_.Reconcile();
  // Second passes, so that readiness reached in this tick shows in workload status at once.
  replicasets_.Reconcile();
  deployments_.Reconcile();
  replicasets_.Reconcile();
  statefulsets_.Reconcile();
  disruptions_.Reconcile();
  traffic_.Advance();
  events_.Expire();
}

common::Status Cluster::SetBehaviour(const WorkloadRef& workload, const Behaviour& behaviour) {
  auto object = store_.Get(TypeOf(workload.kind), workload.ns, workload.name);
  if (!object.ok()) return object.status();
  const json* spec = Find(*object, "/spec/template/spec");
  Behaviour set = behaviour;
  set.set_at = clock_.MonotonicNow();
  behaviours_.Set(workload, CodeVersion(spec ? *spec : json()), set);
  return common::Status::Ok();
}

common::Status Cluster::RollOut(const WorkloadRef& workload, const std::string& image,
                                const Behaviour& behaviour) {
  const ResourceType& type = TypeOf(workload.kind);
  // A controller may write the workload's status in between: re-read and retry, as kubectl's
  // patch does on the server side.
  constexpr int kAttempts = 8;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto current = store_.Get(type, workload.ns, workload.name);
    if (!current.ok()) return current.status();
    json desired = *current;
    json& containers = EnsureObject(desired, "/spec/template/spec")["containers"];
    if (!containers.is_array() || containers.empty()) {
      return common::FailedPrecondition(type.kind + " \"" + workload.name + "\" has no containers");
    }
    containers[0]["image"] = image;
    if (auto error = PrepareUpdate(type, *current, desired, false, FieldValidation::kStrict)) {
      return common::Internal(type.kind + " \"" + workload.name + "\": " + error->message);
    }
    auto stored = store_.Replace(type, std::move(desired), ResourceVersionOf(*current));
    if (stored.ok()) return SetBehaviour(workload, behaviour);
    if (stored.status().code() != common::StatusCode::kConflict) return stored.status();
  }
  return common::Internal(type.kind + " \"" + workload.name + "\": kept conflicting");
}

}  // namespace rebound::kubesim
