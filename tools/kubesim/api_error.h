// ApiError: a Kubernetes API failure, rendered as the `Status` body the real API server sends
// (KUBESIM.md section 4), so that kubectl and client-go print and retry exactly as they would
// against a real cluster.
//
// Thread-safety: a plain value.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/http_server.h"
#include "common/status.h"
#include "tools/kubesim/resource_types.h"

namespace rebound::kubesim {

struct FieldCause {
  std::string field;    // "spec.replicas"
  std::string message;  // "Invalid value: -1: must be greater than or equal to 0"
  std::string reason = "FieldValueInvalid";
};

struct ApiError {
  int code = 500;
  std::string reason;  // "NotFound", "Conflict", ...
  std::string message;
  nlohmann::json details;  // null when the Status has none
  std::vector<std::pair<std::string, std::string>> headers;

  // The Status object: {"kind":"Status","apiVersion":"v1",...}.
  nlohmann::json ToStatus() const;
  common::HttpResponse ToResponse() const;

  // 404: `deployments.apps "web" not found`.
  static ApiError NotFound(const ResourceType& type, std::string_view name);
  // 404 for a path that names no served resource.
  static ApiError NoSuchPath();
  // 409 Conflict: "Operation cannot be fulfilled on deployments.apps "web": the object has been
  // modified; please apply your changes to the latest version and try again".
  static ApiError Conflict(const ResourceType& type, std::string_view name);
  // 409 Conflict with a message of the caller's choosing.
  static ApiError ConflictWithMessage(const ResourceType& type, std::string_view name,
                                      std::string_view why);
  // 409 AlreadyExists: `leases.coordination.k8s.io "x" already exists`.
  static ApiError AlreadyExists(const ResourceType& type, std::string_view name);
  // 422 Invalid: `Deployment.apps "web" is invalid: spec.replicas: Invalid value: ...`;
  // `kind_name` is "Deployment.apps" (or "Scale.autoscaling").
  static ApiError Invalid(std::string_view kind_name, std::string_view group, std::string_view kind,
                          std::string_view name, std::vector<FieldCause> causes);
  static ApiError BadRequest(std::string_view message);
  static ApiError UnsupportedMediaType(std::string_view content_type);
  static ApiError MethodNotAllowed(std::string_view method);
  static ApiError Unauthorized();
  // 403: `pods "x" is forbidden: User "u" cannot delete resource "pods" in API group "" in the
  // namespace "shop"`; `name` may be empty (collections).
  static ApiError Forbidden(const ResourceType& type, std::string_view name,
                            std::string_view subresource, std::string_view user,
                            std::string_view verb, std::string_view ns);
  // 429 with Retry-After.
  static ApiError TooManyRequests(int retry_after_seconds);
  // 503 with Retry-After.
  static ApiError ServiceUnavailable(int retry_after_seconds);
  static ApiError Internal(std::string_view message);
  // 504 Timeout: the request did not complete in time.
  static ApiError Timeout();
  // 410 Expired: "too old resource version: 16 (17)".
  static ApiError Expired(uint64_t requested, uint64_t oldest);

  // Maps a store Status for the object `name` of `type`: NotFound, AlreadyExists, Conflict
  // (with the Status message as the reason why), InvalidArgument (400 BadRequest); anything
  // else is a 500.
  static ApiError FromStatus(const common::Status& status, const ResourceType& type,
                             std::string_view name);
};

}  // namespace rebound::kubesim
