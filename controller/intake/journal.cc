#include "controller/intake/journal.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <filesystem>
#include <future>
#include <limits>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <system_error>
#include <thread>
#include <tuple>
#include <utility>

#include "common/time_format.h"
#include "controller/intake/committed_cache.h"
#include "store/schema.h"
#include "store/sqlite.h"
#include "store/state_dir.h"

namespace rebound::controller::intake {

namespace {

using common::Result;
using common::Status;
using store::Database;
using store::Exec;
using store::FromMillis;
using store::Query;
using store::Statement;
using store::ToMillis;

// The journal's table (store/schema.h): migration i takes it from version i to i + 1; append
// new ones, never edit a shipped one. Times are integer milliseconds since the Unix epoch; labels
// and annotations are JSON objects of strings. The implicit rowid breaks ties between episodes
// journaled in the same millisecond (it grows with insertion order), and SQLite appends it to
// every secondary index, so "ORDER BY received_at_ms, rowid" is served by an index.
// starts_at_ns is starts_at as an instant: RFC 3339 strings do not sort as instants
// ("...:40Z" sorts after "...:40.289Z"), and resolving a shifted startsAt compares instants.
constexpr std::string_view kMigrations[] = {
    R"sql(
CREATE TABLE episodes (
  fingerprint    TEXT    NOT NULL,
  starts_at      TEXT    NOT NULL,  -- canonical RFC 3339
  starts_at_ns   INTEGER NOT NULL,  -- starts_at in Unix nanoseconds (saturated)
  alertname      TEXT    NOT NULL,
  status         TEXT    NOT NULL,  -- AlertStatusName
  state          TEXT    NOT NULL,  -- EpisodeStateName
  labels         TEXT    NOT NULL,  -- JSON object
  annotations    TEXT    NOT NULL,  -- JSON object
  ends_at        TEXT    NOT NULL,  -- canonical RFC 3339, '' while firing
  generator_url  TEXT    NOT NULL,
  receiver       TEXT    NOT NULL,
  external_url   TEXT    NOT NULL,
  playbook       TEXT    NOT NULL,
  received_at_ms INTEGER NOT NULL,
  updated_at_ms  INTEGER NOT NULL,
  PRIMARY KEY (fingerprint, starts_at)
);
-- List(state) and Unfinished().
CREATE INDEX episodes_by_state_received ON episodes (state, received_at_ms);
-- List() of every state, newest first.
CREATE INDEX episodes_by_received ON episodes (received_at_ms);
-- Retention: finished episodes by age.
CREATE INDEX episodes_by_state_updated ON episodes (state, updated_at_ms);
-- A "resolved" whose startsAt Alertmanager shifted: firing episodes of a fingerprint by start.
CREATE INDEX episodes_by_fingerprint_status_start ON episodes (fingerprint, status, starts_at_ns);
)sql",
};
// Before the owners of journal.db kept their own versions, the episodes were version 1 of the
// whole file.
constexpr store::Schema kSchema{
    .owner = "episodes", .migrations = kMigrations, .legacy_version = 1};

// About 64k recent episodes (~10 MiB at most) are answered without the writer when repeated.
constexpr size_t kCommittedCacheEntries = 65536;

constexpr std::string_view kEpisodeColumns =
    "fingerprint, starts_at, alertname, status, state, labels, annotations, ends_at, "
    "generator_url, receiver, external_url, playbook, received_at_ms, updated_at_ms";

int64_t ClampToInt64(size_t n) {
  return n > static_cast<size_t>(std::numeric_limits<int64_t>::max())
             ? std::numeric_limits<int64_t>::max()
             : static_cast<int64_t>(n);
}

std::optional<AlertStatus> ParseAlertStatus(std::string_view name) {
  for (AlertStatus s : {AlertStatus::kFiring, AlertStatus::kResolved}) {
    if (AlertStatusName(s) == name) return s;
  }
  return std::nullopt;
}

std::string DescribeKey(std::string_view fingerprint, std::string_view starts_at) {
  std::string out = "episode (fingerprint ";
  out += fingerprint;
  out += ", startsAt ";
  out += starts_at;
  out += ")";
  return out;
}

Result<std::string> EncodeLabels(const LabelSet& labels, std::string_view what) {
  try {
    return nlohmann::json(labels).dump();
  } catch (const nlohmann::json::exception& e) {
    return common::InvalidArgument(std::string(what) + ": cannot encode as JSON: " + e.what());
  }
}

Result<LabelSet> DecodeLabels(std::string_view text, std::string_view what) {
  try {
    const nlohmann::json json = nlohmann::json::parse(text);
    if (!json.is_object()) {
      return common::Internal("journal: " + std::string(what) + " is not a JSON object");
    }
    LabelSet out;
    for (const auto& [name, value] : json.items()) {
      if (!value.is_string()) {
        return common::Internal("journal: " + std::string(what) + "[" + name + "] is not a string");
      }
      out.emplace(name, value.get<std::string>());
    }
    return out;
  } catch (const nlohmann::json::exception& e) {
    return common::Internal("journal: " + std::string(what) + ": corrupt JSON: " + e.what());
  }
}

// Reads one row selected with kEpisodeColumns.
Result<Episode> ReadEpisode(const Query& query) {
  Episode episode;
  episode.key.fingerprint = query.ColumnText(0);
  episode.key.starts_at = query.ColumnText(1);
  const std::string where = DescribeKey(episode.key.fingerprint, episode.key.starts_at);
  episode.alertname = query.ColumnText(2);
  const std::string status = query.ColumnText(3);
  std::optional<AlertStatus> alert_status = ParseAlertStatus(status);
  if (!alert_status) {
    return common::Internal("journal: " + where + " has unknown status \"" + status + "\"");
  }
  episode.status = *alert_status;
  const std::string state = query.ColumnText(4);
  std::optional<EpisodeState> episode_state = ParseEpisodeState(state);
  if (!episode_state) {
    return common::Internal("journal: " + where + " has unknown state \"" + state + "\"");
  }
  episode.state = *episode_state;
  Result<LabelSet> labels = DecodeLabels(query.ColumnText(5), where + " labels");
  if (!labels.ok()) return labels.status();
  episode.labels = std::move(*labels);
  Result<LabelSet> annotations = DecodeLabels(query.ColumnText(6), where + " annotations");
  if (!annotations.ok()) return annotations.status();
  episode.annotations = std::move(*annotations);
  episode.ends_at = query.ColumnText(7);
  episode.generator_url = query.ColumnText(8);
  episode.receiver = query.ColumnText(9);
  episode.external_url = query.ColumnText(10);
  episode.playbook = query.ColumnText(11);
  episode.received_at = FromMillis(query.ColumnInt(12));
  episode.updated_at = FromMillis(query.ColumnInt(13));
  return episode;
}

// About how many bytes of text `episode` holds: what a page's byte budget counts.
size_t TextSize(const Episode& episode) {
  size_t size = episode.key.fingerprint.size() + episode.key.starts_at.size() +
                episode.alertname.size() + episode.ends_at.size() + episode.generator_url.size() +
                episode.receiver.size() + episode.external_url.size() + episode.playbook.size();
  for (const LabelSet* set : {&episode.labels, &episode.annotations}) {
    for (const auto& [name, value] : *set) size += name.size() + value.size();
  }
  return size;
}

// Turns any exception into Internal, so that none crosses the module boundary.
template <typename F>
auto NoThrow(std::string_view what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return common::Internal("journal: " + std::string(what) + ": " + e.what());
  }
}

// An alert as the writer stores it: encoded by the calling thread, outside the transaction.
struct EncodedAlert {
  std::string fingerprint;
  std::string starts_at;
  int64_t starts_at_ns = 0;
  std::string alertname;
  AlertStatus status = AlertStatus::kFiring;
  std::string labels;
  std::string annotations;
  std::string ends_at;
  std::optional<int64_t> ends_at_ns;  // set with ends_at
  std::string generator_url;
};

}  // namespace

std::string_view EpisodeStateName(EpisodeState state) {
  switch (state) {
    case EpisodeState::kReceived:
      return "received";
    case EpisodeState::kPending:
      return "pending";
    case EpisodeState::kHandled:
      return "handled";
    case EpisodeState::kClosed:
      return "closed";
  }
  return "unknown";
}

std::optional<EpisodeState> ParseEpisodeState(std::string_view name) {
  for (EpisodeState s : {EpisodeState::kReceived, EpisodeState::kPending, EpisodeState::kHandled,
                         EpisodeState::kClosed}) {
    if (EpisodeStateName(s) == name) return s;
  }
  return std::nullopt;
}

size_t ApproximateSize(const Episode& episode) {
  // A std::map node (three pointers, colour, two std::string) and the allocator's headers.
  constexpr size_t kPerLabel = 96;
  size_t bytes = sizeof(Episode) + episode.key.fingerprint.size() + episode.key.starts_at.size() +
                 episode.alertname.size() + episode.ends_at.size() + episode.generator_url.size() +
                 episode.receiver.size() + episode.external_url.size() + episode.playbook.size();
  for (const LabelSet* set : {&episode.labels, &episode.annotations}) {
    for (const auto& [name, value] : *set) bytes += kPerLabel + name.size() + value.size();
  }
  return bytes;
}

class Journal::Impl {
 public:
  Impl(Options options, const common::Clock& clock) : options_(std::move(options)), clock_(clock) {}

  ~Impl() {
    {
      std::lock_guard lock(queue_mu_);
      stopping_ = true;
    }
    queue_cv_.notify_all();
    if (writer_.joinable()) writer_.join();
  }

  Status Init() {
    REBOUND_RETURN_IF_ERROR(store::EnsureStateDir(options_.state_dir).WithContext("journal"));
    const std::string path = (std::filesystem::path(options_.state_dir) / "journal.db").string();
    REBOUND_RETURN_IF_ERROR(
        write_db_.Open(path, store::OpenMode::kReadWriteCreate, "journal", options_.vfs));
    REBOUND_RETURN_IF_ERROR(store::UseWal(write_db_));
    // FULL: in WAL mode every commit syncs the WAL, so an acknowledged commit survives a crash
    // or power loss (NORMAL would only guarantee consistency).
    REBOUND_RETURN_IF_ERROR(Exec(write_db_, "PRAGMA synchronous=FULL", "set synchronous=FULL"));
    REBOUND_RETURN_IF_ERROR(store::Migrate(write_db_, kSchema));
    // The schema is in place, so a statement that does not prepare is a bug or corruption.
    Status status = PrepareWriter();
    if (!status.ok()) return common::Internal(status.message());

    REBOUND_RETURN_IF_ERROR(
        read_db_.Open(path, store::OpenMode::kReadOnly, "journal", options_.vfs));
    status = PrepareReader();
    if (!status.ok()) return common::Internal(status.message());

    try {
      writer_ = std::thread([this] { WriterLoop(); });
    } catch (const std::system_error& e) {
      return common::Internal(std::string("journal: cannot start the writer thread: ") + e.what());
    }
    return Status::Ok();
  }

  Result<std::vector<AppendResult>> Append(const std::vector<Alert>& alerts,
                                           const std::string& receiver,
                                           const std::string& external_url) {
    if (alerts.empty()) return std::vector<AppendResult>();
    if (std::optional<std::vector<AppendResult>> repeats = AnswerRepeats(alerts)) return *repeats;
    auto request = std::make_unique<AppendRequest>();
    request->receiver = receiver;
    request->external_url = external_url;
    request->alerts.reserve(alerts.size());
    for (size_t i = 0; i < alerts.size(); ++i) {
      const Alert& alert = alerts[i];
      const std::string where = "alerts[" + std::to_string(i) + "]";
      if (alert.fingerprint.empty()) {
        return common::InvalidArgument("journal: " + where + ": empty fingerprint");
      }
      EncodedAlert encoded;
      encoded.fingerprint = alert.fingerprint;
      encoded.starts_at = common::FormatRfc3339(alert.starts_at);
      encoded.starts_at_ns = alert.starts_at.UnixNanos();
      encoded.alertname = std::string(alert.alertname());
      encoded.status = alert.status;
      Result<std::string> labels = EncodeLabels(alert.labels, where + ".labels");
      if (!labels.ok()) return labels.status();
      encoded.labels = std::move(*labels);
      Result<std::string> annotations = EncodeLabels(alert.annotations, where + ".annotations");
      if (!annotations.ok()) return annotations.status();
      encoded.annotations = std::move(*annotations);
      if (alert.status == AlertStatus::kResolved && !alert.ends_at.IsZero()) {
        encoded.ends_at = common::FormatRfc3339(alert.ends_at);
        encoded.ends_at_ns = alert.ends_at.UnixNanos();
      }
      encoded.generator_url = alert.generator_url;
      request->alerts.push_back(std::move(encoded));
    }
    return Submit(std::move(request));
  }

  // The outcomes of a notification whose alerts all repeat what is already committed
  // (see CommittedCache), or nullopt when any alert needs the writer.
  std::optional<std::vector<AppendResult>> AnswerRepeats(const std::vector<Alert>& alerts) const {
    std::vector<AppendResult> results;
    results.reserve(alerts.size());
    for (const Alert& alert : alerts) {
      std::string starts_at = common::FormatRfc3339(alert.starts_at);
      std::optional<AlertStatus> committed = committed_.Find(alert.fingerprint, starts_at);
      if (!committed) return std::nullopt;
      IntakeOutcome outcome = Classify(*committed, alert.status);
      if (outcome != IntakeOutcome::kDuplicate && outcome != IntakeOutcome::kStale) {
        return std::nullopt;
      }
      results.push_back(AppendResult{outcome, EpisodeKey{alert.fingerprint, std::move(starts_at)}});
    }
    return results;
  }

  std::vector<Status> SetStates(const std::vector<EpisodeKey>& keys, EpisodeState state,
                                const std::string& playbook) {
    std::vector<std::future<Status>> futures;
    {
      std::lock_guard lock(queue_mu_);
      if (stopping_)
        return std::vector<Status>(keys.size(), common::Unavailable("journal: closing"));
      for (const EpisodeKey& key : keys) {
        auto request = std::make_unique<SetStateRequest>();
        request->key = key;
        request->state = state;
        request->playbook = playbook;
        request->seq = ++next_seq_;
        futures.push_back(request->promise.get_future());
        queue_.push_back(std::move(request));
      }
    }
    queue_cv_.notify_one();
    std::vector<Status> results;
    results.reserve(futures.size());
    for (auto& future : futures) results.push_back(future.get());
    return results;
  }

  Result<size_t> ApplyRetention() { return Submit(std::make_unique<RetentionRequest>()); }

  Result<size_t> RetryFailedStates() {
    if (owed_states() == 0) return size_t{0};
    return Submit(std::make_unique<RetryStatesRequest>());
  }

  size_t owed_states() const {
    std::lock_guard lock(owed_mu_);
    return owed_.size();
  }

  std::chrono::system_clock::time_point Now() const { return clock_.Now(); }

  Result<std::vector<Episode>> Unfinished(size_t limit, const Episode* after) {
    if (limit == 0) return std::vector<Episode>();
    std::lock_guard lock(read_mu_);
    Query query(read_db_, unfinished_, "list unfinished episodes");
    query.Text(EpisodeStateName(EpisodeState::kReceived))
        .Text(EpisodeStateName(EpisodeState::kPending));
    if (after != nullptr) {
      query.Int(ToMillis(after->received_at))
          .Text(after->key.fingerprint)
          .Text(after->key.starts_at);
    } else {
      query.Int(std::numeric_limits<int64_t>::min()).Text("").Text("");
    }
    query.Int(ClampToInt64(limit));
    return ReadAll(query);
  }

  Result<std::vector<Episode>> ListPage(std::optional<EpisodeState> state, size_t limit,
                                        const Episode* after, size_t max_bytes) {
    if (limit == 0) return std::vector<Episode>();
    std::lock_guard lock(read_mu_);
    Query query(read_db_, state ? list_state_ : list_all_, "list episodes");
    query.Int(ClampToInt64(limit));
    if (after != nullptr) {
      query.Int(ToMillis(after->received_at))
          .Text(after->key.fingerprint)
          .Text(after->key.starts_at)
          .Int(0);
    } else {
      const int64_t newest = std::numeric_limits<int64_t>::max();
      query.Int(newest).Text("").Text("").Int(newest);
    }
    if (state) query.Text(EpisodeStateName(*state));
    return ReadAll(query, max_bytes);
  }

  Result<Episode> Get(const EpisodeKey& key) {
    std::lock_guard lock(read_mu_);
    Query query(read_db_, get_, "read " + DescribeKey(key.fingerprint, key.starts_at));
    query.Text(key.fingerprint).Text(key.starts_at);
    Result<bool> row = query.Step();
    if (!row.ok()) return row.status();
    if (!*row) {
      return common::NotFound("journal: no " + DescribeKey(key.fingerprint, key.starts_at));
    }
    return ReadEpisode(query);
  }

 private:
  // A unit of work for the writer. Apply runs inside the shared transaction and fails only on
  // storage errors, which abort the whole transaction; its result (which may itself be an
  // error such as NotFound) is delivered by Complete once the transaction has committed.
  struct Request {
    virtual ~Request() = default;
    virtual Status Apply(Impl& impl, int64_t now_ms) = 0;
    // Runs on the writer after the transaction committed, before Complete.
    virtual void Committed(Impl&) {}
    // Runs on the writer after the transaction failed and was rolled back, before Fail.
    virtual void RolledBack(Impl&) {}
    virtual void Complete() = 0;
    virtual void Fail(const Status& status) = 0;
  };

  template <typename T>
  struct RequestWithResult : Request {
    std::promise<T> promise;
    std::optional<T> result;
    void Complete() override {
      if (result) {
        promise.set_value(std::move(*result));
      } else {
        promise.set_value(T(common::Internal("journal: request committed without a result")));
      }
    }
    void Fail(const Status& status) override { promise.set_value(T(status)); }
  };

  struct AppendRequest : RequestWithResult<Result<std::vector<AppendResult>>> {
    std::vector<EncodedAlert> alerts;
    std::string receiver;
    std::string external_url;
    // The status each touched episode has once this transaction commits.
    std::vector<std::pair<EpisodeKey, AlertStatus>> outcomes;
    Status Apply(Impl& impl, int64_t now_ms) override { return impl.ApplyAppend(*this, now_ms); }
    void Committed(Impl& impl) override {
      for (const auto& [key, status] : outcomes) {
        impl.committed_.Put(key.fingerprint, key.starts_at, status);
      }
    }
  };

  struct KeyLess {
    bool operator()(const EpisodeKey& a, const EpisodeKey& b) const {
      return std::tie(a.fingerprint, a.starts_at) < std::tie(b.fingerprint, b.starts_at);
    }
  };

  // A state change, and the order in which it was asked for (queue order).
  struct StateChange {
    EpisodeState state = EpisodeState::kReceived;
    std::string playbook;  // "" keeps the recorded one
    uint64_t seq = 0;
  };

  struct SetStateRequest : RequestWithResult<Status> {
    EpisodeKey key;
    EpisodeState state = EpisodeState::kReceived;
    std::string playbook;  // "" keeps the recorded one
    uint64_t seq = 0;
    Status Apply(Impl& impl, int64_t now_ms) override {
      Status outcome;
      REBOUND_RETURN_IF_ERROR(impl.ApplySetState(key, state, playbook, now_ms, outcome));
      result = std::move(outcome);
      impl.changed_in_transaction_[key] = seq;
      return Status::Ok();
    }
    // This change supersedes an older one still owed; a failed one is owed, unless a newer
    // change of the episode already is.
    void Committed(Impl& impl) override { impl.Settle(key, seq); }
    void RolledBack(Impl& impl) override {
      std::lock_guard lock(impl.owed_mu_);
      auto [it, inserted] = impl.owed_.try_emplace(key, StateChange{state, playbook, seq});
      if (!inserted && it->second.seq < seq) it->second = StateChange{state, playbook, seq};
    }
  };

  // Records the owed state changes (RetryFailedStates); the result is how many remain owed.
  struct RetryStatesRequest : RequestWithResult<Result<size_t>> {
    std::vector<std::pair<EpisodeKey, uint64_t>> applied;
    Status Apply(Impl& impl, int64_t now_ms) override {
      std::map<EpisodeKey, StateChange, KeyLess> owed;
      {
        std::lock_guard lock(impl.owed_mu_);
        owed = impl.owed_;
      }
      for (const auto& [key, change] : owed) {
        // A newer change of the episode earlier in this transaction wins.
        if (auto newer = impl.changed_in_transaction_.find(key);
            newer != impl.changed_in_transaction_.end() && newer->second > change.seq) {
          continue;
        }
        // NotFound (retention deleted the episode) settles it too.
        Status outcome;
        REBOUND_RETURN_IF_ERROR(
            impl.ApplySetState(key, change.state, change.playbook, now_ms, outcome));
        applied.emplace_back(key, change.seq);
      }
      return Status::Ok();
    }
    void Committed(Impl& impl) override {
      for (const auto& [key, seq] : applied) impl.Settle(key, seq);
      result = impl.owed_states();
    }
  };

  struct RetentionRequest : RequestWithResult<Result<size_t>> {
    Status Apply(Impl& impl, int64_t now_ms) override { return impl.ApplyRetention(*this, now_ms); }
    // Deleted episodes must not be answered from the cache.
    void Committed(Impl& impl) override { impl.committed_.Clear(); }
  };

  Status PrepareWriter() {
    const Database& db = write_db_;
    const std::string key = " WHERE fingerprint = ?1 AND starts_at = ?2";
    REBOUND_RETURN_IF_ERROR(begin_.Prepare(db, "BEGIN IMMEDIATE"));
    REBOUND_RETURN_IF_ERROR(commit_.Prepare(db, "COMMIT"));
    REBOUND_RETURN_IF_ERROR(rollback_.Prepare(db, "ROLLBACK"));
    REBOUND_RETURN_IF_ERROR(lookup_.Prepare(db, "SELECT status, state FROM episodes" + key));
    REBOUND_RETURN_IF_ERROR(insert_.Prepare(
        db, "INSERT INTO episodes (" + std::string(kEpisodeColumns) +
                ", starts_at_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, '', ?12, "
                "?12, ?13)"));
    REBOUND_RETURN_IF_ERROR(resolve_.Prepare(
        db, "UPDATE episodes SET status = ?3, state = ?4, ends_at = ?5, updated_at_ms = ?6" + key));
    REBOUND_RETURN_IF_ERROR(covered_.Prepare(
        db,
        "SELECT starts_at, ends_at FROM episodes WHERE fingerprint = ?1 AND status = ?2 AND "
        "starts_at_ns BETWEEN ?3 AND ?4 ORDER BY starts_at_ns DESC"));
    REBOUND_RETURN_IF_ERROR(
        set_state_.Prepare(db,
                           "UPDATE episodes SET state = ?3, updated_at_ms = ?4, playbook = "
                           "CASE WHEN ?5 = '' THEN playbook ELSE ?5 END" +
                               key));
    REBOUND_RETURN_IF_ERROR(
        expire_.Prepare(db, "DELETE FROM episodes WHERE state IN (?1, ?2) AND updated_at_ms < ?3"));
    REBOUND_RETURN_IF_ERROR(count_.Prepare(db, "SELECT count(*) FROM episodes"));
    REBOUND_RETURN_IF_ERROR(trim_.Prepare(
        db,
        "DELETE FROM episodes WHERE rowid IN (SELECT rowid FROM episodes WHERE state IN (?1, ?2) "
        "ORDER BY updated_at_ms, rowid LIMIT ?3)"));
    return Status::Ok();
  }

  Status PrepareReader() {
    const Database& db = read_db_;
    const std::string select = "SELECT " + std::string(kEpisodeColumns) + " FROM episodes";
    REBOUND_RETURN_IF_ERROR(
        get_.Prepare(db, select + " WHERE fingerprint = ?1 AND starts_at = ?2"));
    // Ordered by the episode's key after the time, so a page goes on after the last episode of
    // the previous one whatever became of it meanwhile (handled, or even deleted).
    REBOUND_RETURN_IF_ERROR(unfinished_.Prepare(
        db,
        select +
            " WHERE state IN (?1, ?2) AND (received_at_ms, fingerprint, starts_at) > (?3, ?4, ?5)"
            " ORDER BY received_at_ms, fingerprint, starts_at LIMIT ?6"));
    // Pages continue after the episode (?3, ?4), received at ?2; ?5 stands in for its rowid
    // when there is no such episode. Served by the indexes on received_at_ms (which end in the
    // rowid): no sort, whatever the page.
    const std::string older =
        " WHERE (received_at_ms, rowid) < (?2, coalesce((SELECT rowid FROM episodes WHERE "
        "fingerprint = ?3 AND starts_at = ?4), ?5))";
    const std::string newest_first = " ORDER BY received_at_ms DESC, rowid DESC LIMIT ?1";
    REBOUND_RETURN_IF_ERROR(list_all_.Prepare(db, select + older + newest_first));
    REBOUND_RETURN_IF_ERROR(
        list_state_.Prepare(db, select + older + " AND state = ?6" + newest_first));
    return Status::Ok();
  }

  // The rows of `query`, stopping after the row that brings their text to `max_bytes`.
  static Result<std::vector<Episode>> ReadAll(Query& query, size_t max_bytes = SIZE_MAX) {
    std::vector<Episode> out;
    for (size_t bytes = 0; bytes < max_bytes;) {
      Result<bool> row = query.Step();
      if (!row.ok()) return row.status();
      if (!*row) return out;
      Result<Episode> episode = ReadEpisode(query);
      if (!episode.ok()) return episode.status();
      bytes += TextSize(*episode);
      out.push_back(std::move(*episode));
    }
    return out;
  }

  // Queues a request for the writer and waits until its transaction has committed or failed.
  template <typename R>
  auto Submit(std::unique_ptr<R> request) -> decltype(request->promise.get_future().get()) {
    auto future = request->promise.get_future();
    {
      std::lock_guard lock(queue_mu_);
      if (stopping_) return common::Unavailable("journal: closing");
      queue_.push_back(std::move(request));
    }
    queue_cv_.notify_one();
    return future.get();
  }

  void WriterLoop() {
    for (;;) {
      std::vector<std::unique_ptr<Request>> batch;
      {
        std::unique_lock lock(queue_mu_);
        queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and everything queued has been committed
        batch.swap(queue_);
      }
      CommitBatch(batch);
    }
  }

  // Runs every request of `batch` in one transaction. Results are delivered only after COMMIT
  // succeeded; on any failure the transaction is rolled back and every request fails, so no
  // caller is told that something is durable when it is not.
  void CommitBatch(std::vector<std::unique_ptr<Request>>& batch) {
    const auto start = clock_.MonotonicNow();
    Status status;
    try {
      status = RunTransaction(batch);
    } catch (const std::exception& e) {
      status = common::Internal(std::string("journal: writer: ") + e.what());
    }
    if (!status.ok()) {
      RollbackIfOpen();
      for (auto& request : batch) request->RolledBack(*this);
      const Status failure(status.code(), status.message() + "; transaction of " +
                                              std::to_string(batch.size()) +
                                              " request(s) rolled back, nothing recorded");
      for (auto& request : batch) request->Fail(failure);
      return;
    }
    if (options_.observe_commit) {
      try {
        options_.observe_commit(clock_.MonotonicNow() - start);
      } catch (const std::exception&) {
        // A metrics callback must not undo a commit that has happened.
      }
    }
    for (auto& request : batch) request->Committed(*this);
    for (auto& request : batch) request->Complete();
  }

  Status RunTransaction(std::vector<std::unique_ptr<Request>>& batch) {
    const Database& db = write_db_;
    REBOUND_RETURN_IF_ERROR(Query(db, begin_, "begin transaction").Run());
    changed_in_transaction_.clear();
    const int64_t now_ms = ToMillis(clock_.Now());
    for (auto& request : batch) REBOUND_RETURN_IF_ERROR(request->Apply(*this, now_ms));
    return Query(db, commit_, "commit").Run();
  }

  void RollbackIfOpen() {
    // SQLite may already have rolled back by itself (e.g. after an I/O error during COMMIT).
    if (!write_db_.InTransaction()) return;
    (void)Query(write_db_, rollback_, "roll back").Run();
  }

  // The status recorded for an episode, or nullopt when there is none.
  struct Recorded {
    AlertStatus status;
    EpisodeState state;
  };
  Result<std::optional<Recorded>> Lookup(const std::string& fingerprint,
                                         const std::string& starts_at) {
    const std::string what = DescribeKey(fingerprint, starts_at);
    Query query(write_db_, lookup_, "look up " + what);
    query.Text(fingerprint).Text(starts_at);
    Result<bool> row = query.Step();
    if (!row.ok()) return row.status();
    if (!*row) return std::optional<Recorded>();
    const std::string status = query.ColumnText(0);
    const std::string state = query.ColumnText(1);
    std::optional<AlertStatus> alert_status = ParseAlertStatus(status);
    std::optional<EpisodeState> episode_state = ParseEpisodeState(state);
    if (!alert_status || !episode_state) {
      return common::Internal("journal: " + what + " has unknown status \"" + status +
                              "\" or state \"" + state + "\"");
    }
    return std::optional<Recorded>(Recorded{*alert_status, *episode_state});
  }

  Status ApplyAppend(AppendRequest& request, int64_t now_ms) {
    std::vector<AppendResult> results;
    results.reserve(request.alerts.size());
    for (const EncodedAlert& alert : request.alerts) {
      Result<AppendResult> result = AppendOne(alert, request, now_ms);
      if (!result.ok()) return result.status();
      // A stale "firing" says nothing about the episode; every other outcome leaves it with
      // the status of this alert (a new one fires, a resolution or its repeat is resolved).
      if (result->outcome != IntakeOutcome::kStale) {
        request.outcomes.emplace_back(result->key, alert.status);
      }
      results.push_back(std::move(*result));
    }
    request.result = std::move(results);
    return Status::Ok();
  }

  // Classifies and records one alert of `request`: which episode it affected, and how.
  Result<AppendResult> AppendOne(const EncodedAlert& alert, const AppendRequest& request,
                                 int64_t now_ms) {
    Result<std::optional<Recorded>> recorded = Lookup(alert.fingerprint, alert.starts_at);
    if (!recorded.ok()) return recorded.status();
    std::optional<AlertStatus> recorded_status;
    if (*recorded) recorded_status = (*recorded)->status;
    const IntakeOutcome outcome = Classify(recorded_status, alert.status);
    EpisodeKey key{alert.fingerprint, alert.starts_at};
    if (outcome == IntakeOutcome::kResolved && !*recorded) {
      Result<std::optional<AppendResult>> shifted = ResolveShiftedStart(alert, now_ms);
      if (!shifted.ok()) return shifted.status();
      if (*shifted) return std::move(**shifted);
    }
    if (outcome == IntakeOutcome::kNew || (outcome == IntakeOutcome::kResolved && !*recorded)) {
      const bool firing = alert.status == AlertStatus::kFiring;
      Query insert(write_db_, insert_, "insert " + DescribeKey(alert.fingerprint, alert.starts_at));
      insert.Text(alert.fingerprint)
          .Text(alert.starts_at)
          .Text(alert.alertname)
          .Text(AlertStatusName(alert.status))
          .Text(EpisodeStateName(firing ? EpisodeState::kReceived : EpisodeState::kClosed))
          .Text(alert.labels)
          .Text(alert.annotations)
          .Text(alert.ends_at)
          .Text(alert.generator_url)
          .Text(request.receiver)
          .Text(request.external_url)
          .Int(now_ms)
          .Int(alert.starts_at_ns);
      REBOUND_RETURN_IF_ERROR(insert.Run());
    } else if (outcome == IntakeOutcome::kResolved) {
      REBOUND_RETURN_IF_ERROR(Resolve(key, alert.ends_at, now_ms));
    }
    // kDuplicate and kStale change nothing.
    return AppendResult{outcome, std::move(key)};
  }

  // An episode found by FindCovered.
  struct Covered {
    EpisodeKey key;
    std::string ends_at;
  };

  // A "resolved" (F, S', E) for which no episode (F, S') exists. Alertmanager may have moved
  // the alert's startsAt since we journaled its "firing": when an alert is posted again with an
  // earlier startsAt (amtool alert add --end=..., or any client re-posting), Alertmanager keeps
  // the earlier one, so the "resolved" names S' while the episode we hold is (F, S).
  //
  // A fingerprint has at most one active alert at a time in Alertmanager, so an interval
  // [S', E] that covers S means that episode ended: every firing episode of F with
  // S' <= S <= E is resolved (instants, not strings), and the result names the latest. A stale
  // "resolved" of an older episode has E < S of the newer one, so it cannot close it.
  //
  // A copy of that notification (Alertmanager's retry, the HA peer's) then finds no firing
  // episode; it is recognised by the episode it closed (startsAt covered, same endsAt) and is a
  // duplicate, not a new closed episode. Nullopt when neither applies: the caller records
  // (F, S') as a new closed episode.
  Result<std::optional<AppendResult>> ResolveShiftedStart(const EncodedAlert& alert,
                                                          int64_t now_ms) {
    if (!alert.ends_at_ns) return std::optional<AppendResult>();  // no interval to match
    Result<std::vector<Covered>> firing = FindCovered(alert, AlertStatus::kFiring);
    if (!firing.ok()) return firing.status();
    for (const Covered& episode : *firing) {
      REBOUND_RETURN_IF_ERROR(Resolve(episode.key, alert.ends_at, now_ms));
    }
    if (!firing->empty()) {
      return std::optional<AppendResult>(
          AppendResult{IntakeOutcome::kResolved, std::move(firing->front().key)});
    }
    Result<std::vector<Covered>> resolved = FindCovered(alert, AlertStatus::kResolved);
    if (!resolved.ok()) return resolved.status();
    for (Covered& episode : *resolved) {
      if (episode.ends_at == alert.ends_at) {
        return std::optional<AppendResult>(
            AppendResult{IntakeOutcome::kDuplicate, std::move(episode.key)});
      }
    }
    return std::optional<AppendResult>();
  }

  // Episodes of the alert's fingerprint in `status` whose startsAt lies within the alert's
  // [startsAt, endsAt], latest first. Read in full before the caller updates any of them.
  Result<std::vector<Covered>> FindCovered(const EncodedAlert& alert, AlertStatus status) {
    Query query(write_db_, covered_,
                "find " + std::string(AlertStatusName(status)) + " episodes covered by " +
                    DescribeKey(alert.fingerprint, alert.starts_at) + " ending " + alert.ends_at);
    query.Text(alert.fingerprint)
        .Text(AlertStatusName(status))
        .Int(alert.starts_at_ns)
        .Int(alert.ends_at_ns.value_or(alert.starts_at_ns));
    std::vector<Covered> out;
    for (;;) {
      Result<bool> row = query.Step();
      if (!row.ok()) return row.status();
      if (!*row) return out;
      out.push_back(
          Covered{EpisodeKey{alert.fingerprint, query.ColumnText(0)}, query.ColumnText(1)});
    }
  }

  Status Resolve(const EpisodeKey& key, const std::string& ends_at, int64_t now_ms) {
    Query resolve(write_db_, resolve_, "resolve " + DescribeKey(key.fingerprint, key.starts_at));
    resolve.Text(key.fingerprint)
        .Text(key.starts_at)
        .Text(AlertStatusName(AlertStatus::kResolved))
        .Text(EpisodeStateName(EpisodeState::kClosed))
        .Text(ends_at)
        .Int(now_ms);
    return resolve.Run();
  }

  // Moves one episode to `state`. Fails only on a storage error (which aborts the transaction);
  // `outcome` is the result for the caller: OK, or NotFound when there is no such episode.
  Status ApplySetState(const EpisodeKey& key, EpisodeState state, const std::string& playbook,
                       int64_t now_ms, Status& outcome) {
    Result<std::optional<Recorded>> recorded = Lookup(key.fingerprint, key.starts_at);
    if (!recorded.ok()) return recorded.status();
    const std::string what = DescribeKey(key.fingerprint, key.starts_at);
    if (!*recorded) {
      outcome = common::NotFound("journal: no " + what);
      return Status::Ok();
    }
    // Closed is final; moving to the current state changes nothing.
    const EpisodeState current = (*recorded)->state;
    if (current != EpisodeState::kClosed && (current != state || !playbook.empty())) {
      Query update(write_db_, set_state_, "set state of " + what);
      update.Text(key.fingerprint)
          .Text(key.starts_at)
          .Text(EpisodeStateName(state))
          .Int(now_ms)
          .Text(playbook);
      REBOUND_RETURN_IF_ERROR(update.Run());
    }
    outcome = Status::Ok();
    return Status::Ok();
  }

  // A change of `key` with sequence `seq` has committed: an owed change it supersedes (or is)
  // is no longer owed.
  void Settle(const EpisodeKey& key, uint64_t seq) {
    std::lock_guard lock(owed_mu_);
    if (auto it = owed_.find(key); it != owed_.end() && it->second.seq <= seq) owed_.erase(it);
  }

  Status ApplyRetention(RetentionRequest& request, int64_t now_ms) {
    const Database& db = write_db_;
    // Finished episodes: remediation is over (handled, perhaps still firing) or resolved.
    const std::string_view handled = EpisodeStateName(EpisodeState::kHandled);
    const std::string_view closed = EpisodeStateName(EpisodeState::kClosed);
    const int64_t retention_ms = std::max<int64_t>(options_.retention.count(), 0);
    const int64_t cutoff_ms = now_ms < std::numeric_limits<int64_t>::min() + retention_ms
                                  ? std::numeric_limits<int64_t>::min()
                                  : now_ms - retention_ms;
    int64_t deleted = 0;
    {
      Query expire(db, expire_, "delete finished episodes past retention");
      expire.Text(handled).Text(closed).Int(cutoff_ms);
      REBOUND_RETURN_IF_ERROR(expire.Run());
      deleted += expire.Changes();
    }
    int64_t rows = 0;
    {
      Query count(db, count_, "count episodes");
      Result<bool> row = count.Step();
      if (!row.ok()) return row.status();
      rows = *row ? count.ColumnInt(0) : 0;
    }
    const int64_t max_rows = ClampToInt64(options_.max_rows);
    if (rows > max_rows) {
      Query trim(db, trim_, "delete oldest finished episodes beyond max_rows");
      trim.Text(handled).Text(closed).Int(rows - max_rows);
      REBOUND_RETURN_IF_ERROR(trim.Run());
      deleted += trim.Changes();
    }
    request.result = static_cast<size_t>(deleted);
    return Status::Ok();
  }

  const Options options_;
  const common::Clock& clock_;
  CommittedCache committed_{kCommittedCacheEntries};

  // Used only by the writer thread (and by Init before the thread starts).
  Database write_db_;
  Statement begin_, commit_, rollback_, lookup_, insert_, resolve_, covered_, set_state_, expire_,
      count_, trim_;

  std::mutex read_mu_;  // guards read_db_ and its statements
  Database read_db_;
  Statement get_, unfinished_, list_all_, list_state_;

  // State changes whose transaction failed, the latest per episode (RetryFailedStates).
  mutable std::mutex owed_mu_;
  std::map<EpisodeKey, StateChange, KeyLess> owed_;  // guarded by owed_mu_
  // Writer only: the newest change applied to each episode in the open transaction.
  std::map<EpisodeKey, uint64_t, KeyLess> changed_in_transaction_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::vector<std::unique_ptr<Request>> queue_;  // guarded by queue_mu_
  bool stopping_ = false;                        // guarded by queue_mu_
  uint64_t next_seq_ = 0;                        // guarded by queue_mu_
  std::thread writer_;
};

Journal::Journal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Journal::~Journal() = default;

common::Result<std::unique_ptr<Journal>> Journal::Open(Options options,
                                                       const common::Clock& clock) {
  return NoThrow("open", [&]() -> common::Result<std::unique_ptr<Journal>> {
    auto impl = std::make_unique<Impl>(std::move(options), clock);
    REBOUND_RETURN_IF_ERROR(impl->Init());
    return std::unique_ptr<Journal>(new Journal(std::move(impl)));
  });
}

common::Result<std::vector<AppendResult>> Journal::Append(const std::vector<Alert>& alerts,
                                                          const std::string& receiver,
                                                          const std::string& external_url) {
  return NoThrow("append", [&] { return impl_->Append(alerts, receiver, external_url); });
}

std::vector<common::Status> Journal::SetStates(const std::vector<EpisodeKey>& keys,
                                               EpisodeState state) {
  try {
    return impl_->SetStates(keys, state, "");
  } catch (const std::exception& e) {
    return std::vector<common::Status>(
        keys.size(), common::Internal(std::string("journal: set state: ") + e.what()));
  }
}

common::Status Journal::SetState(const EpisodeKey& key, EpisodeState state,
                                 const std::string& playbook) {
  try {
    return impl_->SetStates({key}, state, playbook).front();
  } catch (const std::exception& e) {
    return common::Internal(std::string("journal: set state: ") + e.what());
  }
}

common::Result<std::vector<Episode>> Journal::Unfinished(size_t limit, const Episode* after) const {
  return NoThrow("unfinished", [&] { return impl_->Unfinished(limit, after); });
}

common::Result<size_t> Journal::ForEachUnfinished(
    size_t limit, const std::function<bool(std::vector<Episode>&)>& page) const {
  const auto until = impl_->Now();
  std::optional<Episode> last;
  size_t handed = 0;
  for (;;) {
    common::Result<std::vector<Episode>> episodes = Unfinished(limit, last ? &*last : nullptr);
    if (!episodes.ok()) return episodes.status();
    std::erase_if(*episodes, [&](const Episode& e) { return e.received_at > until; });
    if (episodes->empty()) return handed;
    last = episodes->back();
    handed += episodes->size();
    if (!page(*episodes)) return handed;
  }
}

common::Result<std::vector<Episode>> Journal::List(std::optional<EpisodeState> state,
                                                   size_t limit) const {
  return ListPage(state, limit, nullptr, SIZE_MAX);
}

common::Result<std::vector<Episode>> Journal::ListPage(std::optional<EpisodeState> state,
                                                       size_t limit, const Episode* after,
                                                       size_t max_bytes) const {
  return NoThrow("list", [&] { return impl_->ListPage(state, limit, after, max_bytes); });
}

common::Result<Episode> Journal::Get(const EpisodeKey& key) const {
  return NoThrow("get", [&] { return impl_->Get(key); });
}

common::Result<size_t> Journal::ApplyRetention() {
  return NoThrow("apply retention", [&] { return impl_->ApplyRetention(); });
}

common::Result<size_t> Journal::RetryFailedStates() {
  return NoThrow("retry failed state changes", [&] { return impl_->RetryFailedStates(); });
}

size_t Journal::failed_states() const { return impl_->owed_states(); }

}  // namespace rebound::controller::intake
