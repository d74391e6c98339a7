// Building core/v1 Events, so that `kubectl describe` shows what Rebound did to an object.
// Pure function, thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/time_format.h"

namespace rebound::kube {

struct EventInfo {
  std::string type = "Normal";  // "Normal" or "Warning"
  std::string reason;           // CamelCase, e.g. "ReboundHeal"
  std::string message;
  std::string component = "rebound";  // source.component and reportingComponent
  std::string instance;               // reportingInstance, e.g. the pod name; may be empty
};

// A core/v1 Event about `involved` (an object as the API returned it: kind, apiVersion,
// metadata) observed at `now`, named "<object name>.<generated suffix>" by the server. Its
// namespace is the object's, or "default" for cluster-scoped objects such as Nodes (where
// kubectl looks for them). Pass it to KubeClient::CreateEvent with ObjectNamespace(event).
nlohmann::json NewEvent(const nlohmann::json& involved, const EventInfo& info,
                        common::Timestamp now);

}  // namespace rebound::kube
