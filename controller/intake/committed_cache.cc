#include "controller/intake/committed_cache.h"

#include <mutex>

namespace rebound::controller::intake {

std::string CommittedCache::Key(std::string_view fingerprint, std::string_view starts_at) {
  std::string key;
  key.reserve(fingerprint.size() + 1 + starts_at.size());
  key.append(fingerprint);
  key += '\x1f';  // cannot occur in a canonical timestamp
  key.append(starts_at);
  return key;
}

std::optional<AlertStatus> CommittedCache::Find(std::string_view fingerprint,
                                                std::string_view starts_at) const {
  std::shared_lock lock(mu_);
  auto it = status_.find(Key(fingerprint, starts_at));
  if (it == status_.end()) return std::nullopt;
  return it->second;
}

void CommittedCache::Put(std::string_view fingerprint, std::string_view starts_at,
                         AlertStatus status) {
  if (capacity_ == 0) return;
  std::string key = Key(fingerprint, starts_at);
  std::unique_lock lock(mu_);
  auto [it, inserted] = status_.insert_or_assign(key, status);
  if (!inserted) return;
  insertion_order_.push_back(std::move(key));
  if (insertion_order_.size() > capacity_) {
    status_.erase(insertion_order_.front());
    insertion_order_.pop_front();
  }
}

void CommittedCache::Clear() {
  std::unique_lock lock(mu_);
  status_.clear();
  insertion_order_.clear();
}

}  // namespace rebound::controller::intake
