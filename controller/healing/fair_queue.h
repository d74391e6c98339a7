// FairQueue: a queue shared round robin between keys, so that many items under one key cannot
// starve the items of another. Items of one key leave in the order they came; the keys take
// turns, one item each, in the order they first had something waiting.
//
// Thread-safety: none; the owner locks.
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace rebound::controller::healing {

template <typename T>
class FairQueue {
 public:
  void Push(const std::string& key, T item) {
    auto [it, inserted] = by_key_.try_emplace(key);
    if (inserted) turns_.push_back(key);
    it->second.push_back(std::move(item));
    ++size_;
  }

  // The oldest item of the key whose turn it is; nullopt when empty.
  std::optional<T> Pop() {
    if (turns_.empty()) return std::nullopt;
    std::string key = std::move(turns_.front());
    turns_.pop_front();
    auto it = by_key_.find(key);
    T item = std::move(it->second.front());
    it->second.pop_front();
    --size_;
    if (it->second.empty()) {
      by_key_.erase(it);
    } else {
      turns_.push_back(std::move(key));
    }
    return item;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear() {
    by_key_.clear();
    turns_.clear();
    size_ = 0;
  }

 private:
  std::map<std::string, std::deque<T>> by_key_;  // only keys with items
  std::deque<std::string> turns_;                // each key of by_key_ once
  size_t size_ = 0;
};

}  // namespace rebound::controller::healing
