#include "controller/intake/worker.h"

#include <spdlog/spdlog.h>

namespace rebound::controller::intake {

Worker::Worker(Journal& journal, WorkQueue& queue, IntakeMetrics& metrics)
    : journal_(journal), queue_(queue), metrics_(metrics) {}

Worker::~Worker() { Join(); }

void Worker::Start() { thread_ = std::thread([this] { Run(); }); }

void Worker::Join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::Run() {
  common::Result<std::vector<Episode>> unfinished = journal_.Unfinished();
  if (!unfinished.ok()) {
    // The episodes stay in the journal and are resumed at the next start.
    spdlog::error("worker: cannot read unfinished episodes: {}", unfinished.status().message());
  } else if (!unfinished->empty()) {
    spdlog::info("worker: resuming {} unfinished episode(s) from the journal",
                 unfinished->size());
    for (const Episode& episode : *unfinished) Process(WorkItem{episode.key, IntakeOutcome::kNew});
  }
  while (std::optional<WorkItem> item = queue_.Pop()) {
    metrics_.queue_depth.Set(static_cast<double>(queue_.depth()));
    Process(*item);
  }
}

void Worker::Process(const WorkItem& item) {
  if (item.outcome == IntakeOutcome::kResolved) {
    spdlog::info("worker: episode fingerprint={} startsAt={} closed (resolved)",
                 item.key.fingerprint, item.key.starts_at);
    return;
  }
  common::Status status = journal_.SetState(item.key, EpisodeState::kPending);
  if (!status.ok()) {
    metrics_.journal_errors.Increment();
    spdlog::error("worker: cannot record episode fingerprint={} startsAt={} as pending: {}",
                  item.key.fingerprint, item.key.starts_at, status.message());
    return;
  }
  spdlog::info("worker: episode fingerprint={} startsAt={} pending: no remediation configured",
               item.key.fingerprint, item.key.starts_at);
}

}  // namespace rebound::controller::intake
