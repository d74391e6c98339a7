#include "tools/kubesim/event_recorder.h"

#include "common/time_format.h"
#include "tools/kubesim/json_access.h"
#include "tools/kubesim/workload_util.h"

namespace rebound::kubesim {

void EventRecorder::Record(const ResourceType& type, const nlohmann::json& involved,
                           std::string_view kind, std::string_view reason, std::string_view message,
                           std::string_view component) {
  std::lock_guard lock(mu_);
  const ResourceType& events = TypeOf(Kind::kEvent);
  std::string now = KubeTime(clock_.Now());
  std::string key = UidOf(involved) + "\n" + std::string(reason) + "\n" + std::string(message);
  if (auto it = recent_.find(key); it != recent_.end()) {
    auto existing = store_.Get(events, it->second.first, it->second.second);
    if (existing.ok()) {
      nlohmann::json event = std::move(*existing);
      event["count"] = IntAt(event, "/count", 1) + 1;
      event["lastTimestamp"] = now;
      uint64_t rv = ResourceVersionOf(event);
      if (store_.Replace(events, std::move(event), rv).ok()) return;
    }
    recent_.erase(it);
  }
  std::string ns = type.namespaced ? NamespaceOf(involved) : "default";
  nlohmann::json event = {
      {"metadata", {{"name", NameOf(involved) + "." + store_.RandomSuffix(12)}, {"namespace", ns}}},
      {"involvedObject",
       {{"kind", type.kind},
        {"namespace", NamespaceOf(involved)},
        {"name", NameOf(involved)},
        {"uid", UidOf(involved)},
        {"apiVersion", type.GroupVersion()},
        {"resourceVersion", StringAt(involved, "/metadata/resourceVersion")}}},
      {"reason", reason},
      {"message", message},
      {"source", {{"component", component}}},
      {"firstTimestamp", now},
      {"lastTimestamp", now},
      {"count", 1},
      {"type", kind},
      {"eventTime", nullptr},
      {"reportingComponent", component},
      {"reportingInstance", ""}};
  if (!type.namespaced) event["involvedObject"].erase("namespace");
  auto created = store_.Create(events, std::move(event));
  if (created.ok()) recent_[key] = {ns, NameOf(*created)};
}

void EventRecorder::Expire(std::chrono::seconds ttl) {
  {
    std::lock_guard lock(mu_);
    auto mono = clock_.MonotonicNow();
    if (last_sweep_ && mono - *last_sweep_ < std::chrono::minutes(1)) return;
    last_sweep_ = mono;
  }
  const ResourceType& events = TypeOf(Kind::kEvent);
  auto now = clock_.Now();
  for (const nlohmann::json& event : store_.ListObjects(events).items) {
    auto last = common::ParseRfc3339(
        StringAt(event, "/lastTimestamp", StringAt(event, "/metadata/creationTimestamp")));
    if (!last.ok() ||
        std::chrono::system_clock::time_point(std::chrono::seconds(last->seconds)) + ttl >= now) {
      continue;
    }
    (void)store_.Delete(events, NamespaceOf(event), NameOf(event));
  }
  std::lock_guard lock(mu_);
  for (auto it = recent_.begin(); it != recent_.end();) {
    it = store_.Get(events, it->second.first, it->second.second).ok() ? std::next(it)
                                                                      : recent_.erase(it);
  }
}

}  // namespace rebound::kubesim
