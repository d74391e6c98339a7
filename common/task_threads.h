// TaskThreads: runs tasks on threads that are started on demand and reused, so an idle owner
// holds no threads and a burst of work does not wait for a fixed pool to free up.
//
// A bounded task runs only while fewer than `max_bounded` bounded tasks are running; the
// others wait their turn in arrival order. An unbounded task starts at once (HttpServer's
// response streams, which run for as long as their client listens). Idle threads stay until
// Join().
//
// Thread-safety: Run() may be called from any thread, tasks included; Join() from any thread
// but a task's.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rebound::common {

class TaskThreads {
 public:
  explicit TaskThreads(int max_bounded);
  ~TaskThreads() { Join(); }
  TaskThreads(const TaskThreads&) = delete;
  TaskThreads& operator=(const TaskThreads&) = delete;

  // Queues `task`; false (and `task` is dropped) once Join() has begun.
  bool Run(std::function<void()> task, bool bounded);
  // Refuses new tasks, waits for the queued and running ones, joins the threads. Safe to call
  // more than once.
  void Join();

 private:
  struct Task {
    std::function<void()> run;
    bool bounded;
  };
  void Loop();

  const int max_bounded_;
  std::mutex mu_;
  std::condition_variable ready_cv_;
  std::deque<Task> ready_;    // may start now
  std::deque<Task> waiting_;  // bounded tasks beyond max_bounded_
  int bounded_running_ = 0;   // bounded tasks in ready_ or running
  int idle_ = 0;              // threads waiting for a task
  bool joining_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace rebound::common
