#include "common/task_threads.h"

#include <utility>

namespace rebound::common {

TaskThreads::TaskThreads(int max_bounded) : max_bounded_(max_bounded < 1 ? 1 : max_bounded) {}

bool TaskThreads::Run(std::function<void()> task, bool bounded) {
  std::lock_guard lock(mu_);
  if (joining_) return false;
  if (bounded && bounded_running_ >= max_bounded_) {
    waiting_.push_back({std::move(task), bounded});
    return true;
  }
  if (bounded) ++bounded_running_;
  ready_.push_back({std::move(task), bounded});
  if (ready_.size() > static_cast<size_t>(idle_)) {
    threads_.emplace_back([this] { Loop(); });
  } else {
    ready_cv_.notify_one();
  }
  return true;
}

void TaskThreads::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    ++idle_;
    ready_cv_.wait(lock, [&] { return !ready_.empty() || joining_; });
    --idle_;
    if (ready_.empty()) return;  // joining, and nothing is left to run
    Task task = std::move(ready_.front());
    ready_.pop_front();
    lock.unlock();
    task.run();
    task.run = nullptr;  // what it captured goes now, not when the next task comes
    lock.lock();
    if (!task.bounded) continue;
    if (waiting_.empty()) {
      --bounded_running_;
    } else {
      ready_.push_back(std::move(waiting_.front()));  // takes over this task's slot
      waiting_.pop_front();
    }
  }
}

void TaskThreads::Join() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    joining_ = true;
    ready_cv_.notify_all();
  }
  // Threads are only added by Run(), which now refuses, so this list is complete. A thread
  // leaves once ready_ is empty; waiting_ drains into ready_ before that.
  for (;;) {
    {
      std::lock_guard lock(mu_);
      threads.swap(threads_);
    }
    if (threads.empty()) return;
    for (std::thread& thread : threads) thread.join();
    threads.clear();
  }
}

}  // namespace rebound::common
