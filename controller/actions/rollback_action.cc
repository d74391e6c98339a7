#include "controller/actions/rollback_action.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <utility>

#include "controller/actions/action_support.h"
#include "controller/actions/merge_patch.h"
#include "controller/actions/workload_pods.h"
#include "kube/object.h"
#include "kube/retry_on_conflict.h"

namespace rebound::controller::actions {
namespace {

using nlohmann::json;

constexpr int kMaxConflictAttempts = 5;
constexpr const char* kRevisionAnnotation = "deployment.kubernetes.io/revision";
constexpr const char* kPodTemplateHashLabel = "pod-template-hash";

struct Revision {
  int64_t number = 0;
  const json* replica_set = nullptr;
};

// The ReplicaSet's revision; nullopt when the annotation is not a number (kubectl skips those).
std::optional<int64_t> RevisionOf(const json& replica_set) {
  std::optional<std::string> text = kube::ObjectAnnotation(replica_set, kRevisionAnnotation);
  if (!text) return 0;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size()) return std::nullopt;
  return value;
}

// A ReplicaSet's pod template as the Deployment would hold it.
json TemplateWithoutHash(const json& replica_set) {
  json tmpl = JsonAt(replica_set, {"spec", "template"});
  if (!JsonAt(tmpl, {"metadata", "labels"}).is_object()) return tmpl;
  json& labels = tmpl["metadata"]["labels"];
  labels.erase(kPodTemplateHashLabel);
  if (labels.empty()) tmpl["metadata"].erase("labels");
  return tmpl;
}

// `tmpl` without the annotation `kubectl rollout restart` sets.
json WithoutRestart(json tmpl) {
  if (!JsonAt(tmpl, {"metadata", "annotations"}).is_object()) return tmpl;
  json& annotations = tmpl["metadata"]["annotations"];
  annotations.erase("kubectl.kubernetes.io/restartedAt");
  if (annotations.empty()) tmpl["metadata"].erase("annotations");
  return tmpl;
}

std::string HashOf(const json& replica_set) {
  return kube::ObjectLabel(replica_set, kPodTemplateHashLabel)
      .value_or(kube::ObjectName(replica_set));
}

// The current and previous revisions among `replica_sets`; previous.replica_set is null when
// there is none.
std::pair<Revision, Revision> CurrentAndPrevious(const json& deployment,
                                                 const std::vector<json>& replica_sets) {
  std::vector<Revision> revisions;
  for (const json& rs : replica_sets) {
    if (std::optional<int64_t> number = RevisionOf(rs)) revisions.push_back({*number, &rs});
  }
  std::sort(revisions.begin(), revisions.end(),
            [](const Revision& a, const Revision& b) { return a.number > b.number; });
  if (revisions.empty()) return {};
  const json& deployed = JsonAt(deployment, {"spec", "template"});
  auto current = std::find_if(revisions.begin(), revisions.end(), [&](const Revision& r) {
    return TemplateWithoutHash(*r.replica_set) == deployed;
  });
  if (current == revisions.end()) current = revisions.begin();
  // A rollout restart makes a revision that differs only in its restartedAt annotation; going
  // back to it would undo the restart, not the change that broke the workload.
  const json current_code = WithoutRestart(TemplateWithoutHash(*current->replica_set));
  auto previous = std::find_if(current, revisions.end(), [&](const Revision& r) {
    return r.number < current->number &&
           WithoutRestart(TemplateWithoutHash(*r.replica_set)) != current_code;
  });
  return {*current, previous == revisions.end() ? Revision() : *previous};
}

class RollbackAction final : public Action {
 public:
  ActionResult Run(const ActionContext& ctx) const override {
    if (ctx.target.kind != kube::kDeployments.kind) {
      return Failed("unsupported",
                    "rollback supports Deployments only, not " + ctx.target.ToString());
    }
    common::Result<ActionResult> result = kube::RetryOnConflict(
        kMaxConflictAttempts, [&]() -> common::Result<ActionResult> { return Attempt(ctx); });
    if (!result.ok()) {
      return Failed("conflict", ctx.target.ToString() + " kept changing while rolling it back: " +
                                    result.status().message());
    }
    return std::move(result).value();
  }

  std::string Describe() const override { return "roll back to the previous revision"; }

 private:
  // One read-decide-write round; Conflict when the Deployment changed since it was read.
  static common::Result<ActionResult> Attempt(const ActionContext& ctx) {
    common::Result<json> deployment = ReadTarget(ctx);
    if (!deployment.ok()) return TargetFailure(ctx, deployment.status());
    if (JsonAt(*deployment, {"spec", "paused"}) == true) {
      return Failed("paused",
                    ctx.target.ToString() + " is paused; resume it first (kubectl rollout resume)");
    }
    common::Result<std::vector<json>> replica_sets = ListOwnedReplicaSets(ctx.kube, *deployment);
    if (!replica_sets.ok()) {
      return ApiFailure("cannot list the ReplicaSets of " + ctx.target.ToString(),
                        replica_sets.status());
    }
    auto [current, previous] = CurrentAndPrevious(*deployment, *replica_sets);
    if (current.replica_set != nullptr &&
        kube::ObjectAnnotation(*deployment, kRolledBackToAnnotation) ==
            HashOf(*current.replica_set) &&
        TemplateWithoutHash(*current.replica_set) == JsonAt(*deployment, {"spec", "template"})) {
      return Noop(ctx.target.ToString() + " was already rolled back (to ReplicaSet " +
                  kube::ObjectName(*current.replica_set) + ") and still runs that template");
    }
    if (previous.replica_set == nullptr) {
      return Failed("no_previous_revision",
                    ctx.target.ToString() + " has no revision to roll back to (" +
                        Plural(replica_sets->size(), "ReplicaSet", "ReplicaSets") + ")");
    }
    const std::string change = ctx.target.ToString() + " from revision " +
                               std::to_string(current.number) + " to revision " +
                               std::to_string(previous.number) + " (ReplicaSet " +
                               kube::ObjectName(*previous.replica_set) + ")";
    const json diff = MergePatchDiff(JsonAt(*deployment, {"spec", "template"}),
                                     TemplateWithoutHash(*previous.replica_set));
    if (diff.empty()) {
      return Noop(ctx.target.ToString() + " already runs the template of revision " +
                  std::to_string(previous.number));
    }
    if (ctx.dry_run) return DryRun("would roll back " + change);

    json patch;
    patch["metadata"]["resourceVersion"] = kube::ObjectResourceVersion(*deployment);
    patch["metadata"]["annotations"][kRolledBackToAnnotation] = HashOf(*previous.replica_set);
    patch["spec"]["template"] = diff;
    common::Result<json> patched = ctx.kube.Patch(kube::kDeployments, ctx.target.ns,
                                                  ctx.target.name, kube::PatchType::kMerge, patch);
    if (!patched.ok()) {
      const common::StatusCode code = patched.status().code();
      if (code == common::StatusCode::kConflict) return patched.status();
      if (code == common::StatusCode::kNotFound) return TargetFailure(ctx, patched.status());
      return ApiFailure("cannot roll back " + ctx.target.ToString(), patched.status());
    }
    ActionResult done = Done("rolled back " + change);
    done.rollout_started = true;
    return done;
  }
};

class RollbackActionFactory final : public ActionFactory {
 public:
  ActionTraits Traits() const override { return {.changes_cluster = true, .tells_people = false}; }
  std::vector<std::string> Keys() const override { return {}; }
  std::unique_ptr<Action> Create(const common::StrictMap&) const override {
    return std::make_unique<RollbackAction>();
  }
};

}  // namespace

std::unique_ptr<ActionFactory> NewRollbackActionFactory() {
  return std::make_unique<RollbackActionFactory>();
}

}  // namespace rebound::controller::actions
