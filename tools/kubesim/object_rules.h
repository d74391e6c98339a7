// The per-kind rules the API server applies to writes: decoding checks (object_decoding.h),
// defaulting, validation (422 Invalid), status-subresource separation and
// metadata.generation.
//
// Controllers write through ObjectStore directly; client writes go through these rules first,
// so that objects read back look as a real cluster's would (kubectl decodes them into typed
// structs).
//
// Thread-safety: pure functions over the values passed in.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "tools/kubesim/api_error.h"
#include "tools/kubesim/object_decoding.h"
#include "tools/kubesim/resource_types.h"

namespace rebound::kubesim {

// The most replicas a workload may ask for: kubesim keeps every pod in memory, so a typo such
// as --replicas=100000 is refused (422) rather than allowed to exhaust it.
inline constexpr int64_t kMaxReplicas = 1000;

// Makes a client's object ready to create: checks kind/apiVersion and field types, rejects
// unknown fields under kStrict, fills defaults (as the API server's defaulting does), resets
// status for types with a status subresource (a Namespace starts Active, a Pod Pending), sets
// metadata.generation 1 where the type has one, and validates.
std::optional<ApiError> PrepareCreate(const ResourceType& type, nlohmann::json& object,
                                      FieldValidation validation);

// Makes `desired` (a PUT body, or `current` after a patch) ready to replace `current`:
// the same checks, then uid/creationTimestamp/generation carried over, status kept from
// `current` (or, through the status subresource, only status taken from `desired`), defaults,
// validation (immutable selectors included), and generation + 1 when spec changed.
std::optional<ApiError> PrepareUpdate(const ResourceType& type, const nlohmann::json& current,
                                      nlohmann::json& desired, bool status_subresource,
                                      FieldValidation validation);

// True when `name` is a lowercase RFC 1123 subdomain (what object names must be).
bool IsDnsSubdomain(std::string_view name);

}  // namespace rebound::kubesim
