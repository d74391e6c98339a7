// Worker: takes journaled alert episodes off the WorkQueue and moves them forward.
//
// On start it first resumes every unfinished episode in the journal (those accepted before a
// crash or a restart), then serves the queue, taking what has piled up in batches so that one
// journal commit records many episodes. Processing is level-based and idempotent: an
// episode processed twice (resumed, then re-delivered) ends in the same state. New episodes
// are recorded as pending and handed to the sink (healing) a batch at a time; resolved episodes
// are already closed by the journal, and whoever heals them reads that from the journal.
//
// A batch is handed over in parts of at most kMaxHandOverBytes (ApproximateSize of the
// episodes; a larger episode alone), read from the journal as they go, so that what the worker
// holds is bounded in bytes as well as in count.
//
// The hand-over is where backpressure starts: the sink may block while healing is full, the
// worker then stops taking from the WorkQueue, the queue fills and the webhook answers 503.
// Closing the queue ends such a wait (WorkQueue::closing); what was not handed over stays
// pending in the journal and is resumed at the next start.
//
// When the journal cannot commit (a full or failing disk), an episode that could not be
// recorded as pending is kept, not handed over, and retried; so are the state changes healing
// could not record (Journal::RetryFailedStates), which the worker notices within 5 s. Retries
// back off (100 ms doubling to 5 s, jittered) while the queue is served, and end when the queue
// is closed: once the disk has room again the episodes go on without a restart, each handed
// over once.
//
// Thread-safety: Start and Join are called once each from the owning thread.
#pragma once

#include <functional>
#include <stop_token>
#include <thread>
#include <vector>

#include "common/random.h"
#include "controller/intake/journal.h"
#include "controller/intake/work_queue.h"
#include "exporter/intake_metrics.h"

namespace rebound::controller::intake {

class Worker {
 public:
  // Episodes are handed over in parts of at most this many bytes (ApproximateSize).
  static constexpr size_t kMaxHandOverBytes = size_t{4} << 20;

  // Receives the episodes of a batch once they are recorded as pending. May block to apply
  // backpressure, but must return soon once `stop` is requested (the queue is closing),
  // returning false when it did not take every episode.
  using Sink = std::function<bool(const std::vector<Episode>& episodes, std::stop_token stop)>;

  // `resume_at_start` false: the unfinished episodes are left to whoever acts later (a replica
  // that is not the leader yet resumes them when it leads).
  Worker(Journal& journal, WorkQueue& queue, exporter::IntakeMetrics& metrics, Sink sink = nullptr,
         bool resume_at_start = true);
  ~Worker();  // joins

  void Start();
  // Returns once the queue has been closed (WorkQueue::Close) and everything queued is done.
  void Join();

 private:
  void Run();
  void Process(const std::vector<WorkItem>& batch);
  // Records `keys` as pending and hands over each recorded one, in parts of at most
  // kMaxHandOverBytes; keeps the others in unrecorded_.
  void Record(const std::vector<EpisodeKey>& keys);
  // One more attempt at what could not be recorded.
  void RetryOwed();

  Journal& journal_;
  WorkQueue& queue_;
  exporter::IntakeMetrics& metrics_;
  Sink sink_;
  const bool resume_at_start_;
  common::SystemRandom random_;         // backoff jitter
  std::vector<EpisodeKey> unrecorded_;  // worker thread only
  std::thread thread_;
};

}  // namespace rebound::controller::intake
