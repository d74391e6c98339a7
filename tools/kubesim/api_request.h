// ApiRequest: what a Kubernetes REST request asks for, read from its method, path and query
// (/api/v1/namespaces/NS/pods/NAME/status?watch=true ...), with the RBAC verb it needs.
//
// Thread-safety: a plain value.
#pragma once

#include <string>

#include "common/http_server.h"
#include "common/status.h"
#include "tools/kubesim/resource_types.h"

namespace rebound::kubesim {

struct ApiRequest {
  const ResourceType* type = nullptr;
  std::string ns;           // "" for cluster-scoped types and all-namespace collections
  std::string name;         // "" for collections; for "proxy", the target ("cart:80")
  std::string subresource;  // "", "status", "scale" or "proxy" (Services)
  // The RBAC verb: get, list, watch, create, update, patch, delete, deletecollection.
  std::string verb;
};

// Parses a request under /api or /apis. NotFound when the path names no served resource;
// InvalidArgument for a method the path does not take (the caller answers 405).
common::Result<ApiRequest> ParseApiRequest(const common::HttpRequest& request);

}  // namespace rebound::kubesim
