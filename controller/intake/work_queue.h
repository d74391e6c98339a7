// WorkQueue: the bounded in-memory queue between the webhook and the worker.
//
// Admission is decided before the journal write: the webhook reserves room for a batch
// (TryReserve), journals it, then pushes into the reserved room, so an accepted batch can
// never find the queue full after it was made durable. When there is no room the webhook
// answers 503 and Alertmanager retries later.
//
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <stop_token>
#include <vector>

#include "controller/intake/dedupe.h"
#include "controller/intake/journal.h"

namespace rebound::controller::intake {

struct WorkItem {
  EpisodeKey key;
  IntakeOutcome outcome = IntakeOutcome::kNew;
};

class WorkQueue {
 public:
  explicit WorkQueue(size_t capacity) : capacity_(capacity) {}

  // Reserves room for `n` items; false (nothing reserved) when queued + reserved + n would
  // exceed the capacity, or the queue is closed.
  bool TryReserve(size_t n);
  // Gives back `n` reserved slots that will not be used.
  void Release(size_t n);
  // Appends an item into a slot reserved earlier.
  void PushReserved(WorkItem item);

  // Waits for items (at most `timeout`, when given) and takes up to `max` of them, oldest
  // first; empty when the timeout passed with nothing queued, or once the queue is closed and
  // drained.
  std::vector<WorkItem> PopBatch(size_t max,
                                 std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  // Refuses new reservations and wakes Pop(); items already queued are still handed out.
  void Close();
  // Requested by Close(): whoever waits on the queue's behalf (the worker handing over to
  // healing) stops waiting.
  std::stop_token closing() const { return closing_.get_token(); }

  size_t depth() const;
  // Applies a reloaded capacity; items already admitted stay.
  void SetCapacity(size_t capacity);

 private:
  mutable std::mutex mu_;
  std::condition_variable ready_;
  std::deque<WorkItem> items_;
  size_t capacity_;
  size_t reserved_ = 0;
  bool closed_ = false;
  std::stop_source closing_;
};

}  // namespace rebound::controller::intake
