#include "tools/kubesim/object_rules.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "tools/kubesim/json_access.h"
#include "tools/kubesim/selectors.h"

namespace rebound::kubesim {
namespace {

void SetDefault(json& object, const std::string& key, json value) {
  if (!object.contains(key) || object[key].is_null()) object[key] = std::move(value);
}

void DefaultPodSpec(json& spec) {
  SetDefault(spec, "restartPolicy", "Always");
  SetDefault(spec, "terminationGracePeriodSeconds", 30);
  SetDefault(spec, "dnsPolicy", "ClusterFirst");
  SetDefault(spec, "schedulerName", "default-scheduler");
  SetDefault(spec, "securityContext", json::object());
  if (!spec.contains("containers") || !spec["containers"].is_array()) return;
  for (json& container : spec["containers"]) {
    if (!container.is_object()) continue;
    std::string image = StringAt(container, "/image");
    size_t colon = image.rfind(':');
    bool latest = image.find('@') == std::string::npos &&
                  (colon == std::string::npos || image.find('/', colon) != std::string::npos ||
                   image.substr(colon + 1) == "latest");
    SetDefault(container, "imagePullPolicy", latest ? "Always" : "IfNotPresent");
    SetDefault(container, "terminationMessagePath", "/dev/termination-log");
    SetDefault(container, "terminationMessagePolicy", "File");
    SetDefault(container, "resources", json::object());
  }
}

// A ClusterIP in 10.96.0.0/16 derived from the Service's namespace and name (FNV-1a), so the
// same Service gets the same address in every run.
std::string ClusterIpOf(const json& service) {
  uint32_t hash = 2166136261u;
  for (char c : NamespaceOf(service) + "/" + NameOf(service)) {
    hash = (hash ^ static_cast<uint8_t>(c)) * 16777619u;
  }
  return "10.96." + std::to_string((hash >> 8) % 256) + "." + std::to_string(hash % 254 + 1);
}

void DefaultService(json& spec, const json& service) {
  SetDefault(spec, "type", "ClusterIP");
  SetDefault(spec, "sessionAffinity", "None");
  if (spec["type"] != "ExternalName") {
    SetDefault(spec, "clusterIP", ClusterIpOf(service));
    SetDefault(spec, "clusterIPs", json::array({spec["clusterIP"]}));
    SetDefault(spec, "ipFamilies", json::array({"IPv4"}));
    SetDefault(spec, "ipFamilyPolicy", "SingleStack");
    SetDefault(spec, "internalTrafficPolicy", "Cluster");
  }
  if (!spec.contains("ports") || !spec["ports"].is_array()) return;
  for (json& port : spec["ports"]) {
    if (!port.is_object()) continue;
    SetDefault(port, "protocol", "TCP");
    if (port.contains("port")) SetDefault(port, "targetPort", port["port"]);
  }
}

void ApplyDefaults(const ResourceType& type, json& object) {
  json& spec = EnsureObject(object, "/spec");
  switch (type.id) {
    case Kind::kDeployment:
      SetDefault(spec, "replicas", 1);
      SetDefault(spec, "strategy", {{"type", "RollingUpdate"}});
      if (StringAt(spec, "/strategy/type") == "RollingUpdate") {
        SetDefault(spec["strategy"], "rollingUpdate",
                   {{"maxSurge", "25%"}, {"maxUnavailable", "25%"}});
      }
      SetDefault(spec, "revisionHistoryLimit", 10);
      SetDefault(spec, "progressDeadlineSeconds", 600);
      DefaultPodSpec(EnsureObject(object, "/spec/template/spec"));
      break;
    case Kind::kReplicaSet:
      SetDefault(spec, "replicas", 1);
      DefaultPodSpec(EnsureObject(object, "/spec/template/spec"));
      break;
    case Kind::kStatefulSet:
      SetDefault(spec, "replicas", 1);
      SetDefault(spec, "podManagementPolicy", "OrderedReady");
      SetDefault(spec, "updateStrategy",
                 {{"type", "RollingUpdate"}, {"rollingUpdate", {{"partition", 0}}}});
      SetDefault(spec, "revisionHistoryLimit", 10);
      DefaultPodSpec(EnsureObject(object, "/spec/template/spec"));
      break;
    case Kind::kPod:
      DefaultPodSpec(spec);
      break;
    case Kind::kNamespace:
      SetDefault(spec, "finalizers", json::array({"kubernetes"}));
      break;
    case Kind::kEvent:
      object.erase("spec");
      break;
    case Kind::kService:
      DefaultService(spec, object);
      break;
    default:
      if (spec.empty()) object.erase("spec");
      break;
  }
}

std::vector<FieldCause> ValidateWorkload(const json& object, const json* current) {
  std::vector<FieldCause> causes;
  int64_t replicas = IntAt(object, "/spec/replicas", 0);
  if (replicas < 0 || replicas > kMaxReplicas) {
    causes.push_back(
        {"spec.replicas", "Invalid value: " + std::to_string(replicas) +
                              (replicas < 0 ? ": must be greater than or equal to 0"
                                            : ": must be less than or equal to " +
                                                  std::to_string(kMaxReplicas) + " in kubesim")});
  }
  const json* selector = Find(object, "/spec/selector");
  auto parsed = LabelSelector::FromJson(selector ? *selector : json());
  if (selector == nullptr || selector->is_null() || (parsed.ok() && parsed->empty())) {
    causes.push_back({"spec.selector", "Required value", "FieldValueRequired"});
  } else if (!parsed.ok()) {
    causes.push_back(
        {"spec.selector", "Invalid value: " + selector->dump() + ": " + parsed.status().message()});
  } else if (!parsed->Matches(StringMapAt(object, "/spec/template/metadata/labels"))) {
    const json* labels = Find(object, "/spec/template/metadata/labels");
    causes.push_back({"spec.template.metadata.labels",
                      "Invalid value: " + (labels ? labels->dump() : std::string("null")) +
                          ": `selector` does not match template `labels`"});
  }
  if (current != nullptr && selector != nullptr) {
    const json* before = Find(*current, "/spec/selector");
    if (before != nullptr && *before != *selector) {
      causes.push_back(
          {"spec.selector", "Invalid value: " + selector->dump() + ": field is immutable"});
    }
  }
  const json* containers = Find(object, "/spec/template/spec/containers");
  if (containers == nullptr || !containers->is_array() || containers->empty()) {
    causes.push_back({"spec.template.spec.containers", "Required value", "FieldValueRequired"});
  }
  return causes;
}

std::vector<FieldCause> ValidateService(const json& service) {
  std::vector<FieldCause> causes;
  std::string type = StringAt(service, "/spec/type", "ClusterIP");
  if (type != "ClusterIP" && type != "NodePort" && type != "LoadBalancer" &&
      type != "ExternalName") {
    causes.push_back({"spec.type",
                      "Unsupported value: \"" + type +
                          "\": supported values: \"ClusterIP\", \"ExternalName\", "
                          "\"LoadBalancer\", \"NodePort\"",
                      "FieldValueNotSupported"});
  }
  const json* ports = Find(service, "/spec/ports");
  if (type != "ExternalName" && (ports == nullptr || !ports->is_array() || ports->empty())) {
    causes.push_back({"spec.ports", "Required value", "FieldValueRequired"});
    return causes;
  }
  if (ports == nullptr || !ports->is_array()) return causes;
  for (size_t i = 0; i < ports->size(); ++i) {
    std::string at = "spec.ports[" + std::to_string(i) + "]";
    int64_t port = IntAt((*ports)[i], "/port", 0);
    if (port < 1 || port > 65535) {
      causes.push_back({at + ".port", "Invalid value: " + std::to_string(port) +
                                          ": must be between 1 and 65535, inclusive"});
    }
    if (ports->size() > 1 && StringAt((*ports)[i], "/name").empty()) {
      causes.push_back({at + ".name", "Required value", "FieldValueRequired"});
    }
  }
  return causes;
}

std::vector<FieldCause> ValidateContainers(const json& containers, const std::string& field) {
  std::vector<FieldCause> causes;
  if (!containers.is_array() || containers.empty()) {
    causes.push_back({field, "Required value", "FieldValueRequired"});
    return causes;
  }
  for (size_t i = 0; i < containers.size(); ++i) {
    std::string at = field + "[" + std::to_string(i) + "]";
    if (StringAt(containers[i], "/name").empty()) {
      causes.push_back({at + ".name", "Required value", "FieldValueRequired"});
    }
    if (StringAt(containers[i], "/image").empty()) {
      causes.push_back({at + ".image", "Required value", "FieldValueRequired"});
    }
  }
  return causes;
}

std::optional<ApiError> Validate(const ResourceType& type, const json& object,
                                 const json* current) {
  std::vector<FieldCause> causes;
  std::string name = NameOf(object);
  if (!name.empty() && !IsDnsSubdomain(name)) {
    causes.push_back(
        {"metadata.name", "Invalid value: \"" + name +
                              "\": a lowercase RFC 1123 subdomain must consist of lower case "
                              "alphanumeric characters, '-' or '.', and must start and end with an "
                              "alphanumeric character"});
  }
  switch (type.id) {
    case Kind::kDeployment:
    case Kind::kReplicaSet:
    case Kind::kStatefulSet: {
      auto more = ValidateWorkload(object, current);
      causes.insert(causes.end(), more.begin(), more.end());
      if (const json* containers = Find(object, "/spec/template/spec/containers");
          containers != nullptr && !containers->empty()) {
        auto bad = ValidateContainers(*containers, "spec.template.spec.containers");
        causes.insert(causes.end(), bad.begin(), bad.end());
      }
      break;
    }
    case Kind::kService: {
      auto more = ValidateService(object);
      causes.insert(causes.end(), more.begin(), more.end());
      break;
    }
    case Kind::kPod: {
      const json* containers = Find(object, "/spec/containers");
      auto bad = ValidateContainers(containers ? *containers : json(), "spec.containers");
      causes.insert(causes.end(), bad.begin(), bad.end());
      break;
    }
    default:
      break;
  }
  if (causes.empty()) return std::nullopt;
  return ApiError::Invalid(type.QualifiedKind(), type.group, type.kind, name, std::move(causes));
}

void ResetStatus(const ResourceType& type, json& object) {
  if (!type.has_status) return;
  object.erase("status");
  if (type.id == Kind::kNamespace) object["status"] = {{"phase", "Active"}};
  if (type.id == Kind::kPod) object["status"] = {{"phase", "Pending"}, {"qosClass", "BestEffort"}};
  if (type.id == Kind::kService) object["status"] = {{"loadBalancer", json::object()}};
}

}  // namespace

bool IsDnsSubdomain(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  auto alnum = [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c));
  };
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return alnum(c) || c == '-' || c == '.'; });
}

std::optional<ApiError> PrepareCreate(const ResourceType& type, json& object,
                                      FieldValidation validation) {
  if (auto error = CheckDecoding(type, object, validation)) return error;
  DropNulls(object);
  json& metadata = EnsureObject(object, "/metadata");
  for (const char* key :
       {"uid", "resourceVersion", "creationTimestamp", "generation", "deletionTimestamp"}) {
    metadata.erase(key);
  }
  ApplyDefaults(type, object);
  ResetStatus(type, object);
  if (type.has_generation) metadata["generation"] = 1;
  return Validate(type, object, nullptr);
}

std::optional<ApiError> PrepareUpdate(const ResourceType& type, const json& current, json& desired,
                                      bool status_subresource, FieldValidation validation) {
  if (auto error = CheckDecoding(type, desired, validation)) return error;
  DropNulls(desired);
  if (status_subresource) {
    json status = desired.contains("status") ? desired["status"] : json();
    desired = current;
    if (status.is_null()) {
      desired.erase("status");
    } else {
      desired["status"] = std::move(status);
    }
    return std::nullopt;
  }
  json& metadata = EnsureObject(desired, "/metadata");
  for (const char* key : {"uid", "creationTimestamp", "generation"}) {
    if (const json* value = Find(current, std::string("/metadata/") + key)) {
      metadata[key] = *value;
    } else {
      metadata.erase(key);
    }
  }
  ApplyDefaults(type, desired);
  if (type.has_status) {
    if (const json* status = Find(current, "/status")) {
      desired["status"] = *status;
    } else {
      desired.erase("status");
    }
  }
  if (auto error = Validate(type, desired, &current)) return error;
  const json* before = Find(current, "/spec");
  const json* after = Find(desired, "/spec");
  bool spec_changed =
      (before == nullptr) != (after == nullptr) || (before != nullptr && *before != *after);
  if (type.has_generation && spec_changed) {
    metadata["generation"] = IntAt(current, "/metadata/generation", 1) + 1;
  }
  return std::nullopt;
}

}  // namespace rebound::kubesim
