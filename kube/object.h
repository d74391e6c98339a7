// Thin accessors for Kubernetes objects held as nlohmann::json.
//
// Objects stay JSON so that an update never drops a field Rebound does not model; these
// functions read the few fields callers need without repeating type checks. A missing field or
// one of the wrong type reads as empty. Pure functions, thread-safe.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace rebound::kube {

// The string at `path` ({"metadata", "name"}); empty when absent or not a string.
std::string StringField(const nlohmann::json& object, std::initializer_list<std::string_view> path);

inline std::string ObjectName(const nlohmann::json& o) {
  return StringField(o, {"metadata", "name"});
}
inline std::string ObjectNamespace(const nlohmann::json& o) {
  return StringField(o, {"metadata", "namespace"});
}
inline std::string ObjectUid(const nlohmann::json& o) {
  return StringField(o, {"metadata", "uid"});
}
inline std::string ObjectResourceVersion(const nlohmann::json& o) {
  return StringField(o, {"metadata", "resourceVersion"});
}

// metadata.labels[key] / metadata.annotations[key]; nullopt when absent.
std::optional<std::string> ObjectLabel(const nlohmann::json& object, std::string_view key);
std::optional<std::string> ObjectAnnotation(const nlohmann::json& object, std::string_view key);

struct OwnerReference {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string uid;
};

// The ownerReference marked `controller: true` (a Pod's ReplicaSet, a ReplicaSet's
// Deployment); nullopt when there is none.
std::optional<OwnerReference> ControllerOf(const nlohmann::json& object);

}  // namespace rebound::kube
