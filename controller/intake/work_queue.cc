#include "controller/intake/work_queue.h"

#include <cassert>
#include <utility>

namespace rebound::controller::intake {

bool WorkQueue::TryReserve(size_t n) {
  std::lock_guard lock(mu_);
  if (closed_ || items_.size() + reserved_ + n > capacity_) return false;
  reserved_ += n;
  return true;
}

void WorkQueue::Release(size_t n) {
  std::lock_guard lock(mu_);
  assert(reserved_ >= n);
  reserved_ -= n;
}

void WorkQueue::PushReserved(WorkItem item) {
  {
    std::lock_guard lock(mu_);
    assert(reserved_ > 0);
    --reserved_;
    items_.push_back(std::move(item));
  }
  ready_.notify_one();
}

std::vector<WorkItem> WorkQueue::PopBatch(size_t max,
                                          std::optional<std::chrono::milliseconds> timeout) {
  std::unique_lock lock(mu_);
  const auto ready = [&] { return closed_ || !items_.empty(); };
  if (timeout) {
    ready_.wait_for(lock, *timeout, ready);
  } else {
    ready_.wait(lock, ready);
  }
  std::vector<WorkItem> batch;
  while (!items_.empty() && batch.size() < max) {
    batch.push_back(std::move(items_.front()));
    items_.pop_front();
  }
  return batch;
}

void WorkQueue::Close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  closing_.request_stop();
  ready_.notify_all();
}

size_t WorkQueue::depth() const {
  std::lock_guard lock(mu_);
  return items_.size();
}

void WorkQueue::SetCapacity(size_t capacity) {
  std::lock_guard lock(mu_);
  capacity_ = capacity;
}

}  // namespace rebound::controller::intake
