#include "tools/kubesim/object_decoding.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "tools/kubesim/json_access.h"

namespace rebound::kubesim {
namespace {

using Fields = std::vector<std::string_view>;

const Fields kMetadataFields = {"name",
                                "generateName",
                                "namespace",
                                "selfLink",
                                "uid",
                                "resourceVersion",
                                "generation",
                                "creationTimestamp",
                                "deletionTimestamp",
                                "deletionGracePeriodSeconds",
                                "labels",
                                "annotations",
                                "ownerReferences",
                                "finalizers",
                                "managedFields"};
const Fields kEventFields = {"involvedObject",     "reason",           "message", "source",
                             "firstTimestamp",     "lastTimestamp",    "count",   "type",
                             "eventTime",          "series",           "action",  "related",
                             "reportingComponent", "reportingInstance"};

// The fields of `spec` kubesim knows for a kind; nullptr when spec is not checked (pods).
const Fields* SpecFields(Kind kind) {
  static const Fields kDeployment = {"replicas",        "selector",
                                     "template",        "strategy",
                                     "minReadySeconds", "revisionHistoryLimit",
                                     "paused",          "progressDeadlineSeconds"};
  static const Fields kReplicaSet = {"replicas", "minReadySeconds", "selector", "template"};
  static const Fields kStatefulSet = {"replicas",        "selector",
                                      "template",        "volumeClaimTemplates",
                                      "serviceName",     "podManagementPolicy",
                                      "updateStrategy",  "revisionHistoryLimit",
                                      "minReadySeconds", "persistentVolumeClaimRetentionPolicy",
                                      "ordinals"};
  static const Fields kLease = {"holderIdentity", "leaseDurationSeconds", "acquireTime",
                                "renewTime",      "leaseTransitions",     "strategy",
                                "preferredHolder"};
  static const Fields kPdb = {"minAvailable", "selector", "maxUnavailable",
                              "unhealthyPodEvictionPolicy"};
  static const Fields kService = {"ports",
                                  "selector",
                                  "clusterIP",
                                  "clusterIPs",
                                  "type",
                                  "externalIPs",
                                  "sessionAffinity",
                                  "sessionAffinityConfig",
                                  "loadBalancerIP",
                                  "loadBalancerSourceRanges",
                                  "loadBalancerClass",
                                  "externalName",
                                  "externalTrafficPolicy",
                                  "internalTrafficPolicy",
                                  "healthCheckNodePort",
                                  "publishNotReadyAddresses",
                                  "ipFamilies",
                                  "ipFamilyPolicy",
                                  "allocateLoadBalancerNodePorts",
                                  "trafficDistribution"};
  static const Fields kNamespace = {"finalizers"};
  static const Fields kNode = {"podCIDR", "podCIDRs",     "providerID", "unschedulable",
                               "taints",  "configSource", "externalID"};
  switch (kind) {
    case Kind::kDeployment:
      return &kDeployment;
    case Kind::kReplicaSet:
      return &kReplicaSet;
    case Kind::kStatefulSet:
      return &kStatefulSet;
    case Kind::kLease:
      return &kLease;
    case Kind::kPodDisruptionBudget:
      return &kPdb;
    case Kind::kService:
      return &kService;
    case Kind::kNamespace:
      return &kNamespace;
    case Kind::kNode:
      return &kNode;
    default:
      return nullptr;
  }
}

bool Contains(const Fields& fields, std::string_view key) {
  return std::find(fields.begin(), fields.end(), key) != fields.end();
}

void UnknownFields(const json& object, const Fields& allowed, const std::string& prefix,
                   std::vector<std::string>& unknown) {
  if (!object.is_object()) return;
  for (const auto& [key, value] : object.items()) {
    if (!Contains(allowed, key)) unknown.push_back(prefix + key);
  }
}

// Unknown fields at the top level, in metadata and in spec, as "spec.bogus".
std::vector<std::string> FindUnknownFields(const ResourceType& type, const json& object) {
  Fields top = {"apiVersion", "kind", "metadata"};
  if (type.id == Kind::kEvent) {
    top.insert(top.end(), kEventFields.begin(), kEventFields.end());
  } else {
    top.insert(top.end(), {"spec", "status"});
  }
  std::vector<std::string> unknown;
  UnknownFields(object, top, "", unknown);
  if (const json* metadata = Find(object, "/metadata")) {
    UnknownFields(*metadata, kMetadataFields, "metadata.", unknown);
  }
  const json* spec = Find(object, "/spec");
  if (const Fields* fields = SpecFields(type.id); fields != nullptr && spec != nullptr) {
    UnknownFields(*spec, *fields, "spec.", unknown);
  }
  return unknown;
}

ApiError CannotDecode(const ResourceType& type, std::string_view why) {
  return ApiError::BadRequest(type.kind + " in version \"" + type.version +
                              "\" cannot be handled as a " + type.kind + ": " + std::string(why));
}

std::string JsonTypeName(const json& value) {
  if (value.is_string()) return "string";
  if (value.is_boolean()) return "bool";
  if (value.is_number()) return "number";
  if (value.is_array()) return "array";
  if (value.is_object()) return "object";
  return "null";
}

// The JSON types that would make a Go decoder of the typed object fail.
std::optional<ApiError> CheckTypes(const ResourceType& type, const json& object) {
  if (!object.is_object()) return CannotDecode(type, "the body must be a JSON object");
  auto expect = [&](std::string_view pointer, bool (json::*is)() const noexcept,
                    std::string_view go_type) -> std::optional<ApiError> {
    const json* value = Find(object, pointer);
    if (value == nullptr || value->is_null() || ((*value).*is)()) return std::nullopt;
    std::string field(pointer.substr(1));
    std::replace(field.begin(), field.end(), '/', '.');
    return CannotDecode(type, "json: cannot unmarshal " + JsonTypeName(*value) +
                                  " into Go struct field " + field + " of type " +
                                  std::string(go_type));
  };
  for (auto check : {expect("/kind", &json::is_string, "string"),
                     expect("/apiVersion", &json::is_string, "string"),
                     expect("/metadata", &json::is_object, "v1.ObjectMeta"),
                     expect("/metadata/name", &json::is_string, "string"),
                     expect("/metadata/namespace", &json::is_string, "string"),
                     expect("/metadata/generateName", &json::is_string, "string"),
                     expect("/metadata/resourceVersion", &json::is_string, "string"),
                     expect("/metadata/labels", &json::is_object, "map[string]string"),
                     expect("/metadata/annotations", &json::is_object, "map[string]string"),
                     expect("/spec", &json::is_object, "struct"),
                     expect("/status", &json::is_object, "struct"),
                     expect("/spec/replicas", &json::is_number_integer, "int32"),
                     expect("/spec/selector", &json::is_object, "v1.LabelSelector"),
                     expect("/spec/template", &json::is_object, "v1.PodTemplateSpec"),
                     expect("/spec/template/metadata", &json::is_object, "v1.ObjectMeta"),
                     expect("/spec/template/spec", &json::is_object, "v1.PodSpec"),
                     expect("/spec/containers", &json::is_array, "[]v1.Container"),
                     expect("/spec/template/spec/containers", &json::is_array, "[]v1.Container"),
                     expect("/spec/unschedulable", &json::is_boolean, "bool"),
                     expect("/spec/leaseDurationSeconds", &json::is_number_integer, "int32"),
                     expect("/spec/holderIdentity", &json::is_string, "string")}) {
    if (check) return check;
  }
  for (std::string_view map : {"/metadata/labels", "/metadata/annotations"}) {
    if (const json* values = Find(object, map); values != nullptr && values->is_object()) {
      for (const auto& [key, value] : values->items()) {
        if (!value.is_string()) {
          return CannotDecode(type, "json: cannot unmarshal " + JsonTypeName(value) +
                                        " into Go struct field ObjectMeta.metadata." +
                                        std::string(map.substr(10)) + " of type string");
        }
      }
    }
  }
  if (const json* kind = Find(object, "/kind"); kind != nullptr && kind->is_string() &&
                                                !kind->get<std::string>().empty() &&
                                                *kind != type.kind) {
    return ApiError::BadRequest("the kind in the body (" + kind->get<std::string>() +
                                ") does not match the expected kind (" + type.kind + ")");
  }
  if (const json* version = Find(object, "/apiVersion");
      version != nullptr && version->is_string() && !version->get<std::string>().empty() &&
      *version != type.GroupVersion()) {
    return ApiError::BadRequest("the API version in the data (" + version->get<std::string>() +
                                ") does not match the expected API version (" +
                                type.GroupVersion() + ")");
  }
  return std::nullopt;
}

}  // namespace

void DropNulls(json& value) {
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end();) {
      if (it->is_null()) {
        it = value.erase(it);
      } else {
        DropNulls(*it);
        ++it;
      }
    }
  } else if (value.is_array()) {
    for (json& item : value) DropNulls(item);
  }
}

std::optional<ApiError> CheckDecoding(const ResourceType& type, const json& object,
                                      FieldValidation validation) {
  if (auto error = CheckTypes(type, object)) return error;
  if (validation != FieldValidation::kStrict) return std::nullopt;
  std::vector<std::string> unknown = FindUnknownFields(type, object);
  if (unknown.empty()) return std::nullopt;
  std::string list;
  for (const std::string& field : unknown)
    list += (list.empty() ? "" : ", ") + ("unknown field \"" + field + "\"");
  return CannotDecode(type, "strict decoding error: " + list);
}

}  // namespace rebound::kubesim
