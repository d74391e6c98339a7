// Typed views of the two objects whose fields Rebound reads and writes itself: the `scale`
// subresource (autoscaling/v1 Scale) and coordination.k8s.io/v1 Lease. Every other object is
// handled as nlohmann::json (see object.h for accessors).
//
// Plain values and pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/status.h"
#include "common/time_format.h"

namespace rebound::kube {

struct Scale {
  std::string name;
  std::string ns;
  std::string resource_version;  // sent back on update: a stale value earns Conflict
  int32_t replicas = 0;          // spec.replicas, the desired count
  int32_t status_replicas = 0;   // status.replicas, the observed count
  std::string selector;          // status.selector, e.g. "app=web"
};

// Parses a Scale object; InvalidArgument naming the field when a field has the wrong type.
common::Result<Scale> ScaleFromJson(const nlohmann::json& object);
// The Scale object to PUT: metadata (name, namespace, resourceVersion when set) and spec.
nlohmann::json ScaleToJson(const Scale& scale);

struct Lease {
  std::string name;
  std::string ns;
  std::string resource_version;  // empty for create; required for update
  std::string holder_identity;   // empty: nobody holds it
  int32_t lease_duration_seconds = 0;
  std::optional<common::Timestamp> acquire_time;
  std::optional<common::Timestamp> renew_time;
  int32_t lease_transitions = 0;
  // The object as last read. LeaseToJson writes the fields above over it, so an update keeps
  // labels, annotations and fields this struct does not know.
  nlohmann::json object = nlohmann::json::object();
};

// Parses a Lease; InvalidArgument naming the field when a field has the wrong type or a time
// is not RFC 3339.
common::Result<Lease> LeaseFromJson(const nlohmann::json& object);
// The Lease object to create or update.
nlohmann::json LeaseToJson(const Lease& lease);

// Kubernetes MicroTime: RFC 3339 UTC with exactly six fractional digits,
// "2026-01-01T00:00:00.000000Z" (the API server rejects other precisions for MicroTime fields).
std::string FormatMicroTime(common::Timestamp time);

}  // namespace rebound::kube
