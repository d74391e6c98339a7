#include "controller/intake/worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/backoff.h"

namespace rebound::controller::intake {
namespace {

// Episodes recorded per journal commit at most; bounds the latency of the first in a burst.
constexpr size_t kMaxBatch = 512;

// Waits between attempts to record state changes the journal could not commit (a full disk):
// doubling from 100 ms to at most 5 s, jittered, for as long as they fail.
constexpr common::RetryPolicy kStateRetry{.max_attempts = 0,
                                          .initial_backoff = std::chrono::milliseconds(100),
                                          .max_backoff = std::chrono::seconds(5)};

}  // namespace

Worker::Worker(Journal& journal, WorkQueue& queue, exporter::IntakeMetrics& metrics, Sink sink,
               bool resume_at_start)
    : journal_(journal),
      queue_(queue),
      metrics_(metrics),
      sink_(std::move(sink)),
      resume_at_start_(resume_at_start) {}

Worker::~Worker() { Join(); }

void Worker::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Worker::Join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::Run() {
  if (resume_at_start_) {
    common::Result<size_t> resumed =
        journal_.ForEachUnfinished(kMaxBatch, [this](std::vector<Episode>& page) {
          std::vector<WorkItem> items;
          for (const Episode& episode : page) {
            items.push_back(WorkItem{episode.key, IntakeOutcome::kNew});
          }
          Process(items);
          return !queue_.closing().stop_requested();
        });
    if (!resumed.ok()) {
      // The episodes stay in the journal and are resumed at the next start.
      spdlog::error("worker: cannot read unfinished episodes: {}", resumed.status().message());
    } else if (*resumed > 0) {
      spdlog::info("worker: resumed {} unfinished episode(s) from the journal", *resumed);
    }
  }
  // While state changes are owed, the wait for work is also the backoff before the next
  // attempt; otherwise it is bounded by the longest backoff, so that a change healing could not
  // record is noticed that late at most. Closing the queue (shutdown) ends the wait. What is
  // still owed then stays in the journal as received or pending and is resumed at the next start.
  int retry = 0;
  for (;;) {
    const bool owed = !unrecorded_.empty() || journal_.failed_states() > 0;
    retry = owed ? std::min(retry + 1, 32) : 0;
    std::vector<WorkItem> batch =
        queue_.PopBatch(kMaxBatch, owed ? common::BackoffDelay(kStateRetry, retry, random_)
                                        : kStateRetry.max_backoff);
    if (batch.empty() && queue_.closing().stop_requested()) return;
    metrics_.queue_depth.Set(static_cast<double>(queue_.depth()));
    if (owed) RetryOwed();
    Process(batch);
  }
}

void Worker::RetryOwed() {
  if (journal_.failed_states() > 0) {
    common::Result<size_t> left = journal_.RetryFailedStates();
    if (!left.ok()) {
      spdlog::warn("worker: state changes still cannot be recorded: {}", left.status().message());
    }
  }
  std::vector<EpisodeKey> keys;
  keys.swap(unrecorded_);
  Record(keys);
}

void Worker::Process(const std::vector<WorkItem>& batch) {
  std::vector<EpisodeKey> fresh;
  for (const WorkItem& item : batch) {
    if (item.outcome == IntakeOutcome::kResolved) {
      spdlog::info("worker: episode fingerprint={} startsAt={} closed (resolved)",
                   item.key.fingerprint, item.key.starts_at);
    } else {
      fresh.push_back(item.key);
    }
  }
  Record(fresh);
}

void Worker::Record(const std::vector<EpisodeKey>& keys) {
  std::vector<common::Status> statuses = keys.empty()
                                             ? std::vector<common::Status>()
                                             : journal_.SetStates(keys, EpisodeState::kPending);
  metrics_.journal_states_owed.Set(static_cast<double>(journal_.failed_states()));
  size_t failed = 0;
  std::vector<Episode> pending;
  size_t pending_bytes = 0;
  bool stopped = false;  // the sink gave up: the rest stay pending in the journal
  const auto hand_over = [&] {
    if (!stopped && !pending.empty() && !sink_(pending, queue_.closing())) {
      stopped = true;
      spdlog::info("worker: stopping; episodes not yet handed over stay pending in the journal");
    }
    pending.clear();
    pending_bytes = 0;
  };
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!statuses[i].ok()) {
      // Handed over only once it is pending: kept, and retried (Run) until recorded. NotFound
      // (retention deleted it) is nothing to retry.
      metrics_.journal_errors.Increment();
      if (statuses[i].code() != common::StatusCode::kNotFound) unrecorded_.push_back(keys[i]);
      if (failed++ == 0) {
        spdlog::error("worker: cannot record episode fingerprint={} startsAt={} as pending: {}",
                      keys[i].fingerprint, keys[i].starts_at, statuses[i].message());
      }
      continue;
    }
    if (!sink_) {
      spdlog::info("worker: episode fingerprint={} startsAt={} pending: no remediation configured",
                   keys[i].fingerprint, keys[i].starts_at);
      continue;
    }
    if (stopped) continue;
    common::Result<Episode> episode = journal_.Get(keys[i]);
    if (!episode.ok()) {
      metrics_.journal_errors.Increment();
      spdlog::error("worker: cannot read episode fingerprint={} startsAt={}: {}",
                    keys[i].fingerprint, keys[i].starts_at, episode.status().message());
      continue;
    }
    const size_t bytes = ApproximateSize(*episode);
    if (pending_bytes + bytes > kMaxHandOverBytes) hand_over();
    pending_bytes += bytes;
    pending.push_back(std::move(*episode));
  }
  hand_over();
  if (failed > 1) {
    spdlog::error("worker: {} episode(s) could not be recorded as pending; retrying", failed);
  }
}

}  // namespace rebound::controller::intake
