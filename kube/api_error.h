// Turning a Kubernetes API error response into a Status, and reading its reason back.
//
// The API server answers errors with a `Status` object ({"kind":"Status","reason":"NotFound",
// "message":...}); proxies and broken servers answer anything else. Either way the result is a
// Status whose code says what the caller can do (NotFound, Conflict: re-read and retry,
// ResourceExhausted: later, PermissionDenied: fix RBAC, ...) and whose message names the
// operation, quotes the server and ends with "(reason <Reason>, HTTP <code>)" so that
// KubeErrorReason() can recover the Kubernetes reason. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "kube/api_request.h"

namespace rebound::kube {

// The Status for an HTTP error response (`http_status` outside 200-299) to `request`.
// Codes: 400/405/406/413/415/422 InvalidArgument, 401 Unauthenticated, 403 PermissionDenied
// (the message names the verb, resource, namespace and the RBAC rule to grant), 404 NotFound,
// 409 Conflict (AlreadyExists when the server's reason says so), 410 FailedPrecondition,
// 429 ResourceExhausted, 504 DeadlineExceeded, other 5xx Unavailable, anything else Internal.
// A body that is not a Status gives the generic text client-go uses for the code, followed by
// the start of the body.
common::Status ErrorFromResponse(const ApiRequest& request, int http_status, std::string_view body);

// The Kubernetes reason ("NotFound", "Conflict", "AlreadyExists", "Forbidden", "Expired",
// "TooManyRequests", ...) of a Status made by ErrorFromResponse, also after WithContext; empty
// for OK and for failures that did not come from an API response (timeouts, refused
// connections, bad arguments).
std::string KubeErrorReason(const common::Status& status);

}  // namespace rebound::kube
