// ApiRequest: one Kubernetes API call described in Kubernetes terms (verb, resource, namespace,
// name, subresource) before it becomes HTTP, so that URLs, metric labels, retry decisions and
// error messages all derive from the same description.
//
// A value type; the methods are const and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "kube/resource.h"

namespace rebound::kube {

// The Kubernetes (RBAC) verb of a request; each maps to one HTTP method.
enum class Verb { kGet, kList, kCreate, kUpdate, kPatch, kDelete };

// "get", "list", "create", "update", "patch", "delete": the RBAC verb, also the metric label.
std::string_view VerbName(Verb verb);
// "GET", "GET", "POST", "PUT", "PATCH", "DELETE".
std::string_view HttpMethod(Verb verb);

struct ApiRequest {
  Verb verb = Verb::kGet;
  Resource resource;
  std::string ns;           // empty: cluster-scoped resource, or a list across all namespaces
  std::string name;         // empty for list and create
  std::string subresource;  // "scale", or empty
  std::vector<std::pair<std::string, std::string>> query;  // not yet encoded
  std::string content_type;                                // for requests with a body
  std::string body;
  // True when repeating the request after a 5xx, a timeout or a transport failure cannot do
  // harm (see docs/kube.md "Retries"). 429 is retried regardless: the server did not act.
  bool idempotent = false;

  // The request to `verb` `resource` (named `name`, in namespace `ns`, its `subresource`), with
  // no query or body and not idempotent: what every caller starts from. Never fails; the
  // combination is checked by PathAndQuery.
  static ApiRequest For(Verb verb, const Resource& resource, std::string_view ns,
                        std::string_view name, std::string_view subresource = "");

  // "/apis/apps/v1/namespaces/shop/deployments/web/scale?labelSelector=app%3Dweb". Failure
  // (InvalidArgument): a namespace given for a cluster-scoped resource or missing for a
  // namespaced one (lists may omit it), a name missing for get/update/patch/delete or given for
  // list/create, or a namespace or name that is "." or "..".
  common::Result<std::string> PathAndQuery() const;

  // `patch deployments.apps "web" in namespace "shop"`, `list nodes`, `list pods in all
  // namespaces`: the operation, for error messages.
  std::string Describe() const;

  // "deployments", or "deployments/scale": the RBAC resource and the metric label.
  std::string RbacResource() const;
};

}  // namespace rebound::kube
