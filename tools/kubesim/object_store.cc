#include "tools/kubesim/object_store.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "common/time_format.h"
#include "tools/kubesim/json_access.h"

namespace rebound::kubesim {
namespace {

std::string Key(std::string_view ns, std::string_view name) {
  return std::string(ns) + "/" + std::string(name);
}

}  // namespace

ObjectStore::ObjectStore(const common::Clock& clock, uint64_t seed, size_t history_limit)
    : clock_(clock), history_limit_(history_limit), random_(seed) {}

std::string ObjectStore::RandomSuffixLocked(size_t n) {
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  for (size_t i = 0; i < n; ++i) out += kAlphabet[random_() % kAlphabet.size()];
  return out;
}

std::string ObjectStore::RandomSuffix(size_t n) {
  std::lock_guard lock(mu_);
  return RandomSuffixLocked(n);
}

std::string ObjectStore::NewUid() {
  std::lock_guard lock(mu_);
  uint64_t a = random_();
  uint64_t b = random_();
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

void ObjectStore::RecordLocked(std::string type, const ResourceType& resource,
                               const nlohmann::json& object, nlohmann::json previous) {
  history_.push_back({std::move(type), &resource, version_, object, std::move(previous)});
  while (history_.size() > history_limit_) {
    trimmed_to_ = history_.front().resource_version;
    history_.pop_front();
  }
  written_.notify_all();
}

common::Result<nlohmann::json> ObjectStore::Create(const ResourceType& type,
                                                   nlohmann::json object) {
  std::string uid = NewUid();
  std::lock_guard lock(mu_);
  json& metadata = EnsureObject(object, "/metadata");
  if (!type.namespaced) metadata.erase("namespace");
  std::string ns = StringAt(metadata, "/namespace");
  Bucket& bucket = objects_[type.id];
  std::string name = StringAt(metadata, "/name");
  std::string generate = StringAt(metadata, "/generateName");
  if (name.empty() && !generate.empty()) {
    do {
      name = generate + RandomSuffixLocked(5);
    } while (bucket.contains(Key(ns, name)));
    metadata["name"] = name;
  }
  if (name.empty()) {
    return common::InvalidArgument("name or generateName is required");
  }
  if (bucket.contains(Key(ns, name))) {
    return common::Status(common::StatusCode::kAlreadyExists, name + " already exists");
  }
  auto now = std::chrono::floor<std::chrono::seconds>(clock_.Now());
  metadata["uid"] = uid;
  metadata["creationTimestamp"] = common::FormatRfc3339(common::Timestamp::FromTimePoint(now));
  metadata["resourceVersion"] = std::to_string(++version_);
  object["kind"] = type.kind;
  object["apiVersion"] = type.GroupVersion();
  bucket[Key(ns, name)] = object;
  RecordLocked("ADDED", type, object);
  return object;
}

common::Result<nlohmann::json> ObjectStore::Get(const ResourceType& type, std::string_view ns,
                                                std::string_view name) const {
  std::lock_guard lock(mu_);
  auto bucket = objects_.find(type.id);
  if (bucket != objects_.end()) {
    auto it = bucket->second.find(Key(type.namespaced ? ns : "", name));
    if (it != bucket->second.end()) return it->second;
  }
  return common::NotFound(type.QualifiedResource() + " \"" + std::string(name) + "\" not found");
}

ObjectStore::List ObjectStore::ListObjects(const ResourceType& type, std::string_view ns) const {
  std::lock_guard lock(mu_);
  List list;
  list.resource_version = version_;
  auto bucket = objects_.find(type.id);
  if (bucket == objects_.end()) return list;
  for (const auto& [key, object] : bucket->second) {
    if (ns.empty() || !type.namespaced || key.starts_with(std::string(ns) + "/")) {
      list.items.push_back(object);
    }
  }
  return list;
}

common::Result<nlohmann::json> ObjectStore::Replace(const ResourceType& type, nlohmann::json object,
                                                    uint64_t expected_rv) {
  std::lock_guard lock(mu_);
  std::string ns = type.namespaced ? NamespaceOf(object) : "";
  std::string name = NameOf(object);
  auto& bucket = objects_[type.id];
  auto it = bucket.find(Key(ns, name));
  if (it == bucket.end()) {
    return common::NotFound(type.QualifiedResource() + " \"" + name + "\" not found");
  }
  json& stored = it->second;
  if (expected_rv != 0 && expected_rv != ResourceVersionOf(stored)) {
    return common::Status(common::StatusCode::kConflict,
                          "the object has been modified; please apply your changes to the "
                          "latest version and try again");
  }
  json& metadata = EnsureObject(object, "/metadata");
  metadata["uid"] = stored["metadata"]["uid"];
  metadata["creationTimestamp"] = stored["metadata"]["creationTimestamp"];
  if (!type.namespaced) metadata.erase("namespace");
  object["kind"] = type.kind;
  object["apiVersion"] = type.GroupVersion();
  metadata["resourceVersion"] = stored["metadata"]["resourceVersion"];
  if (object == stored) return stored;  // nothing but (perhaps) the resourceVersion changed
  metadata["resourceVersion"] = std::to_string(++version_);
  json previous = std::exchange(stored, object);
  RecordLocked("MODIFIED", type, object, std::move(previous));
  return object;
}

common::Result<nlohmann::json> ObjectStore::Delete(const ResourceType& type, std::string_view ns,
                                                   std::string_view name,
                                                   const Preconditions& pre) {
  std::lock_guard lock(mu_);
  auto& bucket = objects_[type.id];
  auto it = bucket.find(Key(type.namespaced ? ns : "", name));
  if (it == bucket.end()) {
    return common::NotFound(type.QualifiedResource() + " \"" + std::string(name) + "\" not found");
  }
  const json& current = it->second;
  if (pre.resource_version != 0 && pre.resource_version != ResourceVersionOf(current)) {
    return common::Status(
        common::StatusCode::kConflict,
        "Precondition failed: ResourceVersion in precondition: " +
            std::to_string(pre.resource_version) +
            ", ResourceVersion in object meta: " + StringAt(current, "/metadata/resourceVersion"));
  }
  if (!pre.uid.empty() && pre.uid != UidOf(current)) {
    return common::Status(common::StatusCode::kConflict,
                          "Precondition failed: UID in precondition: " + pre.uid +
                              ", UID in object meta: " + UidOf(current));
  }
  json object = std::move(it->second);
  bucket.erase(it);
  object["metadata"]["resourceVersion"] = std::to_string(++version_);
  RecordLocked("DELETED", type, object);
  return object;
}

uint64_t ObjectStore::CurrentVersion() const {
  std::lock_guard lock(mu_);
  return version_;
}

ObjectStore::Changes ObjectStore::ChangesSince(const ResourceType& type, uint64_t after) const {
  std::lock_guard lock(mu_);
  Changes changes;
  changes.scanned_to = std::max(after, version_);
  if (after < trimmed_to_) {
    changes.expired = true;
    changes.oldest = trimmed_to_;
    return changes;
  }
  auto first = std::upper_bound(
      history_.begin(), history_.end(), after,
      [](uint64_t rv, const WatchEvent& event) { return rv < event.resource_version; });
  for (auto it = first; it != history_.end(); ++it) {
    if (it->resource == &type) changes.events.push_back(*it);
  }
  return changes;
}

void ObjectStore::WaitForWrite(uint64_t after, std::chrono::milliseconds max_wait) const {
  std::unique_lock lock(mu_);
  written_.wait_for(lock, max_wait, [&] { return version_ > after; });
}

}  // namespace rebound::kubesim
