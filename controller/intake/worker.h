// Worker: takes journaled alert episodes off the WorkQueue and moves them forward.
//
// On start it first resumes every unfinished episode in the journal (those accepted before a
// crash or a restart), then serves the queue, taking what has piled up in batches so that one
// journal commit records many episodes. Processing is level-based and idempotent: an
// episode processed twice (resumed, then re-delivered) ends in the same state. A new episode
// is recorded as pending and handed to the sink (healing); resolved episodes are already closed
// by the journal, and whoever heals them reads that from the journal.
//
// Thread-safety: Start and Join are called once each from the owning thread.
#pragma once

#include <functional>
#include <thread>

#include "controller/intake/journal.h"
#include "controller/intake/work_queue.h"
#include "exporter/intake_metrics.h"

namespace rebound::controller::intake {

class Worker {
 public:
  // Receives each episode once it is recorded as pending. Must not block for long: it runs on
  // the worker's thread.
  using Sink = std::function<void(const Episode&)>;

  Worker(Journal& journal, WorkQueue& queue, exporter::IntakeMetrics& metrics, Sink sink = nullptr);
  ~Worker();  // joins

  void Start();
  // Returns once the queue has been closed (WorkQueue::Close) and everything queued is done.
  void Join();

 private:
  void Run();
  void Process(const std::vector<WorkItem>& batch);

  Journal& journal_;
  WorkQueue& queue_;
  exporter::IntakeMetrics& metrics_;
  Sink sink_;
  std::thread thread_;
};

}  // namespace rebound::controller::intake
