// The three PATCH formats of the Kubernetes API, applied to objects held as JSON.
//
// - JSON merge patch (RFC 7386): objects merge recursively, null deletes, lists replace.
// - JSON patch (RFC 6902): add, remove, replace, move, copy, test.
// - Strategic merge patch: a merge patch whose lists of objects merge element by element on a
//   merge key named by the field (containers, initContainers, env, volumes and
//   imagePullSecrets by "name"; volumeMounts by "mountPath"; ports by "containerPort";
//   conditions by "type"; ownerReferences by "uid"), "finalizers" merges as a set, and the
//   directives $patch (replace, delete, merge), $retainKeys and $deleteFromPrimitiveList/<f>
//   are honoured; $setElementOrder/<f> is accepted and ignored (element order is not enforced).
//   Every other list replaces, as for fields without a patch strategy.
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "common/status.h"

namespace rebound::kubesim {

enum class PatchType { kMerge, kJson, kStrategic };

// The patch type named by a Content-Type (parameters such as "; charset=utf-8" are ignored);
// nullopt for any other media type (including application/apply-patch+yaml).
std::optional<PatchType> PatchTypeFromContentType(std::string_view content_type);

// Applies `patch` to `target`. InvalidArgument when the patch is malformed or, for JSON patch,
// an operation does not apply (a missing path, a failed test).
common::Result<nlohmann::json> ApplyPatch(PatchType type, const nlohmann::json& target,
                                          const nlohmann::json& patch);

}  // namespace rebound::kubesim
