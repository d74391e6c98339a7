// Decoding checks for the objects clients send, as the API server's JSON decoder makes them:
// field types a typed Go object could not hold are 400 BadRequest ("Deployment in version
// "v1" cannot be handled as a Deployment: json: cannot unmarshal string into ..."), unknown
// fields are rejected under ?fieldValidation=Strict (top level, metadata and spec; pod specs
// are not checked), and null fields are dropped as a typed decode would.
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "tools/kubesim/api_error.h"
#include "tools/kubesim/resource_types.h"

namespace rebound::kubesim {

// How strictly unknown fields are treated (the fieldValidation query parameter).
enum class FieldValidation { kIgnore, kStrict };

// nullopt when `object` decodes as a `type`; the 400 otherwise.
std::optional<ApiError> CheckDecoding(const ResourceType& type, const nlohmann::json& object,
                                      FieldValidation validation);

// Removes null-valued fields at every depth (a null decodes to the zero value, which typed
// objects omit), so that e.g. the "creationTimestamp": null kubectl writes into pod
// templates does not make two templates differ.
void DropNulls(nlohmann::json& value);

}  // namespace rebound::kubesim
