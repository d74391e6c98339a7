#include "kube/types.h"

#include <fmt/format.h>

#include <limits>

namespace rebound::kube {
namespace {

using nlohmann::json;

// Reads optional fields of one object, remembering the first type error.
class FieldReader {
 public:
  explicit FieldReader(std::string_view kind) : kind_(kind) {}

  const json* Find(const json& object, std::initializer_list<const char*> path) {
    const json* node = &object;
    for (const char* key : path) {
      if (!node->is_object()) return nullptr;
      auto it = node->find(key);
      if (it == node->end() || it->is_null()) return nullptr;
      node = &*it;
    }
    return node;
  }

  void String(const json& object, std::initializer_list<const char*> path, std::string& out) {
    const json* node = Find(object, path);
    if (node == nullptr) return;
    if (node->is_string()) {
      out = node->get<std::string>();
    } else {
      Fail(path, "a string");
    }
  }

  void Int32(const json& object, std::initializer_list<const char*> path, int32_t& out) {
    const json* node = Find(object, path);
    if (node == nullptr) return;
    if (node->is_number_integer() && node->get<int64_t>() >= std::numeric_limits<int32_t>::min() &&
        node->get<int64_t>() <= std::numeric_limits<int32_t>::max()) {
      out = node->get<int32_t>();
    } else {
      Fail(path, "a 32-bit integer");
    }
  }

  void Time(const json& object, std::initializer_list<const char*> path,
            std::optional<common::Timestamp>& out) {
    std::string text;
    String(object, path, text);
    if (text.empty()) return;
    common::Result<common::Timestamp> time = common::ParseRfc3339(text);
    if (time.ok()) {
      out = *time;
    } else {
      Fail(path, "an RFC 3339 time");
    }
  }

  common::Status status() const { return status_; }

 private:
  void Fail(std::initializer_list<const char*> path, std::string_view expected) {
    if (!status_.ok()) return;
    std::string name;
    for (const char* key : path) name += (name.empty() ? "" : ".") + std::string(key);
    status_ = common::InvalidArgument(fmt::format("{}: {} must be {}", kind_, name, expected));
  }

  std::string_view kind_;
  common::Status status_;
};

}  // namespace

common::Result<Scale> ScaleFromJson(const json& object) {
  if (!object.is_object()) return common::InvalidArgument("Scale: expected a JSON object");
  Scale scale;
  FieldReader r("Scale");
  r.String(object, {"metadata", "name"}, scale.name);
  r.String(object, {"metadata", "namespace"}, scale.ns);
  r.String(object, {"metadata", "resourceVersion"}, scale.resource_version);
  r.Int32(object, {"spec", "replicas"}, scale.replicas);
  r.Int32(object, {"status", "replicas"}, scale.status_replicas);
  r.String(object, {"status", "selector"}, scale.selector);
  if (!r.status().ok()) return r.status();
  return scale;
}

json ScaleToJson(const Scale& scale) {
  json object = {{"kind", "Scale"},
                 {"apiVersion", "autoscaling/v1"},
                 {"metadata", {{"name", scale.name}, {"namespace", scale.ns}}},
                 {"spec", {{"replicas", scale.replicas}}}};
  if (!scale.resource_version.empty()) {
    object["metadata"]["resourceVersion"] = scale.resource_version;
  }
  return object;
}

common::Result<Lease> LeaseFromJson(const json& object) {
  if (!object.is_object()) return common::InvalidArgument("Lease: expected a JSON object");
  Lease lease;
  FieldReader r("Lease");
  r.String(object, {"metadata", "name"}, lease.name);
  r.String(object, {"metadata", "namespace"}, lease.ns);
  r.String(object, {"metadata", "resourceVersion"}, lease.resource_version);
  r.String(object, {"spec", "holderIdentity"}, lease.holder_identity);
  r.Int32(object, {"spec", "leaseDurationSeconds"}, lease.lease_duration_seconds);
  r.Time(object, {"spec", "acquireTime"}, lease.acquire_time);
  r.Time(object, {"spec", "renewTime"}, lease.renew_time);
  r.Int32(object, {"spec", "leaseTransitions"}, lease.lease_transitions);
  if (!r.status().ok()) return r.status();
  lease.object = object;
  return lease;
}

json LeaseToJson(const Lease& lease) {
  json object = lease.object.is_object() ? lease.object : json::object();
  object["kind"] = "Lease";
  object["apiVersion"] = "coordination.k8s.io/v1";
  json& metadata = object["metadata"];
  if (!metadata.is_object()) metadata = json::object();
  metadata["name"] = lease.name;
  metadata["namespace"] = lease.ns;
  if (lease.resource_version.empty()) {
    metadata.erase("resourceVersion");
  } else {
    metadata["resourceVersion"] = lease.resource_version;
  }
  json& spec = object["spec"];
  if (!spec.is_object()) spec = json::object();
  spec["holderIdentity"] = lease.holder_identity;
  spec["leaseDurationSeconds"] = lease.lease_duration_seconds;
  spec["leaseTransitions"] = lease.lease_transitions;
  auto set_time = [&](const char* key, const std::optional<common::Timestamp>& time) {
    if (time) {
      spec[key] = FormatMicroTime(*time);
    } else {
      spec.erase(key);
    }
  };
  set_time("acquireTime", lease.acquire_time);
  set_time("renewTime", lease.renew_time);
  return object;
}

std::string FormatMicroTime(common::Timestamp time) {
  std::string seconds = common::FormatRfc3339(common::Timestamp{time.seconds, 0});
  seconds.pop_back();  // the 'Z'
  return fmt::format("{}.{:06d}Z", seconds, time.nanos / 1000);
}

}  // namespace rebound::kube
