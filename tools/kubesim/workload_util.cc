#include "tools/kubesim/workload_util.h"

#include <charconv>
#include <cmath>

#include "common/time_format.h"
#include "tools/kubesim/json_access.h"

namespace rebound::kubesim {

std::string ShortHash(const nlohmann::json& value) {
  uint32_t hash = 2166136261u;  // FNV-1a
  for (unsigned char c : value.dump()) {
    hash ^= c;
    hash *= 16777619u;
  }
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string digits = std::to_string(hash);
  std::string out;
  for (char d : digits) out += kAlphabet[static_cast<size_t>(d - '0') * 2 % kAlphabet.size()];
  return out;
}

nlohmann::json ControllerReference(const ResourceType& type, const nlohmann::json& owner) {
  return {{"apiVersion", type.GroupVersion()},
          {"kind", type.kind},
          {"name", NameOf(owner)},
          {"uid", UidOf(owner)},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

std::string ControllerUid(const nlohmann::json& object) {
  const nlohmann::json* refs = Find(object, "/metadata/ownerReferences");
  if (refs == nullptr || !refs->is_array()) return "";
  for (const nlohmann::json& ref : *refs) {
    if (BoolAt(ref, "/controller", false)) return StringAt(ref, "/uid");
  }
  return "";
}

std::vector<nlohmann::json> OwnedBy(const ObjectStore& store, const ResourceType& type,
                                    const std::string& ns, const std::string& owner_uid) {
  std::vector<nlohmann::json> owned;
  for (nlohmann::json& object : store.ListObjects(type, ns).items) {
    if (ControllerUid(object) == owner_uid) owned.push_back(std::move(object));
  }
  return owned;
}

bool PodReady(const nlohmann::json& pod) {
  const nlohmann::json* conditions = Find(pod, "/status/conditions");
  if (conditions == nullptr || !conditions->is_array()) return false;
  for (const nlohmann::json& c : *conditions) {
    if (StringAt(c, "/type") == "Ready") return StringAt(c, "/status") == "True";
  }
  return false;
}

int64_t ScaledValue(const nlohmann::json* value, int64_t total, bool round_up, int64_t fallback) {
  if (value == nullptr || value->is_null()) return fallback;
  if (value->is_number_integer()) return value->get<int64_t>();
  if (!value->is_string()) return fallback;
  std::string text = value->get<std::string>();
  if (text.empty() || text.back() != '%') return fallback;
  int64_t percent = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, percent);
  if (ec != std::errc() || ptr != text.data() + text.size() - 1) return fallback;
  double scaled = static_cast<double>(percent) * static_cast<double>(total) / 100.0;
  return static_cast<int64_t>(round_up ? std::ceil(scaled) : std::floor(scaled));
}

void SetCondition(nlohmann::json& conditions, std::string_view type, std::string_view status,
                  std::string_view reason, std::string_view message, const std::string& now) {
  if (!conditions.is_array()) conditions = nlohmann::json::array();
  for (nlohmann::json& c : conditions) {
    if (StringAt(c, "/type") != type) continue;
    if (StringAt(c, "/status") != status) {
      c["lastTransitionTime"] = now;
      c["lastUpdateTime"] = now;
    }
    c["status"] = status;
    c["reason"] = reason;
    c["message"] = message;
    return;
  }
  conditions.push_back({{"type", type},
                        {"status", status},
                        {"reason", reason},
                        {"message", message},
                        {"lastTransitionTime", now},
                        {"lastUpdateTime", now}});
}

std::string KubeTime(std::chrono::system_clock::time_point tp) {
  return common::FormatRfc3339(
      common::Timestamp::FromTimePoint(std::chrono::floor<std::chrono::seconds>(tp)));
}

}  // namespace rebound::kubesim
