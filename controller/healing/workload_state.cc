#include "controller/healing/workload_state.h"

#include "common/time_format.h"

namespace rebound::controller::healing {
namespace {

using Pointer = nlohmann::json::json_pointer;

int64_t IntAt(const nlohmann::json& object, const std::string& path, int64_t fallback) {
  Pointer pointer(path);
  if (!object.contains(pointer)) return fallback;
  const nlohmann::json& v = object.at(pointer);
  return v.is_number_integer() ? v.get<int64_t>() : fallback;
}

std::string StringAt(const nlohmann::json& object, const std::string& path) {
  Pointer pointer(path);
  if (!object.contains(pointer)) return "";
  const nlohmann::json& v = object.at(pointer);
  return v.is_string() ? v.get<std::string>() : "";
}

bool Fail(std::string* why, std::string reason) {
  if (why != nullptr) *why = std::move(reason);
  return false;
}

std::string OfWanted(int64_t n, int64_t wanted, std::string_view what) {
  return std::to_string(n) + " of " + std::to_string(wanted) + " replicas " + std::string(what);
}

}  // namespace

bool WorkloadReady(const nlohmann::json& workload, std::string* why) {
  const int64_t wanted = IntAt(workload, "/spec/replicas", 1);
  const int64_t generation = IntAt(workload, "/metadata/generation", 0);
  const int64_t observed = IntAt(workload, "/status/observedGeneration", 0);
  if (observed < generation) {
    return Fail(why, "the controller has not seen the latest change yet (generation " +
                         std::to_string(generation) + ", observed " + std::to_string(observed) +
                         ")");
  }
  if (StringAt(workload, "/kind") == "StatefulSet") {
    const std::string current = StringAt(workload, "/status/currentRevision");
    const std::string update = StringAt(workload, "/status/updateRevision");
    if (!update.empty() && current != update) {
      return Fail(why, "rollout in progress (revision " + current + " to " + update + ")");
    }
  } else {
    const int64_t updated = IntAt(workload, "/status/updatedReplicas", 0);
    if (updated < wanted) return Fail(why, OfWanted(updated, wanted, "updated"));
    const int64_t available = IntAt(workload, "/status/availableReplicas", 0);
    if (available < wanted) return Fail(why, OfWanted(available, wanted, "available"));
  }
  const int64_t ready = IntAt(workload, "/status/readyReplicas", 0);
  if (ready < wanted) return Fail(why, OfWanted(ready, wanted, "ready"));
  const int64_t total = IntAt(workload, "/status/replicas", 0);
  if (total > wanted) {
    return Fail(why, std::to_string(total - wanted) + " old replica(s) still terminating");
  }
  return true;
}

nlohmann::json HealMark::ToJson() const {
  nlohmann::json out = {{"remediation", remediation},
                        {"playbook", playbook},
                        {"step", step},
                        {"action", action},
                        {"at", common::FormatRfc3339(common::Timestamp::FromTimePoint(at))}};
  if (!plan.is_null()) out["plan"] = plan;
  return out;
}

std::optional<HealMark> ReadHealMark(const nlohmann::json& workload) {
  std::string text = StringAt(workload, "/metadata/annotations/rebound.io~1last-heal");
  if (text.empty()) return std::nullopt;
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return std::nullopt;
  HealMark mark;
  mark.remediation = StringAt(json, "/remediation");
  mark.playbook = StringAt(json, "/playbook");
  mark.step = static_cast<int>(IntAt(json, "/step", -1));
  mark.action = StringAt(json, "/action");
  mark.plan = json.value("plan", nlohmann::json());
  common::Result<common::Timestamp> at = common::ParseRfc3339(StringAt(json, "/at"));
  if (mark.remediation.empty() || !at.ok()) return std::nullopt;
  mark.at = at->ToTimePoint();
  return mark;
}

nlohmann::json HealMarkPatch(const HealMark& mark) {
  return {{"metadata",
           {{"annotations", {{std::string(kLastHealAnnotation), mark.ToJson().dump()}}}}}};
}

bool RolloutByOthersInProgress(const nlohmann::json& workload, const std::string& remediation,
                               std::chrono::system_clock::time_point now, std::string* why) {
  std::optional<HealMark> mark = ReadHealMark(workload);
  if (mark && mark->remediation == remediation) return false;
  if (StringAt(workload, "/kind") == "StatefulSet") {
    const std::string current = StringAt(workload, "/status/currentRevision");
    const std::string update = StringAt(workload, "/status/updateRevision");
    if (update.empty() || current == update) return false;
    if (why != nullptr) *why = "a rollout to revision " + update + " is in progress";
    return true;
  }
  const nlohmann::json& conditions = workload.value(Pointer("/status/conditions"),
                                                    nlohmann::json::array());
  if (!conditions.is_array()) return false;
  for (const nlohmann::json& c : conditions) {
    if (StringAt(c, "/type") != "Progressing" || StringAt(c, "/status") != "True") continue;
    const std::string reason = StringAt(c, "/reason");
    if (reason != "ReplicaSetUpdated" && reason != "NewReplicaSetCreated" &&
        reason != "FoundNewReplicaSet") {
      return false;
    }
    common::Result<common::Timestamp> updated = common::ParseRfc3339(StringAt(c, "/lastUpdateTime"));
    const auto deadline = std::chrono::seconds(IntAt(workload, "/spec/progressDeadlineSeconds", 600));
    if (updated.ok() && now - updated->ToTimePoint() >= deadline) return false;  // stuck
    if (why != nullptr) {
      *why = "a rollout is in progress (" + StringAt(c, "/message") + "); it has until " +
             std::to_string(deadline.count()) + "s without progress before Rebound acts";
    }
    return true;
  }
  return false;
}

}  // namespace rebound::controller::healing
