// Helpers the simulated controllers share: owner references, pod-template hashes, pod
// readiness, replica arithmetic and condition bookkeeping.
//
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "tools/kubesim/object_store.h"

namespace rebound::kubesim {

// The pod-template-hash label Deployments add to their ReplicaSets and pods.
inline constexpr std::string_view kTemplateHashLabel = "pod-template-hash";
inline constexpr std::string_view kRevisionAnnotation = "deployment.kubernetes.io/revision";

// A short hash of `value` in the alphabet Kubernetes uses for generated names
// ("5d8f7c9b6d"), the same for equal JSON values.
std::string ShortHash(const nlohmann::json& value);

// An ownerReference marking `owner` (a stored object of `type`) as the controller.
nlohmann::json ControllerReference(const ResourceType& type, const nlohmann::json& owner);
// The uid of the controlling owner reference; "" when there is none.
std::string ControllerUid(const nlohmann::json& object);
// The stored objects of `type` in `ns` whose controller is `owner_uid`.
std::vector<nlohmann::json> OwnedBy(const ObjectStore& store, const ResourceType& type,
                                    const std::string& ns, const std::string& owner_uid);

// True when the pod's Ready condition is True.
bool PodReady(const nlohmann::json& pod);

// An int-or-percent field (maxSurge "25%", minAvailable 2) against `total`; percentages round
// up or down as asked. `fallback` when the value is absent or malformed.
int64_t ScaledValue(const nlohmann::json* value, int64_t total, bool round_up, int64_t fallback);

// Sets the condition of `type` in the list at `conditions` (created when absent) to `status`,
// `reason` and `message`; lastTransitionTime changes only when the status does, so an
// unchanged condition leaves the object unchanged.
void SetCondition(nlohmann::json& conditions, std::string_view type, std::string_view status,
                  std::string_view reason, std::string_view message, const std::string& now);

// "2026-01-01T00:00:00Z": a Kubernetes Time (whole seconds) for `tp`.
std::string KubeTime(std::chrono::system_clock::time_point tp);

}  // namespace rebound::kubesim
