// Reading the parts of a Kubernetes REST request that several verbs share: the JSON body
// (Content-Type checked, a missing one read as JSON), ?fieldValidation, ?dryRun, and the
// namespace + labelSelector + fieldSelector filter.
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <variant>

#include "common/http_server.h"
#include "tools/kubesim/api_error.h"
#include "tools/kubesim/api_request.h"
#include "tools/kubesim/object_rules.h"
#include "tools/kubesim/watch.h"

namespace rebound::kubesim {

// The body of a POST or PUT: JSON when Content-Type is absent or application/json; 415 for
// other media types (protobuf, YAML); 400 when it does not parse.
std::variant<nlohmann::json, ApiError> JsonBody(const common::HttpRequest& request);

// The body of a PATCH, already known to be JSON of some patch type; 400 when it does not parse.
std::variant<nlohmann::json, ApiError> PatchBody(const common::HttpRequest& request);

FieldValidation ValidationOf(const common::HttpRequest& request);
// ?dryRun=All: validate and answer as if written, but store nothing.
bool IsDryRun(const common::HttpRequest& request);

// The namespace of `api` plus ?labelSelector and ?fieldSelector; 400 when one does not parse.
std::variant<WatchFilter, ApiError> FilterOf(const ApiRequest& api,
                                             const common::HttpRequest& request);

}  // namespace rebound::kubesim
