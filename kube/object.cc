#include "kube/object.h"

namespace rebound::kube {
namespace {

std::optional<std::string> MapValue(const nlohmann::json& object, const char* map,
                                    std::string_view key) {
  auto metadata = object.find("metadata");
  if (!object.is_object() || metadata == object.end() || !metadata->is_object())
    return std::nullopt;
  auto values = metadata->find(map);
  if (values == metadata->end() || !values->is_object()) return std::nullopt;
  auto value = values->find(key);
  if (value == values->end() || !value->is_string()) return std::nullopt;
  return value->get<std::string>();
}

}  // namespace

std::string StringField(const nlohmann::json& object,
                        std::initializer_list<std::string_view> path) {
  const nlohmann::json* node = &object;
  for (std::string_view key : path) {
    if (!node->is_object()) return "";
    auto it = node->find(key);
    if (it == node->end()) return "";
    node = &*it;
  }
  return node->is_string() ? node->get<std::string>() : "";
}

std::optional<std::string> ObjectLabel(const nlohmann::json& object, std::string_view key) {
  return MapValue(object, "labels", key);
}

std::optional<std::string> ObjectAnnotation(const nlohmann::json& object, std::string_view key) {
  return MapValue(object, "annotations", key);
}

std::optional<OwnerReference> ControllerOf(const nlohmann::json& object) {
  if (!object.is_object() || !object.contains("metadata")) return std::nullopt;
  const nlohmann::json& metadata = object["metadata"];
  if (!metadata.is_object() || !metadata.contains("ownerReferences")) return std::nullopt;
  const nlohmann::json& owners = metadata["ownerReferences"];
  if (!owners.is_array()) return std::nullopt;
  for (const nlohmann::json& owner : owners) {
    auto controller = owner.is_object() ? owner.find("controller") : owner.end();
    if (controller == owner.end() || *controller != true) continue;
    return OwnerReference{StringField(owner, {"apiVersion"}), StringField(owner, {"kind"}),
                          StringField(owner, {"name"}), StringField(owner, {"uid"})};
  }
  return std::nullopt;
}

}  // namespace rebound::kube
