#include "kube/leader_election.h"

#include <gtest/gtest.h>

#include "kube/api_error.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_kube_client.h"
#include "tests/fakes/fake_sleeper.h"

namespace rebound::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakeClock;
using testing::FakeKubeClient;
using testing::FakeKubeStore;

LeaderElectionConfig Config(const std::string& identity) {
  LeaderElectionConfig config;
  config.lease_namespace = "rebound";
  config.lease_name = "rebound-leader";
  config.identity = identity;
  config.lease_duration = seconds(15);
  config.renew_deadline = seconds(10);
  config.retry_period = seconds(2);
  return config;
}

// One replica: its own client on the shared store, its elector and what its callbacks saw.
struct Replica {
  Replica(FakeKubeStore& store, FakeClock& clock, const std::string& identity) : client(store) {
    LeaderCallbacks callbacks;
    callbacks.on_started_leading = [this] { ++started; };
    callbacks.on_stopped_leading = [this] { ++stopped; };
    callbacks.on_new_leader = [this](const std::string& id) { leaders.push_back(id); };
    auto created = LeaderElector::Create(client, clock, Config(identity), std::move(callbacks));
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    elector = std::move(created).value();
  }
  FakeKubeClient client;
  std::unique_ptr<LeaderElector> elector;
  int started = 0;
  int stopped = 0;
  std::vector<std::string> leaders;
};

class LeaderElectionTest : public ::testing::Test {
 protected:
  Lease StoredLease() {
    std::optional<nlohmann::json> object = store_.Find(kLeases, "rebound", "rebound-leader");
    EXPECT_TRUE(object.has_value());
    common::Result<Lease> lease = LeaseFromJson(object.value_or(nlohmann::json::object()));
    EXPECT_TRUE(lease.ok());
    return lease.ok() ? *lease : Lease{};
  }

  // Advances one retry period and steps each replica in `replicas` once; fails the test if two
  // replicas ever consider themselves leader at the same moment.
  void Round(std::initializer_list<Replica*> replicas) {
    clock_.Advance(seconds(2));
    for (Replica* r : replicas) {
      r->elector->Step();
      CheckAtMostOneLeader();
    }
  }

  void CheckAtMostOneLeader() {
    int leaders = (a_.elector->IsLeader() ? 1 : 0) + (b_.elector->IsLeader() ? 1 : 0);
    EXPECT_LE(leaders, 1) << "two leaders at once";
  }

  FakeClock clock_;
  FakeKubeStore store_;
  Replica a_{store_, clock_, "pod-a"};
  Replica b_{store_, clock_, "pod-b"};
};

TEST(LeaderElectorCreateTest, ValidatesTheConfiguration) {
  FakeClock clock;
  FakeKubeStore store;
  FakeKubeClient client(store);
  auto invalid = [&](LeaderElectionConfig config) {
    return LeaderElector::Create(client, clock, config, {}).status().code() ==
           common::StatusCode::kInvalidArgument;
  };
  EXPECT_FALSE(invalid(Config("a")));
  LeaderElectionConfig c = Config("");
  EXPECT_TRUE(invalid(c));
  c = Config("a");
  c.lease_name = "";
  EXPECT_TRUE(invalid(c));
  c = Config("a");
  c.renew_deadline = seconds(15);  // not below the lease duration
  EXPECT_TRUE(invalid(c));
  c = Config("a");
  c.retry_period = milliseconds(8500);  // 1.2 x 8.5s > 10s
  EXPECT_TRUE(invalid(c));
  c = Config("a");
  c.retry_period = milliseconds(0);
  EXPECT_TRUE(invalid(c));
}

TEST_F(LeaderElectionTest, FirstReplicaCreatesTheLease) {
  a_.elector->Step();
  EXPECT_TRUE(a_.elector->IsLeader());
  EXPECT_EQ(a_.started, 1);
  Lease lease = StoredLease();
  EXPECT_EQ(lease.holder_identity, "pod-a");
  EXPECT_EQ(lease.lease_duration_seconds, 15);
  EXPECT_EQ(lease.lease_transitions, 0);
  ASSERT_TRUE(lease.acquire_time.has_value());
  EXPECT_EQ(lease.acquire_time, lease.renew_time);
  EXPECT_EQ(*lease.renew_time, common::Timestamp::FromTimePoint(clock_.Now()));
  EXPECT_EQ(a_.leaders, std::vector<std::string>{"pod-a"});
}

TEST_F(LeaderElectionTest, ExactlyOneLeaderWhileTheLeaderRenews) {
  a_.elector->Step();
  b_.elector->Step();
  for (int i = 0; i < 30; ++i) Round({&a_, &b_});
  EXPECT_TRUE(a_.elector->IsLeader());
  EXPECT_FALSE(b_.elector->IsLeader());
  EXPECT_EQ(a_.started, 1);
  EXPECT_EQ(a_.stopped, 0);
  EXPECT_EQ(b_.started, 0);
  EXPECT_EQ(b_.elector->LeaderIdentity(), "pod-a");
  EXPECT_EQ(b_.leaders, std::vector<std::string>{"pod-a"});

  // Renewals move renewTime only.
  Lease lease = StoredLease();
  EXPECT_EQ(lease.lease_transitions, 0);
  EXPECT_EQ(*lease.renew_time, common::Timestamp::FromTimePoint(clock_.Now()));
  EXPECT_LT(*lease.acquire_time, *lease.renew_time);
}

TEST_F(LeaderElectionTest, FollowerTakesOverAfterTheLeaseExpires) {
  a_.elector->Step();
  b_.elector->Step();
  Round({&a_, &b_});
  const Lease before = StoredLease();
  // pod-a dies: it stops renewing. pod-b saw the last change at t0 = now.
  const auto t0 = clock_.MonotonicNow();
  while (!b_.elector->IsLeader()) {
    Round({&b_});
    ASSERT_LT(clock_.MonotonicNow() - t0, seconds(30)) << "pod-b never took over";
  }
  // Not before the lease duration has passed since pod-b last saw it change, and at the first
  // retry after that.
  EXPECT_GE(clock_.MonotonicNow() - t0, seconds(15));
  EXPECT_LT(clock_.MonotonicNow() - t0, seconds(15) + seconds(2));
  EXPECT_EQ(b_.started, 1);
  Lease after = StoredLease();
  EXPECT_EQ(after.holder_identity, "pod-b");
  EXPECT_EQ(after.lease_transitions, before.lease_transitions + 1);
  EXPECT_EQ(*after.acquire_time, common::Timestamp::FromTimePoint(clock_.Now()));
  EXPECT_EQ(b_.leaders, (std::vector<std::string>{"pod-a", "pod-b"}));
}

TEST_F(LeaderElectionTest, LeaderThatCannotRenewStepsDownBeforeTheOtherTakesOver) {
  a_.elector->Step();
  b_.elector->Step();
  Round({&a_, &b_});
  // pod-a is cut off from the API server but keeps running.
  a_.client.FailAll(common::Unavailable("connection refused"));
  const auto last_renewal = clock_.MonotonicNow();
  std::chrono::steady_clock::duration a_stopped_after{};
  std::chrono::steady_clock::duration b_started_after{};
  for (int i = 0; i < 12; ++i) {
    Round({&a_, &b_});
    if (a_.stopped == 1 && a_stopped_after == std::chrono::steady_clock::duration{}) {
      a_stopped_after = clock_.MonotonicNow() - last_renewal;
    }
    if (b_.started == 1 && b_started_after == std::chrono::steady_clock::duration{}) {
      b_started_after = clock_.MonotonicNow() - last_renewal;
    }
  }
  EXPECT_EQ(a_.stopped, 1);
  EXPECT_EQ(b_.started, 1);
  EXPECT_FALSE(a_.elector->IsLeader());
  EXPECT_TRUE(b_.elector->IsLeader());
  EXPECT_GE(a_stopped_after, seconds(10));  // the renew deadline
  EXPECT_GE(b_started_after, seconds(15));  // the lease duration
  EXPECT_LT(a_stopped_after, b_started_after);
  EXPECT_EQ(StoredLease().lease_transitions, 1);

  // pod-a comes back as a follower.
  a_.client.FailAll(std::nullopt);
  for (int i = 0; i < 10; ++i) Round({&a_, &b_});
  EXPECT_FALSE(a_.elector->IsLeader());
  EXPECT_EQ(a_.started, 1);
  EXPECT_EQ(StoredLease().holder_identity, "pod-b");
}

TEST_F(LeaderElectionTest, IsLeaderTurnsFalseAtTheRenewDeadlineEvenWithoutAStep) {
  a_.elector->Step();
  clock_.Advance(seconds(9));
  EXPECT_TRUE(a_.elector->IsLeader());
  clock_.Advance(seconds(1));
  EXPECT_FALSE(a_.elector->IsLeader());
}

TEST_F(LeaderElectionTest, ExpiryIsJudgedByLocalObservationNotTheLeaseTimestamps) {
  // A lease whose renewTime is an hour old (a holder with a skewed clock, or one that just
  // restarted): pod-b still waits a full lease duration from when it first saw it.
  Lease stale;
  stale.name = "rebound-leader";
  stale.ns = "rebound";
  stale.holder_identity = "pod-x";
  stale.lease_duration_seconds = 15;
  stale.renew_time = common::Timestamp::FromTimePoint(clock_.Now() - std::chrono::hours(1));
  store_.Put(kLeases, LeaseToJson(stale));
  b_.elector->Step();
  EXPECT_FALSE(b_.elector->IsLeader());
  for (int i = 0; i < 7; ++i) Round({&b_});  // 14s
  EXPECT_FALSE(b_.elector->IsLeader());
  Round({&b_});  // 16s
  EXPECT_TRUE(b_.elector->IsLeader());
  EXPECT_EQ(StoredLease().lease_transitions, 1);
}

TEST_F(LeaderElectionTest, ReleasedLeaseIsTakenAtOnce) {
  Lease released;
  released.name = "rebound-leader";
  released.ns = "rebound";
  released.lease_duration_seconds = 1;
  released.lease_transitions = 3;
  store_.Put(kLeases, LeaseToJson(released));
  b_.elector->Step();
  EXPECT_TRUE(b_.elector->IsLeader());
  EXPECT_EQ(StoredLease().lease_transitions, 4);
}

TEST_F(LeaderElectionTest, LosingAWriteRaceLeavesTheReplicaFollowing) {
  Lease released;
  released.name = "rebound-leader";
  released.ns = "rebound";
  store_.Put(kLeases, LeaseToJson(released));
  // Another replica wrote between pod-b's read and its update.
  b_.client.FailNext(Verb::kUpdate, "leases",
                     common::Status(common::StatusCode::kConflict, "the object has been modified"));
  b_.elector->Step();
  EXPECT_FALSE(b_.elector->IsLeader());
  EXPECT_EQ(b_.started, 0);
  Round({&b_});
  EXPECT_TRUE(b_.elector->IsLeader());
}

TEST_F(LeaderElectionTest, LosingTheCreateRaceLeavesTheReplicaFollowing) {
  a_.elector->Step();
  // pod-b read "absent" just before pod-a created the lease.
  ApiRequest get;
  get.resource = kLeases;
  get.ns = "rebound";
  get.name = "rebound-leader";
  b_.client.FailNext(Verb::kGet, "leases", ErrorFromResponse(get, 404, ""));
  b_.elector->Step();
  EXPECT_FALSE(b_.elector->IsLeader());
  EXPECT_EQ(StoredLease().holder_identity, "pod-a");
  EXPECT_NE(b_.client.calls().back().find("create leases.coordination.k8s.io"), std::string::npos);
}

// A Sleeper that advances the clock and requests `stop` after `sleeps` waits.
class StoppingSleeper final : public common::Sleeper {
 public:
  StoppingSleeper(FakeClock& clock, std::stop_source& stop, int sleeps)
      : clock_(clock), stop_(stop), remaining_(sleeps) {}
  bool SleepFor(milliseconds duration, std::stop_token) override {
    clock_.Advance(duration);
    if (--remaining_ == 0) stop_.request_stop();
    return remaining_ > 0;
  }

 private:
  FakeClock& clock_;
  std::stop_source& stop_;
  int remaining_;
};

TEST_F(LeaderElectionTest, RunRenewsThenReleasesOnStop) {
  std::stop_source stop;
  StoppingSleeper sleeper(clock_, stop, 5);
  a_.elector->Run(sleeper, stop.get_token());
  EXPECT_EQ(a_.started, 1);
  EXPECT_EQ(a_.stopped, 1);
  EXPECT_FALSE(a_.elector->IsLeader());
  Lease lease = StoredLease();
  EXPECT_EQ(lease.holder_identity, "");
  EXPECT_EQ(lease.lease_duration_seconds, 1);

  // The follower does not wait for expiry.
  b_.elector->Step();
  EXPECT_TRUE(b_.elector->IsLeader());
  EXPECT_EQ(StoredLease().lease_transitions, 1);
}

TEST_F(LeaderElectionTest, RunOfAFollowerStopsQuietly) {
  a_.elector->Step();
  std::stop_source stop;
  StoppingSleeper sleeper(clock_, stop, 3);
  b_.elector->Run(sleeper, stop.get_token());
  EXPECT_EQ(b_.started, 0);
  EXPECT_EQ(b_.stopped, 0);
  EXPECT_EQ(StoredLease().holder_identity, "pod-a");
}

TEST_F(LeaderElectionTest, RunWithTheRealSleeperStopsWhenAsked) {
  std::stop_source stop;
  stop.request_stop();
  common::RealSleeper sleeper;
  a_.elector->Run(sleeper, stop.get_token());
  EXPECT_EQ(a_.started, 0);
}

}  // namespace
}  // namespace rebound::kube
