#include "controller/intake/worker.h"

#include <spdlog/spdlog.h>

namespace rebound::controller::intake {
namespace {

// Episodes recorded per journal commit at most; bounds the latency of the first in a burst.
constexpr size_t kMaxBatch = 512;

}  // namespace

Worker::Worker(Journal& journal, WorkQueue& queue, exporter::IntakeMetrics& metrics, Sink sink)
    : journal_(journal), queue_(queue), metrics_(metrics), sink_(std::move(sink)) {}

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
    std::vector<WorkItem> resumed;
    for (const Episode& episode : *unfinished) {
      resumed.push_back(WorkItem{episode.key, IntakeOutcome::kNew});
    }
    Process(resumed);
  }
  for (;;) {
    std::vector<WorkItem> batch = queue_.PopBatch(kMaxBatch);
    if (batch.empty()) return;
    metrics_.queue_depth.Set(static_cast<double>(queue_.depth()));
    Process(batch);
  }
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
  if (fresh.empty()) return;
  std::vector<common::Status> statuses = journal_.SetStates(fresh, EpisodeState::kPending);
  std::vector<Episode> pending;
  for (size_t i = 0; i < fresh.size(); ++i) {
    if (!statuses[i].ok()) {
      metrics_.journal_errors.Increment();
      spdlog::error("worker: cannot record episode fingerprint={} startsAt={} as pending: {}",
                    fresh[i].fingerprint, fresh[i].starts_at, statuses[i].message());
      continue;
    }
    if (!sink_) {
      spdlog::info("worker: episode fingerprint={} startsAt={} pending: no remediation configured",
                   fresh[i].fingerprint, fresh[i].starts_at);
      continue;
    }
    common::Result<Episode> episode = journal_.Get(fresh[i]);
    if (!episode.ok()) {
      metrics_.journal_errors.Increment();
      spdlog::error("worker: cannot read episode fingerprint={} startsAt={}: {}",
                    fresh[i].fingerprint, fresh[i].starts_at, episode.status().message());
      continue;
    }
    pending.push_back(std::move(*episode));
  }
  if (!pending.empty() && !sink_(pending, queue_.closing())) {
    spdlog::info("worker: stopping; episodes not yet handed over stay pending in the journal");
  }
}

}  // namespace rebound::controller::intake
