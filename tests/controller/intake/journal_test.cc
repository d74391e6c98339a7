#include "controller/intake/journal.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/time_format.h"
#include "store/sqlite.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/process.h"

namespace rebound::controller::intake {

// Readable gtest failure messages for EpisodeKey (found by argument-dependent lookup).
void PrintTo(const EpisodeKey& key, std::ostream* os) {
  *os << "{" << key.fingerprint << ", " << key.starts_at << "}";
}

namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// 2026-01-01T00:00:00Z, the FakeClock's start.
constexpr int64_t kStart = 1767225600;

using Names = std::vector<std::string>;

Alert MakeAlert(const std::string& fingerprint, AlertStatus status, int64_t starts = kStart) {
  Alert alert;
  alert.status = status;
  alert.fingerprint = fingerprint;
  alert.labels = {{"alertname", "HighLatency"}, {"pod", "web-" + fingerprint}};
  alert.annotations = {{"summary", "p99 > 1s & \"rising\""}};
  alert.starts_at = common::Timestamp{starts, 653000000};
  alert.ends_at = status == AlertStatus::kResolved ? common::Timestamp{starts + 300, 0}
                                                   : common::Timestamp::Zero();
  alert.generator_url = "http://prometheus:9090/graph?g0.expr=up";
  return alert;
}

// A firing alert starting at `starts`.
Alert FiringAt(const std::string& fingerprint, common::Timestamp starts) {
  Alert alert = MakeAlert(fingerprint, AlertStatus::kFiring);
  alert.starts_at = starts;
  return alert;
}

// A resolved alert with the given startsAt and endsAt.
Alert ResolvedAt(const std::string& fingerprint, common::Timestamp starts, common::Timestamp ends) {
  Alert alert = MakeAlert(fingerprint, AlertStatus::kResolved);
  alert.starts_at = starts;
  alert.ends_at = ends;
  return alert;
}

EpisodeKey KeyOf(const Alert& alert) {
  return EpisodeKey{alert.fingerprint, common::FormatRfc3339(alert.starts_at)};
}

Names Fingerprints(const std::vector<Episode>& episodes) {
  Names out;
  for (const Episode& e : episodes) out.push_back(e.key.fingerprint);
  return out;
}

std::string Rfc3339(std::chrono::system_clock::time_point tp) {
  return common::FormatRfc3339(common::Timestamp::FromTimePoint(tp));
}

void ExpectSameEpisode(const Episode& want, const Episode& got) {
  SCOPED_TRACE("episode " + want.key.fingerprint);
  EXPECT_EQ(got.key.fingerprint, want.key.fingerprint);
  EXPECT_EQ(got.key.starts_at, want.key.starts_at);
  EXPECT_EQ(got.alertname, want.alertname);
  EXPECT_EQ(AlertStatusName(got.status), AlertStatusName(want.status));
  EXPECT_EQ(EpisodeStateName(got.state), EpisodeStateName(want.state));
  EXPECT_EQ(got.labels, want.labels);
  EXPECT_EQ(got.annotations, want.annotations);
  EXPECT_EQ(got.ends_at, want.ends_at);
  EXPECT_EQ(got.generator_url, want.generator_url);
  EXPECT_EQ(got.receiver, want.receiver);
  EXPECT_EQ(got.external_url, want.external_url);
  EXPECT_EQ(got.playbook, want.playbook);
  EXPECT_EQ(Rfc3339(got.received_at), Rfc3339(want.received_at));
  EXPECT_EQ(Rfc3339(got.updated_at), Rfc3339(want.updated_at));
}

// Runs SQL on the journal's file through a connection of the test's own; "" or the error.
std::string ExecSql(const std::string& path, const std::string& sql) {
  store::Database db;
  common::Status status = db.Open(path, store::OpenMode::kReadWriteCreate, "test");
  if (status.ok()) status = store::Exec(db, sql, "test");
  return status.message();
}

// The first column of the first row `sql` returns, or "<error>".
std::string QueryText(const std::string& path, const std::string& sql) {
  store::Database db;
  store::Statement stmt;
  if (!db.Open(path, store::OpenMode::kReadWrite, "test").ok() || !stmt.Prepare(db, sql).ok()) {
    return "<error>";
  }
  store::Query query(db, stmt, sql);
  common::Result<bool> row = query.Step();
  return row.ok() && *row ? query.ColumnText(0) : "<error>";
}

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::path(::testing::TempDir()) / "journal_test.XXXXXX");
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    state_dir_ = root_ + "/state";
  }
  void TearDown() override {
    std::error_code ignored;
    if (!root_.empty()) std::filesystem::remove_all(root_, ignored);
  }

  Journal::Options DefaultOptions() const {
    Journal::Options options;
    options.state_dir = state_dir_;
    return options;
  }
  std::string DbPath() const { return state_dir_ + "/journal.db"; }

  // Null (and a test failure) when Open fails.
  std::unique_ptr<Journal> MustOpen(Journal::Options options) {
    common::Result<std::unique_ptr<Journal>> journal = Journal::Open(std::move(options), clock_);
    EXPECT_TRUE(journal.ok()) << journal.status().ToString();
    return journal.ok() ? std::move(*journal) : nullptr;
  }
  std::unique_ptr<Journal> MustOpen() { return MustOpen(DefaultOptions()); }

  // Append's results, or none (and a test failure) when it fails.
  std::vector<AppendResult> MustAppendResults(Journal& journal, const std::vector<Alert>& alerts) {
    common::Result<std::vector<AppendResult>> results =
        journal.Append(alerts, "team-web", "http://alertmanager:9093");
    EXPECT_TRUE(results.ok()) << results.status().ToString();
    if (!results.ok()) return {};
    EXPECT_EQ(results->size(), alerts.size());
    return std::move(*results);
  }

  // The outcomes' names, or {"<error>"} (and a test failure) when Append fails.
  Names MustAppend(Journal& journal, const std::vector<Alert>& alerts) {
    common::Result<std::vector<AppendResult>> results =
        journal.Append(alerts, "team-web", "http://alertmanager:9093");
    EXPECT_TRUE(results.ok()) << results.status().ToString();
    if (!results.ok()) return Names{"<error>"};
    Names out;
    for (const AppendResult& result : *results) {
      out.emplace_back(IntakeOutcomeName(result.outcome));
    }
    return out;
  }

  // "fingerprint startsAt status state endsAt" of every episode, newest first.
  Names Rows(Journal& journal) {
    common::Result<std::vector<Episode>> all = journal.List(std::nullopt, 100);
    EXPECT_TRUE(all.ok()) << all.status().ToString();
    if (!all.ok()) return Names{"<error>"};
    Names out;
    for (const Episode& e : *all) {
      out.push_back(e.key.fingerprint + " " + e.key.starts_at + " " +
                    std::string(AlertStatusName(e.status)) + " " +
                    std::string(EpisodeStateName(e.state)) + " " + e.ends_at);
    }
    return out;
  }

  rebound::testing::FakeClock clock_;
  std::string root_;
  std::string state_dir_;
};

constexpr auto kFiring = AlertStatus::kFiring;
constexpr auto kResolved = AlertStatus::kResolved;

TEST(EpisodeStateTest, NamesRoundTrip) {
  for (EpisodeState s : {EpisodeState::kReceived, EpisodeState::kPending, EpisodeState::kClosed}) {
    EXPECT_EQ(ParseEpisodeState(EpisodeStateName(s)), s);
  }
  EXPECT_EQ(EpisodeStateName(EpisodeState::kPending), "pending");
  EXPECT_EQ(ParseEpisodeState("open"), std::nullopt);
}

TEST_F(JournalTest, AppendReturnsOneOutcomePerAlertInOrder) {
  auto journal = MustOpen();
  ASSERT_NE(journal, nullptr);
  EXPECT_EQ(MustAppend(*journal, {MakeAlert("a", kFiring), MakeAlert("b", kFiring),
                                  MakeAlert("c", kResolved)}),
            (Names{"new", "new", "resolved"}));
  EXPECT_EQ(MustAppend(*journal,
                       {MakeAlert("a", kFiring), MakeAlert("b", kResolved), MakeAlert("c", kFiring),
                        MakeAlert("c", kResolved), MakeAlert("d", kFiring)}),
            (Names{"duplicate", "resolved", "stale", "duplicate", "new"}));
}

TEST_F(JournalTest, DuplicatesWithinOneBatchAreClassifiedInOrder) {
  auto journal = MustOpen();
  ASSERT_NE(journal, nullptr);
  EXPECT_EQ(MustAppend(*journal,
                       {MakeAlert("a", kFiring), MakeAlert("a", kFiring), MakeAlert("a", kResolved),
                        MakeAlert("a", kResolved), MakeAlert("a", kFiring)}),
            (Names{"new", "duplicate", "resolved", "duplicate", "stale"}));
  common::Result<Episode> episode = journal->Get(KeyOf(MakeAlert("a", kFiring)));
  ASSERT_TRUE(episode.ok()) << episode.status().ToString();
  EXPECT_EQ(AlertStatusName(episode->status), "resolved");
  EXPECT_EQ(EpisodeStateName(episode->state), "closed");
  EXPECT_EQ(episode->ends_at, "2026-01-01T00:05:00Z");
}

TEST_F(JournalTest, StoresEveryFieldAndResolvesInPlace) {
  auto journal = MustOpen();
  ASSERT_NE(journal, nullptr);
  const auto received = clock_.Now();
  Alert firing = MakeAlert("f1", kFiring);
  ASSERT_EQ(MustAppend(*journal, {firing}), Names{"new"});

  const EpisodeKey key{"f1", "2026-01-01T00:00:00.653Z"};
  EXPECT_EQ(KeyOf(firing).starts_at, key.starts_at);
  common::Result<Episode> episode = journal->Get(key);
  ASSERT_TRUE(episode.ok()) << episode.status().ToString();
  Episode want;
  want.key = key;
  want.alertname = "HighLatency";
  want.status = kFiring;
  want.state = EpisodeState::kReceived;
  want.labels = {{"alertname", "HighLatency"}, {"pod", "web-f1"}};
  want.annotations = {{"summary", "p99 > 1s & \"rising\""}};
  want.ends_at = "";
  want.generator_url = "http://prometheus:9090/graph?g0.expr=up";
  want.receiver = "team-web";
  want.external_url = "http://alertmanager:9093";
  want.playbook = "";
  want.received_at = received;
  want.updated_at = received;
  ExpectSameEpisode(want, *episode);

  clock_.Advance(seconds(5));
  ASSERT_EQ(MustAppend(*journal, {MakeAlert("f1", kResolved)}), Names{"resolved"});
  episode = journal->Get(key);
  ASSERT_TRUE(episode.ok()) << episode.status().ToString();
  want.status = kResolved;
  want.state = EpisodeState::kClosed;
  want.ends_at = "2026-01-01T00:05:00Z";
  want.updated_at = received + seconds(5);
  ExpectSameEpisode(want, *episode);
}

TEST_F(JournalTest, NewStartsAtIsANewEpisode) {
  auto journal = MustOpen();
  ASSERT_NE(journal, nullptr);
  EXPECT_EQ(MustAppend(*journal, {MakeAlert("a", kResolved), MakeAlert("a", kFiring, kStart + 60)}),
            (Names{"resolved", "new"}));
  common::Result<std::vector<Episode>> unfinished = journal->Unfinished();
  ASSERT_TRUE(unfinished.ok()) << unfinished.status().ToString();
  ASSERT_EQ(unfinished->size(), 1u);
  EXPECT_EQ((*unfinished)[0].key.fingerprint, "a");
  EXPECT_EQ((*unfinished)[0].key.starts_at, "2026-01-01T00:01:00.653Z");
}

TEST_F(JournalTest, AppendResultsNameTheAlertsOwnEpisodes) {
  auto journal = MustOpen();
  ASSERT_NE(journal, nullptr);
  const Alert a = MakeAlert("a", kFiring);
  const Alert b = MakeAlert("b", kResolved);
  std::vector<AppendResult> results = MustAppendResults(*journal, {a, b, a});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].key, KeyOf(a));
  EXPECT_EQ(results[1].key, KeyOf(b));
  EXPECT_EQ(results[2].key, KeyOf(a));
  EXPECT_EQ(results[2].outcome, IntakeOutcome::kDuplicate);
}

// Alertmanager keeps the earliest startsAt when an alert is posted again, so a "resolved" may
// carry an earlier startsAt S' than the "firing" (S) that opened the episode.
TEST_F(JournalTest, ResolvedWithEarlierStartsAtClosesTheOpenEpisode) {
  auto journal = MustOpen();
  ASSERT_NE(journal, nullptr);
  const Alert firing = MakeAlert("a", kFiring);  // S = 2026-01-01T00:00:00.653Z
  ASSERT_EQ(MustAppend(*journal, {firing}), Names{"new"});
  clock_.Advance(seconds(5));
  // S' = 2026-01-01T00:00:00Z sorts after S as a string; only as instants is S' < S.
  const Alert resolved =
      ResolvedAt("a", common::Timestamp{kStart, 0}, common::Timestamp{kStart + 300, 0});
  ASSERT_LT(KeyOf(firing).starts_at, KeyOf(resolved).starts_at);

  std::vector<AppendResult> results = MustAppendResults(*journal, {resolved});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, IntakeOutcome::kResolved);
  EXPECT_EQ(results[0].key, KeyOf(firing));
  EXPECT_EQ(Rows(*journal),
            Names{"a 2026-01-01T00:00:00.653Z resolved closed 2026-01-01T00:05:00Z"});
  common::Result<Episode> episode = journal->Get(KeyOf(firing));
  ASSERT_TRUE(episode.ok()) << episode.status().ToString();
  EXPECT_EQ(Rfc3339(episode->updated_at), Rfc3339(clock_.Now()));
  common::Result<std::vector<Episode>> unfinished = journal->Unfinished();
  ASSERT_TRUE(unfinished.ok()) << unfinished.status().ToString();
  EXPECT_TRUE(unfinished->empty());

  // Alertmanager's retry (or the HA peer's copy) of that "resolved" is a duplicate of the
  // episode it closed, not a new episode; the stale "firing" stays stale.
  results = MustAppendResults(*journal, {resolved, firing});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].outcome, IntakeOutcome::kDuplicate);
  EXPECT_EQ(results[0].key, KeyOf(firing));
  EXPECT_EQ(results[1].outcome, IntakeOutcome::kStale);
  EXPECT_EQ(Rows(*journal).size(), 1u);
}

TEST_F(JournalTest, ResolvedWithEarlierStartsAtClosesEveryCoveredEpisodeAndNamesTheLatest) {
  auto journal = MustOpen();
  ASSERT_NE(journal, nullptr);
  const common::Timestamp ends{kStart + 300, 0};
  const Alert first = MakeAlert("a", kFiring);
  const Alert at_end = FiringAt("a", ends);                                   // S == E: covered
  const Alert after_end = FiringAt("a", common::Timestamp{kStart + 300, 1});  // 1 ns after E
  const Alert other = MakeAlert("b", kFiring);
  ASSERT_EQ(MustAppend(*journal, {first, at_end, after_end, other}),
            (Names{"new", "new", "new", "new"}));

  std::vector<AppendResult> results =
      MustAppendResults(*journal, {ResolvedAt("a", common::Timestamp{kStart, 0}, ends)});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, IntakeOutcome::kResolved);
  EXPECT_EQ(results[0].key, KeyOf(at_end));
  EXPECT_EQ(Rows(*journal),
            (Names{"b 2026-01-01T00:00:00.653Z firing received ",
                   "a 2026-01-01T00:05:00.000000001Z firing received ",
                   "a 2026-01-01T00:05:00Z resolved closed 2026-01-01T00:05:00Z",
                   "a 2026-01-01T00:00:00.653Z resolved closed 2026-01-01T00:05:00Z"}));
}

TEST_F(JournalTest, ResolvedEndingBeforeTheOpenEpisodeStartsIsASeparateEpisode) {
  auto journal = MustOpen();
  ASSERT_NE(journal, nullptr);
  // A late "resolved" of an older episode (S' .. E) that was never journaled, after the
  // "firing" of a newer one (S > E): it must not close the newer episode.
  const Alert newer = FiringAt("a", common::Timestamp{kStart + 600, 0});
  ASSERT_EQ(MustAppend(*journal, {newer}), Names{"new"});
  const Alert older =
      ResolvedAt("a", common::Timestamp{kStart, 0}, common::Timestamp{kStart + 300, 0});
  std::vector<AppendResult> results = MustAppendResults(*journal, {older});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, IntakeOutcome::kResolved);
  EXPECT_EQ(results[0].key, KeyOf(older));
  EXPECT_EQ(Rows(*journal), (Names{"a 2026-01-01T00:00:00Z resolved closed 2026-01-01T00:05:00Z",
                                   "a 2026-01-01T00:10:00Z firing received "}));
  common::Result<std::vector<Episode>> unfinished = journal->Unfinished();
  ASSERT_TRUE(unfinished.ok()) << unfinished.status().ToString();
  ASSERT_EQ(unfinished->size(), 1u);
  EXPECT_EQ((*unfinished)[0].key, KeyOf(newer));
}

TEST_F(JournalTest, ResolvedStartingAfterTheOpenEpisodeDoesNotCloseIt) {
  auto journal = MustOpen();
  ASSERT_NE(journal, nullptr);
  const Alert open = MakeAlert("a", kFiring);  // S = 00:00:00.653
  ASSERT_EQ(MustAppend(*journal, {open}), Names{"new"});
  const Alert later =
      ResolvedAt("a", common::Timestamp{kStart + 60, 0}, common::Timestamp{kStart + 360, 0});
  std::vector<AppendResult> results = MustAppendResults(*journal, {later});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, IntakeOutcome::kResolved);
  EXPECT_EQ(results[0].key, KeyOf(later));
  EXPECT_EQ(Rows(*journal), (Names{"a 2026-01-01T00:01:00Z resolved closed 2026-01-01T00:06:00Z",
                                   "a 2026-01-01T00:00:00.653Z firing received "}));
}

TEST_F(JournalTest, ResolvedWithoutEndsAtClosesOnlyItsOwnEpisode) {
  auto journal = MustOpen();
  ASSERT_NE(journal, nullptr);
  ASSERT_EQ(MustAppend(*journal, {MakeAlert("a", kFiring)}), Names{"new"});
  const Alert no_end = ResolvedAt("a", common::Timestamp{kStart, 0}, common::Timestamp::Zero());
  EXPECT_EQ(MustAppend(*journal, {no_end}), Names{"resolved"});
  EXPECT_EQ(Rows(*journal), (Names{"a 2026-01-01T00:00:00Z resolved closed ",
                                   "a 2026-01-01T00:00:00.653Z firing received "}));
}

TEST_F(JournalTest, EmptyAppendRecordsNothing) {
  auto journal = MustOpen();
  ASSERT_NE(journal, nullptr);
  EXPECT_EQ(MustAppend(*journal, {}), Names{});
}

TEST_F(JournalTest, RejectsAlertWithoutFingerprintAndRecordsNothing) {
  auto journal = MustOpen();
  ASSERT_NE(journal, nullptr);
  auto outcomes = journal->Append({MakeAlert("a", kFiring), MakeAlert("", kFiring)}, "r", "u");
  ASSERT_FALSE(outcomes.ok());
  EXPECT_EQ(outcomes.status().code(), common::StatusCode::kInvalidArgument);
  EXPECT_NE(outcomes.status().message().find("alerts[1]"), std::string::npos)
      << outcomes.status().message();
  EXPECT_EQ(journal->Get(KeyOf(MakeAlert("a", kFiring))).status().code(),
            common::StatusCode::kNotFound);
}

TEST_F(JournalTest, GetUnknownEpisodeIsNotFound) {
  auto journal = MustOpen();
  ASSERT_NE(journal, nullptr);
  common::Result<Episode> episode = journal->Get(EpisodeKey{"nope", "2026-01-01T00:00:00Z"});
  ASSERT_FALSE(episode.ok());
  EXPECT_EQ(episode.status().code(), common::StatusCode::kNotFound);
  EXPECT_NE(episode.status().message().find("nope"), std::string::npos);
}

TEST_F(JournalTest, SurvivesRestartAndResumesUnfinishedExactlyOnce) {
  std::vector<Episode> before;
  {
    auto journal = MustOpen();
    ASSERT_NE(journal, nullptr);
    MustAppend(*journal, {MakeAlert("a", kFiring), MakeAlert("b", kFiring)});
    clock_.Advance(seconds(1));
    MustAppend(*journal, {MakeAlert("c", kFiring), MakeAlert("d", kResolved)});
    ASSERT_TRUE(journal->SetState(KeyOf(MakeAlert("b", kFiring)), EpisodeState::kPending).ok());
    ASSERT_TRUE(journal->SetState(KeyOf(MakeAlert("c", kFiring)), EpisodeState::kClosed).ok());
    common::Result<std::vector<Episode>> unfinished = journal->Unfinished();
    ASSERT_TRUE(unfinished.ok()) << unfinished.status().ToString();
    before = *unfinished;
  }  // destroys the journal: the writer drains and the connections close

  ASSERT_EQ(Fingerprints(before), (Names{"a", "b"}));
  auto journal = MustOpen();
  ASSERT_NE(journal, nullptr);
  common::Result<std::vector<Episode>> after = journal->Unfinished();
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  ASSERT_EQ(Fingerprints(*after), (Names{"a", "b"}));
  for (size_t i = 0; i < before.size(); ++i) ExpectSameEpisode(before[i], (*after)[i]);
  EXPECT_EQ(EpisodeStateName((*after)[1].state), "pending");

  // Deduplication holds across the restart.
  EXPECT_EQ(MustAppend(*journal, {MakeAlert("a", kFiring), MakeAlert("c", kFiring),
                                  MakeAlert("d", kFiring), MakeAlert("d", kResolved)}),
            (Names{"duplicate", "duplicate", "stale", "duplicate"}));
  common::Result<std::vector<Episode>> all = journal->List(std::nullopt, 100);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->size(), 4u);
}

// A backlog is resumed a page at a time: the pages cover every unfinished episode once, in
// order, and a page goes on after the previous one's last episode even when that one was
// handled meanwhile.
TEST_F(JournalTest, UnfinishedComesInPagesThatGoOnAfterTheLastEpisode) {
  auto journal = MustOpen();
  ASSERT_NE(journal, nullptr);
  MustAppend(*journal, {MakeAlert("c", kFiring), MakeAlert("a", kFiring)});
  clock_.Advance(seconds(1));
  MustAppend(*journal, {MakeAlert("b", kFiring), MakeAlert("e", kFiring)});
  clock_.Advance(seconds(1));
  MustAppend(*journal, {MakeAlert("d", kFiring)});
  ASSERT_TRUE(journal->SetState(KeyOf(MakeAlert("e", kFiring)), EpisodeState::kHandled).ok());

  common::Result<std::vector<Episode>> first = journal->Unfinished(2);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(Fingerprints(*first), (Names{"a", "c"}));
  // The last episode of the page is taken up and finished before the next page is read.
  ASSERT_TRUE(journal->SetState(first->back().key, EpisodeState::kHandled).ok());
  common::Result<std::vector<Episode>> second = journal->Unfinished(2, &first->back());
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ASSERT_EQ(Fingerprints(*second), (Names{"b", "d"}));
  common::Result<std::vector<Episode>> third = journal->Unfinished(2, &second->back());
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_TRUE(third->empty());
  EXPECT_TRUE(journal->Unfinished(0)->empty());
}

// ForEachUnfinished hands over pages in order, leaves out what was received after it began
// (the worker's), and stops when asked to.
TEST_F(JournalTest, ForEachUnfinishedPagesWhatWasReceivedBeforeItBegan) {
  auto journal = MustOpen();
  ASSERT_NE(journal, nullptr);
  MustAppend(*journal, {MakeAlert("a", kFiring), MakeAlert("b", kFiring)});
  clock_.Advance(seconds(1));
  MustAppend(*journal, {MakeAlert("c", kFiring)});
  std::vector<Names> pages;
  common::Result<size_t> handed = journal->ForEachUnfinished(2, [&](std::vector<Episode>& page) {
    pages.push_back(Fingerprints(page));
    if (pages.size() == 1) {  // arrives while the first page is worked on
      clock_.Advance(seconds(1));
      MustAppend(*journal, {MakeAlert("d", kFiring)});
    }
    return true;
  });
  ASSERT_TRUE(handed.ok()) << handed.status().ToString();
  EXPECT_EQ(*handed, 3u);
  EXPECT_EQ(pages, (std::vector<Names>{{"a", "b"}, {"c"}}));

  pages.clear();
  handed = journal->ForEachUnfinished(1, [&](std::vector<Episode>& page) {
    pages.push_back(Fingerprints(page));
    return false;
  });
  ASSERT_TRUE(handed.ok()) << handed.status().ToString();
  EXPECT_EQ(*handed, 1u);
  EXPECT_EQ(pages, (std::vector<Names>{{"a"}}));
}

TEST_F(JournalTest, AcknowledgedAppendSurvivesProcessDeath) {
  // The child dies right after Append returns: no destructor, no close, no checkpoint.
  EXPECT_EXIT(
      {
        auto journal = Journal::Open(DefaultOptions(), clock_);
        if (!journal.ok()) std::_Exit(2);
        auto outcomes = (*journal)->Append({MakeAlert("a", kFiring)}, "r", "u");
        std::_Exit(outcomes.ok() ? 0 : 3);
      },
      ::testing::ExitedWithCode(0), "");
  auto journal = MustOpen();
  ASSERT_NE(journal, nullptr);
  common::Result<std::vector<Episode>> unfinished = journal->Unfinished();
  ASSERT_TRUE(unfinished.ok()) << unfinished.status().ToString();
  EXPECT_EQ(Fingerprints(*unfinished), Names{"a"});
}

TEST_F(JournalTest, SetStateMovesUntilClosedWhichIsFinal) {
  auto journal = MustOpen();
  ASSERT_NE(journal, nullptr);
  const EpisodeKey key = KeyOf(MakeAlert("a", kFiring));
  MustAppend(*journal, {MakeAlert("a", kFiring)});
  auto state_of = [&]() {
    common::Result<Episode> episode = journal->Get(key);
    EXPECT_TRUE(episode.ok()) << episode.status().ToString();
    return episode.ok() ? std::string(EpisodeStateName(episode->state))
                        : episode.status().ToString();
  };

  clock_.Advance(seconds(1));
  ASSERT_TRUE(journal->SetState(key, EpisodeState::kPending).ok());
  EXPECT_EQ(state_of(), "pending");
  EXPECT_EQ(Rfc3339(journal->Get(key)->updated_at), Rfc3339(clock_.Now()));
  ASSERT_TRUE(journal->SetState(key, EpisodeState::kReceived).ok());
  EXPECT_EQ(state_of(), "received");
  clock_.Advance(seconds(1));
  ASSERT_TRUE(journal->SetState(key, EpisodeState::kClosed).ok());
  EXPECT_EQ(state_of(), "closed");
  const auto closed_at = clock_.Now();

  clock_.Advance(seconds(1));
  EXPECT_TRUE(journal->SetState(key, EpisodeState::kPending).ok());
  EXPECT_EQ(state_of(), "closed");
  EXPECT_TRUE(journal->SetState(key, EpisodeState::kReceived).ok());
  EXPECT_EQ(state_of(), "closed");
  EXPECT_EQ(Rfc3339(journal->Get(key)->updated_at), Rfc3339(closed_at));
  // Closing by SetState does not pretend the alert resolved.
  EXPECT_EQ(AlertStatusName(journal->Get(key)->status), "firing");

  common::Status missing =
      journal->SetState(EpisodeKey{"zz", key.starts_at}, EpisodeState::kPending);
  EXPECT_EQ(missing.code(), common::StatusCode::kNotFound) << missing.ToString();
}

TEST_F(JournalTest, HandledEpisodesRecordTheirPlaybookAndAreNotResumed) {
  const EpisodeKey a = KeyOf(MakeAlert("a", kFiring));
  const EpisodeKey b = KeyOf(MakeAlert("b", kFiring));
  {
    auto journal = MustOpen();
    ASSERT_NE(journal, nullptr);
    MustAppend(*journal, {MakeAlert("a", kFiring), MakeAlert("b", kFiring)});
    ASSERT_TRUE(journal->SetState(a, EpisodeState::kPending, "restart-web").ok());
    ASSERT_TRUE(journal->SetState(a, EpisodeState::kHandled).ok());
    ASSERT_TRUE(journal->SetState(b, EpisodeState::kPending).ok());
    EXPECT_EQ(journal->Get(a)->playbook, "restart-web");  // "" keeps the recorded playbook
    EXPECT_EQ(journal->Get(a)->state, EpisodeState::kHandled);
    EXPECT_EQ(journal->Get(b)->playbook, "");
  }
  auto reopened = MustOpen();
  ASSERT_NE(reopened, nullptr);
  common::Result<std::vector<Episode>> unfinished = reopened->Unfinished();
  ASSERT_TRUE(unfinished.ok());
  ASSERT_EQ(unfinished->size(), 1u);
  EXPECT_EQ((*unfinished)[0].key, b);
  EXPECT_EQ(ParseEpisodeState("handled"), EpisodeState::kHandled);
}

TEST_F(JournalTest, ListIsNewestFirstWithStateFilterAndLimit) {
  auto journal = MustOpen();
  ASSERT_NE(journal, nullptr);
  MustAppend(*journal, {MakeAlert("a", kFiring)});
  clock_.Advance(seconds(1));
  MustAppend(*journal, {MakeAlert("b", kFiring)});
  clock_.Advance(seconds(1));
  // Same millisecond: insertion order breaks the tie.
  MustAppend(*journal,
             {MakeAlert("c", kFiring), MakeAlert("d", kFiring), MakeAlert("e", kResolved)});
  ASSERT_TRUE(journal->SetState(KeyOf(MakeAlert("b", kFiring)), EpisodeState::kPending).ok());

  auto list = [&](std::optional<EpisodeState> state, size_t limit) {
    common::Result<std::vector<Episode>> episodes = journal->List(state, limit);
    EXPECT_TRUE(episodes.ok()) << episodes.status().ToString();
    return episodes.ok() ? Fingerprints(*episodes) : Names{"<error>"};
  };
  EXPECT_EQ(list(std::nullopt, 100), (Names{"e", "d", "c", "b", "a"}));
  EXPECT_EQ(list(std::nullopt, 2), (Names{"e", "d"}));
  EXPECT_EQ(list(std::nullopt, 0), Names{});
  EXPECT_EQ(list(EpisodeState::kReceived, 100), (Names{"d", "c", "a"}));
  EXPECT_EQ(list(EpisodeState::kReceived, 1), (Names{"d"}));
  EXPECT_EQ(list(EpisodeState::kPending, 100), (Names{"b"}));
  EXPECT_EQ(list(EpisodeState::kClosed, 100), (Names{"e"}));

  common::Result<std::vector<Episode>> unfinished = journal->Unfinished();
  ASSERT_TRUE(unfinished.ok()) << unfinished.status().ToString();
  EXPECT_EQ(Fingerprints(*unfinished), (Names{"a", "b", "c", "d"}));
}

TEST_F(JournalTest, RetentionDeletesClosedEpisodesOlderThanRetention) {
  Journal::Options options = DefaultOptions();
  options.retention = hours(1);
  auto journal = MustOpen(options);
  ASSERT_NE(journal, nullptr);
  MustAppend(*journal, {MakeAlert("old-closed", kFiring), MakeAlert("old-open", kFiring)});
  ASSERT_TRUE(
      journal->SetState(KeyOf(MakeAlert("old-closed", kFiring)), EpisodeState::kClosed).ok());
  clock_.Advance(minutes(30));
  MustAppend(*journal, {MakeAlert("newer-closed", kResolved)});

  clock_.Advance(minutes(30));  // old-closed is exactly `retention` old: kept
  common::Result<size_t> deleted = journal->ApplyRetention();
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, 0u);

  clock_.Advance(milliseconds(1));
  deleted = journal->ApplyRetention();
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, 1u);
  EXPECT_EQ(journal->Get(KeyOf(MakeAlert("old-closed", kFiring))).status().code(),
            common::StatusCode::kNotFound);
  EXPECT_TRUE(journal->Get(KeyOf(MakeAlert("newer-closed", kFiring))).ok());

  clock_.Advance(hours(24));
  deleted = journal->ApplyRetention();
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, 1u);
  common::Result<std::vector<Episode>> left = journal->List(std::nullopt, 100);
  ASSERT_TRUE(left.ok()) << left.status().ToString();
  EXPECT_EQ(Fingerprints(*left), Names{"old-open"});
}

TEST_F(JournalTest, RetentionTrimsOldestClosedBeyondMaxRowsAndKeepsUnfinished) {
  Journal::Options options = DefaultOptions();
  options.max_rows = 3;
  {
    auto journal = MustOpen(options);
    ASSERT_NE(journal, nullptr);
    MustAppend(*journal, {MakeAlert("open1", kFiring), MakeAlert("open2", kFiring)});
    for (const char* name : {"closed1", "closed2", "closed3", "closed4"}) {
      clock_.Advance(seconds(1));
      MustAppend(*journal, {MakeAlert(name, kResolved)});
    }
    common::Result<size_t> deleted = journal->ApplyRetention();
    ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
    EXPECT_EQ(*deleted, 3u);
    common::Result<std::vector<Episode>> left = journal->List(std::nullopt, 100);
    ASSERT_TRUE(left.ok()) << left.status().ToString();
    EXPECT_EQ(Fingerprints(*left), (Names{"closed4", "open2", "open1"}));
  }
  // More unfinished episodes than max_rows: every closed one goes, no unfinished one does.
  options.max_rows = 1;
  auto journal = MustOpen(options);
  ASSERT_NE(journal, nullptr);
  common::Result<size_t> deleted = journal->ApplyRetention();
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, 1u);
  common::Result<std::vector<Episode>> left = journal->List(std::nullopt, 100);
  ASSERT_TRUE(left.ok()) << left.status().ToString();
  EXPECT_EQ(Fingerprints(*left), (Names{"open2", "open1"}));
}

// Episodes handled but never resolved (no playbook, refused, unhealed while still firing) are
// finished too: they must not let the file grow past max_rows.
TEST_F(JournalTest, RetentionBoundsHandledNeverResolvedEpisodesByCount) {
  Journal::Options options = DefaultOptions();
  options.max_rows = 1000;
  auto journal = MustOpen(options);
  ASSERT_NE(journal, nullptr);
  constexpr int kHandled = 5000;
  std::vector<Alert> alerts;
  std::vector<EpisodeKey> keys;
  for (int i = 0; i < kHandled; ++i) {
    alerts.push_back(MakeAlert("handled-" + std::to_string(i), kFiring));
    keys.push_back(KeyOf(alerts.back()));
  }
  MustAppend(*journal, alerts);
  for (const common::Status& s : journal->SetStates(keys, EpisodeState::kHandled)) {
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  clock_.Advance(seconds(1));
  MustAppend(*journal, {MakeAlert("waiting", kFiring), MakeAlert("working", kFiring)});
  ASSERT_TRUE(journal->SetState(KeyOf(MakeAlert("working", kFiring)), EpisodeState::kPending).ok());

  common::Result<size_t> deleted = journal->ApplyRetention();
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, size_t{kHandled + 2 - 1000});
  common::Result<std::vector<Episode>> left = journal->List(std::nullopt, 100000);
  ASSERT_TRUE(left.ok()) << left.status().ToString();
  EXPECT_EQ(left->size(), 1000u);
  common::Result<std::vector<Episode>> unfinished = journal->Unfinished();
  ASSERT_TRUE(unfinished.ok()) << unfinished.status().ToString();
  EXPECT_EQ(Fingerprints(*unfinished), (Names{"waiting", "working"}));
  // The oldest went first: the newest handled ones are kept.
  EXPECT_TRUE(journal->Get(keys.back()).ok());
  EXPECT_EQ(journal->Get(keys.front()).status().code(), common::StatusCode::kNotFound);
}

TEST_F(JournalTest, RetentionDeletesHandledEpisodesPastRetentionButNeverPendingOnes) {
  Journal::Options options = DefaultOptions();
  options.retention = hours(1);
  auto journal = MustOpen(options);
  ASSERT_NE(journal, nullptr);
  MustAppend(*journal, {MakeAlert("handled", kFiring), MakeAlert("pending", kFiring),
                        MakeAlert("received", kFiring)});
  ASSERT_TRUE(journal->SetState(KeyOf(MakeAlert("handled", kFiring)), EpisodeState::kHandled).ok());
  ASSERT_TRUE(journal->SetState(KeyOf(MakeAlert("pending", kFiring)), EpisodeState::kPending).ok());
  clock_.Advance(hours(2));
  common::Result<size_t> deleted = journal->ApplyRetention();
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, 1u);
  common::Result<std::vector<Episode>> left = journal->List(std::nullopt, 100);
  ASSERT_TRUE(left.ok()) << left.status().ToString();
  EXPECT_EQ(Fingerprints(*left), (Names{"received", "pending"}));
  // Alertmanager re-sends the still-firing alert: the deleted episode is journaled anew.
  common::Result<std::vector<AppendResult>> again =
      journal->Append({MakeAlert("handled", kFiring)}, "r", "http://am");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->front().outcome, IntakeOutcome::kNew);
}

TEST_F(JournalTest, ObserveCommitSeesEachCommit) {
  std::atomic<int> commits{0};
  Journal::Options options = DefaultOptions();
  options.observe_commit = [&](std::chrono::nanoseconds d) {
    EXPECT_GE(d.count(), 0);
    ++commits;
  };
  auto journal = MustOpen(options);
  ASSERT_NE(journal, nullptr);
  MustAppend(*journal, {MakeAlert("a", kFiring)});
  MustAppend(*journal, {MakeAlert("a", kResolved)});
  ASSERT_TRUE(journal->SetState(KeyOf(MakeAlert("a", kFiring)), EpisodeState::kPending).ok());
  ASSERT_TRUE(journal->ApplyRetention().ok());
  EXPECT_EQ(commits.load(), 4);
}

TEST_F(JournalTest, ConcurrentAppendsAreRecordedOnceAndShareCommits) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  std::atomic<int> commits{0};
  Journal::Options options = DefaultOptions();
  options.observe_commit = [&](std::chrono::nanoseconds) { ++commits; };
  auto journal = MustOpen(options);
  ASSERT_NE(journal, nullptr);

  std::atomic<int> news{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string fingerprint = "t" + std::to_string(t) + "-" + std::to_string(i);
        auto outcomes = journal->Append({MakeAlert(fingerprint, kFiring)}, "r", "u");
        if (!outcomes.ok() || outcomes->size() != 1) {
          ++failures;
        } else if ((*outcomes)[0].outcome == IntakeOutcome::kNew) {
          ++news;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  constexpr int kAppends = kThreads * kPerThread;
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(news.load(), kAppends);
  common::Result<std::vector<Episode>> all = journal->List(std::nullopt, 10 * kAppends);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->size(), static_cast<size_t>(kAppends));
  std::vector<std::string> names = Fingerprints(*all);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(),
            static_cast<size_t>(kAppends));
  // Group commit: threads queue up while a sync runs, so commits are shared.
  EXPECT_GE(commits.load(), 1);
  EXPECT_LT(commits.load(), kAppends);
  RecordProperty("commits", commits.load());
}

TEST_F(JournalTest, ConcurrentCopiesOfOneAlertAreNewExactlyOnce) {
  constexpr int kThreads = 8;
  constexpr int kAlerts = 50;
  auto journal = MustOpen();
  ASSERT_NE(journal, nullptr);
  std::mutex mu;
  std::map<std::string, std::map<IntakeOutcome, int>> seen;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kAlerts; ++i) {
        const std::string fingerprint = "shared-" + std::to_string(i);
        auto outcomes = journal->Append({MakeAlert(fingerprint, kFiring)}, "r", "u");
        std::lock_guard lock(mu);
        if (outcomes.ok() && outcomes->size() == 1) ++seen[fingerprint][(*outcomes)[0].outcome];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_EQ(seen.size(), static_cast<size_t>(kAlerts));
  for (const auto& [fingerprint, outcomes] : seen) {
    EXPECT_EQ(outcomes, (std::map<IntakeOutcome, int>{{IntakeOutcome::kNew, 1},
                                                      {IntakeOutcome::kDuplicate, kThreads - 1}}))
        << fingerprint;
  }
}

TEST_F(JournalTest, FailedTransactionRecordsNothingAndJournalRecovers) {
  auto journal = MustOpen();
  ASSERT_NE(journal, nullptr);
  ASSERT_EQ(ExecSql(DbPath(),
                    "CREATE TRIGGER poison BEFORE INSERT ON episodes "
                    "WHEN NEW.fingerprint = 'poison' "
                    "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"),
            "");
  auto outcomes =
      journal->Append({MakeAlert("good", kFiring), MakeAlert("poison", kFiring)}, "r", "u");
  ASSERT_FALSE(outcomes.ok());
  EXPECT_EQ(outcomes.status().code(), common::StatusCode::kUnavailable);
  EXPECT_NE(outcomes.status().message().find("injected failure"), std::string::npos)
      << outcomes.status().message();
  EXPECT_NE(outcomes.status().message().find("insert episode (fingerprint poison"),
            std::string::npos)
      << outcomes.status().message();
  EXPECT_EQ(journal->Get(KeyOf(MakeAlert("good", kFiring))).status().code(),
            common::StatusCode::kNotFound);

  EXPECT_EQ(MustAppend(*journal, {MakeAlert("good", kFiring)}), Names{"new"});
  EXPECT_TRUE(journal->SetState(KeyOf(MakeAlert("good", kFiring)), EpisodeState::kPending).ok());
}

TEST_F(JournalTest, CreatesPrivateStateDirAndVersionedWalDatabase) {
  state_dir_ = root_ + "/nested/deeper/state/";
  {
    auto journal = MustOpen();
    ASSERT_NE(journal, nullptr);
    struct stat st {};
    ASSERT_EQ(::stat((root_ + "/nested/deeper/state").c_str(), &st), 0);
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    MustAppend(*journal, {MakeAlert("a", kFiring)});
  }
  EXPECT_EQ(QueryText(DbPath(), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(QueryText(DbPath(), "PRAGMA user_version"), "4");
  EXPECT_EQ(QueryText(DbPath(), "SELECT version FROM schema_versions WHERE owner = 'episodes'"),
            "1");
  // The heal log and the scorer store create their own tables.
  EXPECT_EQ(QueryText(DbPath(), "SELECT group_concat(owner) FROM schema_versions"), "episodes");
  EXPECT_EQ(QueryText(DbPath(), "SELECT count(*) FROM episodes"), "1");
  EXPECT_EQ(QueryText(DbPath(), "SELECT starts_at_ns FROM episodes"),
            std::to_string(kStart) + "653000000");
  EXPECT_EQ(QueryText(DbPath(),
                      "SELECT sql FROM sqlite_master WHERE name = "
                      "'episodes_by_fingerprint_status_start'"),
            "CREATE INDEX episodes_by_fingerprint_status_start ON episodes (fingerprint, status, "
            "starts_at_ns)");
  EXPECT_EQ(QueryText(DbPath(), "SELECT labels FROM episodes"),
            R"({"alertname":"HighLatency","pod":"web-a"})");
}

TEST_F(JournalTest, OpenOnGarbageFileIsUnavailable) {
  std::filesystem::create_directories(state_dir_);
  {
    std::ofstream garbage(DbPath(), std::ios::binary);
    for (int i = 0; i < 512; ++i) garbage << "this is not a database\n";
  }
  common::Result<std::unique_ptr<Journal>> journal = Journal::Open(DefaultOptions(), clock_);
  ASSERT_FALSE(journal.ok());
  EXPECT_EQ(journal.status().code(), common::StatusCode::kUnavailable);
  EXPECT_NE(journal.status().message().find("not a database"), std::string::npos)
      << journal.status().message();
  EXPECT_NE(journal.status().message().find(DbPath()), std::string::npos)
      << journal.status().message();
}

TEST_F(JournalTest, OpenOnSqliteFileWithCorruptHeaderIsUnavailable) {
  std::filesystem::create_directories(state_dir_);
  {
    std::ofstream corrupt(DbPath(), std::ios::binary);
    corrupt << std::string("SQLite format 3\0", 16);
    for (int i = 0; i < 8192; ++i) corrupt << static_cast<char>((i * 37 + 11) % 251);
  }
  common::Result<std::unique_ptr<Journal>> journal = Journal::Open(DefaultOptions(), clock_);
  ASSERT_FALSE(journal.ok());
  EXPECT_EQ(journal.status().code(), common::StatusCode::kUnavailable)
      << journal.status().ToString();
}

TEST_F(JournalTest, OpenOnJournalWithCorruptSchemaIsUnavailable) {
  {
    auto journal = MustOpen();
    ASSERT_NE(journal, nullptr);
    MustAppend(*journal, {MakeAlert("a", kFiring)});
  }  // closing checkpoints the WAL into journal.db
  {
    // Page 1 holds the schema table after the 100-byte file header; scribble over it.
    std::fstream file(DbPath(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(100);
    for (int i = 0; i < 3000; ++i) file.put(static_cast<char>(0xA5));
  }
  common::Result<std::unique_ptr<Journal>> journal = Journal::Open(DefaultOptions(), clock_);
  ASSERT_FALSE(journal.ok());
  EXPECT_EQ(journal.status().code(), common::StatusCode::kUnavailable)
      << journal.status().ToString();
  EXPECT_NE(journal.status().message().find("malformed"), std::string::npos)
      << journal.status().message();
}

TEST_F(JournalTest, OpenWhenStateDirIsAFileIsUnavailable) {
  { std::ofstream file(state_dir_); }
  common::Result<std::unique_ptr<Journal>> journal = Journal::Open(DefaultOptions(), clock_);
  ASSERT_FALSE(journal.ok());
  EXPECT_EQ(journal.status().code(), common::StatusCode::kUnavailable);
  EXPECT_NE(journal.status().message().find("not a directory"), std::string::npos)
      << journal.status().message();
}

TEST_F(JournalTest, OpenConvertsAVersion3DatabaseKeepingItsEpisodes) {
  // `sqlite3 journal.db .dump` of a file written by the build before per-owner schema versions.
  std::filesystem::create_directories(state_dir_);
  ASSERT_EQ(
      ExecSql(DbPath(), rebound::testing::ReadFile(std::string(REBOUND_SOURCE_DIR) +
                                                   "/tests/controller/testdata/journal-v3.sql")),
      "");
  ASSERT_EQ(QueryText(DbPath(), "PRAGMA user_version"), "3");
  auto journal = MustOpen();
  ASSERT_NE(journal, nullptr);
  EXPECT_EQ(Rows(*journal), (Names{"f2 2026-01-01T00:00:00.653Z resolved closed "
                                   "2026-01-01T00:05:00Z",
                                   "f1 2026-01-01T00:00:00.653Z firing pending "}));
  EXPECT_EQ(QueryText(DbPath(), "PRAGMA user_version"), "4");
  EXPECT_EQ(QueryText(DbPath(),
                      "SELECT group_concat(owner || '=' || version) FROM "
                      "(SELECT * FROM schema_versions ORDER BY owner)"),
            "episodes=1,legacy_user_version=3");
  // The other owners' tables are theirs to migrate, and untouched.
  EXPECT_EQ(QueryText(DbPath(), "SELECT count(*) FROM heal_log"), "1");
  EXPECT_EQ(QueryText(DbPath(), "SELECT count(*) FROM anomaly_scorers"), "1");
  // The journal writes on.
  EXPECT_EQ(MustAppend(*journal, {MakeAlert("f3", kFiring)}), Names{"new"});
}

TEST_F(JournalTest, OpenRefusesNewerSchema) {
  std::filesystem::create_directories(state_dir_);
  ASSERT_EQ(ExecSql(DbPath(), "PRAGMA user_version = 99"), "");
  common::Result<std::unique_ptr<Journal>> journal = Journal::Open(DefaultOptions(), clock_);
  ASSERT_FALSE(journal.ok());
  EXPECT_EQ(journal.status().code(), common::StatusCode::kInternal);
  EXPECT_NE(journal.status().message().find("version 99"), std::string::npos)
      << journal.status().message();
}

}  // namespace
}  // namespace rebound::controller::intake

namespace rebound::controller::intake {
namespace {

class JournalRepeatsTest : public JournalTest {};

TEST_F(JournalRepeatsTest, RepeatsOfCommittedEpisodesNeedNoCommit) {
  int commits = 0;
  Journal::Options options = DefaultOptions();
  options.observe_commit = [&commits](std::chrono::nanoseconds) { ++commits; };
  auto journal = MustOpen(options);
  ASSERT_NE(journal, nullptr);
  EXPECT_EQ(MustAppend(*journal, {MakeAlert("a", kFiring), MakeAlert("b", kResolved)}),
            (Names{"new", "resolved"}));
  const int after_first = commits;
  EXPECT_EQ(MustAppend(*journal, {MakeAlert("a", kFiring), MakeAlert("b", kResolved),
                                  MakeAlert("b", kFiring)}),
            (Names{"duplicate", "duplicate", "stale"}));
  EXPECT_EQ(commits, after_first);
  // A change still goes through the writer, and its result is answered from then on.
  EXPECT_EQ(MustAppend(*journal, {MakeAlert("a", kFiring), MakeAlert("a", kResolved)}),
            (Names{"duplicate", "resolved"}));
  EXPECT_EQ(commits, after_first + 1);
  EXPECT_EQ(MustAppend(*journal, {MakeAlert("a", kResolved), MakeAlert("a", kFiring)}),
            (Names{"duplicate", "stale"}));
  EXPECT_EQ(commits, after_first + 1);
}

TEST_F(JournalRepeatsTest, SetStatesRecordsABatchInOneCommit) {
  int commits = 0;
  Journal::Options options = DefaultOptions();
  options.observe_commit = [&commits](std::chrono::nanoseconds) { ++commits; };
  auto journal = MustOpen(options);
  ASSERT_NE(journal, nullptr);
  MustAppend(*journal, {MakeAlert("a", kFiring), MakeAlert("b", kFiring), MakeAlert("c", kResolved)});
  const int before = commits;
  std::vector<common::Status> statuses = journal->SetStates(
      {KeyOf(MakeAlert("a", kFiring)), KeyOf(MakeAlert("b", kFiring)),
       KeyOf(MakeAlert("c", kFiring)), EpisodeKey{"nope", "2026-01-01T00:00:00Z"}},
      EpisodeState::kPending);
  ASSERT_EQ(statuses.size(), 4u);
  EXPECT_TRUE(statuses[0].ok());
  EXPECT_TRUE(statuses[1].ok());
  EXPECT_TRUE(statuses[2].ok());  // closed stays closed
  EXPECT_EQ(statuses[3].code(), common::StatusCode::kNotFound);
  EXPECT_EQ(commits, before + 1);
  auto pending = journal->List(EpisodeState::kPending, 10);
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending->size(), 2u);
}

}  // namespace
}  // namespace rebound::controller::intake
