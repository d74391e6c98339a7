// RestApi: the Kubernetes REST verbs over the ObjectStore for one parsed, authorized request:
// get, list (plain or Table), watch, create, update (PUT), patch (merge, JSON, strategic),
// delete (preconditions, propagationPolicy), deletecollection, and the status and scale
// subresources. Answers carry Kubernetes Status bodies on failure.
//
// Client writes go through object_rules (defaults, validation, generation); a PUT or PATCH
// whose body names another resourceVersion is a 409; a write that loses a race with a
// controller is retried internally (as the API server's GuaranteedUpdate does); ?dryRun=All
// validates without storing.
//
// Thread-safety: thread-safe (stateless over the thread-safe store).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <variant>

#include "common/clock.h"
#include "common/http_server.h"
#include "tools/kubesim/api_error.h"
#include "tools/kubesim/api_request.h"
#include "tools/kubesim/object_store.h"

namespace rebound::kubesim {

class RestApi {
 public:
  RestApi(ObjectStore& store, const common::Clock& clock) : store_(store), clock_(clock) {}

  common::HttpResponse Serve(const ApiRequest& api, const common::HttpRequest& request);

 private:
  using Desired = std::variant<nlohmann::json, ApiError>;
  using MakeDesired = std::function<Desired(const nlohmann::json& current)>;
  using Render = std::function<nlohmann::json(const nlohmann::json& stored)>;

  common::HttpResponse Read(const ApiRequest& api, const common::HttpRequest& request);
  common::HttpResponse Create(const ApiRequest& api, const common::HttpRequest& request);
  common::HttpResponse Update(const ApiRequest& api, const common::HttpRequest& request);
  common::HttpResponse Patch(const ApiRequest& api, const common::HttpRequest& request);
  common::HttpResponse Delete(const ApiRequest& api, const common::HttpRequest& request);
  common::HttpResponse DeleteCollection(const ApiRequest& api, const common::HttpRequest& request);
  common::HttpResponse Scale(const ApiRequest& api, const common::HttpRequest& request);

  // Read-modify-write of the object named by `api`: `make` turns the current object into the
  // desired one; it is re-run when a concurrent writer wins the race.
  common::HttpResponse UpdateLoop(const ApiRequest& api, const common::HttpRequest& request,
                                  const MakeDesired& make, const Render& render);

  ObjectStore& store_;
  const common::Clock& clock_;
};

}  // namespace rebound::kubesim
