#include "tools/kubesim/patch.h"

#include <algorithm>
#include <string>

namespace rebound::kubesim {
namespace {

using nlohmann::json;

// The merge key of a list field in the types kubesim serves; empty when the list replaces.
std::string_view MergeKeyOf(std::string_view field) {
  if (field == "containers" || field == "initContainers" || field == "ephemeralContainers" ||
      field == "env" || field == "volumes" || field == "imagePullSecrets") {
    return "name";
  }
  if (field == "volumeMounts") return "mountPath";
  if (field == "ports") return "containerPort";
  if (field == "conditions") return "type";
  if (field == "ownerReferences") return "uid";
  return {};
}

bool IsSetList(std::string_view field) { return field == "finalizers"; }

constexpr std::string_view kDeleteFromList = "$deleteFromPrimitiveList/";
constexpr std::string_view kSetElementOrder = "$setElementOrder/";

common::Status MergeObject(json& target, const json& patch);

// Merges the list `patch` into the list `target` element by element on `key`.
common::Status MergeList(json& target, const json& patch, std::string_view key) {
  for (const json& item : patch) {
    if (item.is_object() && item.value("$patch", "") == "replace") {
      json replaced = json::array();
      for (const json& other : patch) {
        if (&other == &item) continue;
        json merged = json::object();
        if (other.is_object()) REBOUND_RETURN_IF_ERROR(MergeObject(merged, other));
        replaced.push_back(other.is_object() ? merged : other);
      }
      target = std::move(replaced);
      return common::Status::Ok();
    }
  }
  for (const json& item : patch) {
    const json* id = item.is_object() && item.contains(key) ? &item[std::string(key)] : nullptr;
    if (id == nullptr) {
      return common::InvalidArgument("map: " + item.dump() +
                                     " does not contain declared merge key: " + std::string(key));
    }
    auto existing = std::find_if(target.begin(), target.end(), [&](const json& element) {
      return element.is_object() && element.contains(key) && element[std::string(key)] == *id;
    });
    if (item.value("$patch", "") == "delete") {
      target.erase(std::remove_if(target.begin(), target.end(),
                                  [&](const json& element) {
                                    return element.is_object() && element.contains(key) &&
                                           element[std::string(key)] == *id;
                                  }),
                   target.end());
      continue;
    }
    if (existing != target.end()) {
      REBOUND_RETURN_IF_ERROR(MergeObject(*existing, item));
    } else {
      json added = json::object();
      REBOUND_RETURN_IF_ERROR(MergeObject(added, item));
      target.push_back(std::move(added));
    }
  }
  return common::Status::Ok();
}

common::Status MergeField(json& target, const std::string& key, const json& value) {
  if (value.is_null()) {
    target.erase(key);
    return common::Status::Ok();
  }
  if (value.is_object()) {
    std::string directive = value.value("$patch", "");
    if (directive == "delete") {
      target.erase(key);
      return common::Status::Ok();
    }
    json& child = target[key];
    if (directive == "replace" || !child.is_object()) child = json::object();
    return MergeObject(child, value);
  }
  if (value.is_array()) {
    std::string_view merge_key = MergeKeyOf(key);
    json& child = target[key];
    if (!child.is_array()) child = json::array();
    if (!merge_key.empty()) return MergeList(child, value, merge_key);
    if (IsSetList(key)) {
      for (const json& item : value) {
        if (std::find(child.begin(), child.end(), item) == child.end()) child.push_back(item);
      }
      return common::Status::Ok();
    }
  }
  target[key] = value;
  return common::Status::Ok();
}

common::Status MergeObject(json& target, const json& patch) {
  if (!patch.is_object())
    return common::InvalidArgument("a strategic merge patch must be an object");
  std::string directive = patch.value("$patch", "");
  if (!directive.empty() && directive != "merge" && directive != "replace") {
    return common::InvalidArgument("unknown patch type: " + directive);
  }
  if (directive == "replace") target = json::object();
  for (const auto& [key, value] : patch.items()) {
    if (key == "$patch" || key == "$retainKeys" || key.starts_with(kSetElementOrder)) continue;
    if (key.starts_with(kDeleteFromList)) {
      std::string field = key.substr(kDeleteFromList.size());
      if (!value.is_array() || !target.contains(field) || !target[field].is_array()) continue;
      json& list = target[field];
      list.erase(std::remove_if(list.begin(), list.end(),
                                [&removed = value](const json& item) {
                                  return std::find(removed.begin(), removed.end(), item) !=
                                         removed.end();
                                }),
                 list.end());
      continue;
    }
    REBOUND_RETURN_IF_ERROR(MergeField(target, key, value));
  }
  if (const auto retain = patch.find("$retainKeys"); retain != patch.end() && retain->is_array()) {
    for (auto it = target.begin(); it != target.end();) {
      bool keep = std::find(retain->begin(), retain->end(), it.key()) != retain->end();
      it = keep ? std::next(it) : target.erase(it);
    }
  }
  return common::Status::Ok();
}

// nlohmann's messages start with "[json.exception.<kind>.<id>] "; the rest is for people.
std::string WithoutExceptionPrefix(std::string_view what) {
  if (what.starts_with("[json.exception.")) {
    size_t end = what.find("] ");
    if (end != std::string_view::npos) what.remove_prefix(end + 2);
  }
  return std::string(what);
}

}  // namespace

std::optional<PatchType> PatchTypeFromContentType(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  if (media == "application/merge-patch+json") return PatchType::kMerge;
  if (media == "application/json-patch+json") return PatchType::kJson;
  if (media == "application/strategic-merge-patch+json") return PatchType::kStrategic;
  return std::nullopt;
}

common::Result<nlohmann::json> ApplyPatch(PatchType type, const nlohmann::json& target,
                                          const nlohmann::json& patch) {
  try {
    switch (type) {
      case PatchType::kMerge: {
        json result = target;
        result.merge_patch(patch);
        return result;
      }
      case PatchType::kJson:
        if (!patch.is_array())
          return common::InvalidArgument("a JSON patch must be a list of operations");
        return target.patch(patch);
      case PatchType::kStrategic: {
        json result = target;
        REBOUND_RETURN_IF_ERROR(MergeObject(result, patch));
        return result;
      }
    }
  } catch (const json::exception& e) {
    return common::InvalidArgument(WithoutExceptionPrefix(e.what()));
  }
  return common::Internal("unknown patch type");
}

}  // namespace rebound::kubesim
