#include "app/leadership.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <atomic>
#include <thread>

#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_kube_client.h"
#include "tests/fakes/fake_sleeper.h"

namespace rebound::app {
namespace {

using std::chrono::seconds;
using testing::FakeClock;
using testing::FakeKubeClient;
using testing::FakeKubeStore;
using testing::FakeSleeper;

kube::LeaderElectionConfig ElectionFor(const std::string& identity) {
  kube::LeaderElectionConfig config;
  config.lease_namespace = "rebound";
  config.lease_name = "rebound";
  config.identity = identity;
  return config;  // client-go's timings: 15s, 10s, 2s
}

// One replica: its client on the shared store, its Leadership, and what its hooks saw.
struct Replica {
  Replica(FakeKubeStore& store, FakeClock& clock, FakeSleeper& sleeper, const std::string& pod) {
    auto owned = std::make_unique<FakeKubeClient>(store);
    client = owned.get();
    gauge = &prometheus::BuildGauge().Name("rebound_leader").Help("h").Register(registry).Add({});
    store.Put(kube::kPods, {{"metadata", {{"name", pod}, {"namespace", "rebound"}}}});
    auto created =
        Leadership::Create(Leadership::Deps{std::move(owned), clock, sleeper, *gauge, state,
                                            [this] { ++leads; }, [this] { ++stand_bys; }},
                           ElectionFor(pod), pod, "rebound");
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    leadership = std::move(created).value();
  }
  prometheus::Registry registry;
  prometheus::Gauge* gauge = nullptr;
  FakeKubeClient* client = nullptr;
  LeaderState state;
  std::atomic<int> leads = 0;  // the election thread counts, the test reads
  std::atomic<int> stand_bys = 0;
  std::unique_ptr<Leadership> leadership;
};

class LeadershipTest : public ::testing::Test {
 protected:
  // The role label of `pod`, "" when absent.
  std::string Role(const std::string& pod) {
    std::optional<nlohmann::json> object = store_.Find(kube::kPods, "rebound", pod);
    EXPECT_TRUE(object.has_value());
    return object ? object->value(nlohmann::json::json_pointer("/metadata/labels/rebound.io~1role"),
                                  "")
                  : "";
  }
  // Advances one retry period and runs a round of each replica in `replicas`.
  void Round(std::initializer_list<Replica*> replicas) {
    clock_.Advance(seconds(2));
    for (Replica* r : replicas) {
      r->leadership->Round();
      EXPECT_LE((a_.state.IsLeader() ? 1 : 0) + (b_.state.IsLeader() ? 1 : 0), 1)
          << "two leaders at once";
    }
  }

  FakeClock clock_;
  FakeSleeper sleeper_{clock_};
  FakeKubeStore store_;
  Replica a_{store_, clock_, sleeper_, "rebound-a"};
  Replica b_{store_, clock_, sleeper_, "rebound-b"};
};

TEST_F(LeadershipTest, StateIsUnknownUntilTheFirstRound) {
  EXPECT_FALSE(a_.state.known());
  EXPECT_FALSE(a_.state.IsLeader());
  EXPECT_EQ(a_.gauge->Value(), 0);
  a_.leadership->Round();
  EXPECT_TRUE(a_.state.known());
}

TEST_F(LeadershipTest, TheFirstReplicaLeadsLabelsItsPodAndTheOtherFollows) {
  Round({&a_, &b_});
  EXPECT_TRUE(a_.state.IsLeader());
  EXPECT_EQ(a_.leads.load(), 1);
  EXPECT_EQ(a_.gauge->Value(), 1);
  EXPECT_EQ(Role("rebound-a"), "leader");
  EXPECT_EQ(
      a_.state.ToJson(),
      nlohmann::json({{"is_leader", true}, {"holder", "rebound-a"}, {"lease", "rebound/rebound"}}));

  EXPECT_TRUE(b_.state.known());
  EXPECT_FALSE(b_.state.IsLeader());
  EXPECT_EQ(b_.leads.load(), 0);
  EXPECT_EQ(b_.gauge->Value(), 0);
  EXPECT_EQ(Role("rebound-b"), "");
  EXPECT_EQ(b_.state.ToJson(),
            nlohmann::json(
                {{"is_leader", false}, {"holder", "rebound-a"}, {"lease", "rebound/rebound"}}));
}

TEST_F(LeadershipTest, RenewingKeepsLeadingWithoutCallingLeadAgain) {
  for (int i = 0; i < 20; ++i) Round({&a_, &b_});
  EXPECT_TRUE(a_.state.IsLeader());
  EXPECT_EQ(a_.leads.load(), 1);
  EXPECT_EQ(a_.stand_bys.load(), 0);
  EXPECT_EQ(b_.leads.load(), 0);
}

// The leader cannot reach the API: at the renew deadline it stands by (before its lease can
// expire for the follower); once the lease expired the follower leads, labels its pod and takes
// the label off the old leader's pod when it can reach it again.
TEST_F(LeadershipTest, ALeaderThatCannotRenewStandsByAndTheLabelMoves) {
  Round({&a_, &b_});
  a_.client->FailAll(common::Unavailable("network cut"));
  int rounds = 0;
  while (a_.stand_bys.load() == 0 && rounds < 10) {
    Round({&a_, &b_});
    ++rounds;
  }
  EXPECT_EQ(a_.stand_bys.load(), 1);
  EXPECT_EQ(rounds, 5) << "stands by at the 10s renew deadline";
  EXPECT_FALSE(a_.state.IsLeader());
  EXPECT_EQ(a_.gauge->Value(), 0);
  EXPECT_EQ(b_.leads.load(), 0) << "the lease has not expired for the follower yet";
  EXPECT_EQ(Role("rebound-a"), "leader") << "the label cannot be removed while the API is cut";

  while (b_.leads.load() == 0 && rounds < 20) {
    Round({&a_, &b_});
    ++rounds;
  }
  EXPECT_EQ(b_.leads.load(), 1);
  EXPECT_TRUE(b_.state.IsLeader());
  EXPECT_EQ(b_.gauge->Value(), 1);
  EXPECT_EQ(Role("rebound-b"), "leader");
  EXPECT_EQ(Role("rebound-a"), "") << "the new leader takes the old leader's label off";

  a_.client->FailAll(std::nullopt);
  Round({&a_, &b_});
  EXPECT_FALSE(a_.state.IsLeader());
  EXPECT_EQ(a_.leads.load(), 1);
  EXPECT_EQ(a_.state.holder(), "rebound-b");
}

TEST_F(LeadershipTest, IsLeaderTurnsFalseAtTheRenewDeadlineWithoutARound) {
  Round({&a_});
  ASSERT_TRUE(a_.state.IsLeader());
  clock_.Advance(seconds(10));
  EXPECT_FALSE(a_.state.IsLeader()) << "the webhook refuses before the election thread notices";
}

TEST_F(LeadershipTest, AFailedLabelPatchIsRetriedAndDoesNotStopLeading) {
  a_.client->FailNext(kube::Verb::kPatch, "pods", common::Unavailable("apiserver busy"));
  Round({&a_});
  EXPECT_TRUE(a_.state.IsLeader());
  EXPECT_EQ(Role("rebound-a"), "");
  Round({&a_});
  EXPECT_TRUE(a_.state.IsLeader());
  EXPECT_EQ(Role("rebound-a"), "leader");
  EXPECT_EQ(a_.leads.load(), 1);
}

TEST_F(LeadershipTest, ResigningReleasesTheLeaseStandsByAndRemovesTheLabel) {
  Round({&a_, &b_});
  a_.leadership->Resign();
  EXPECT_EQ(a_.stand_bys.load(), 1);
  EXPECT_FALSE(a_.state.IsLeader());
  EXPECT_EQ(Role("rebound-a"), "");
  Round({&b_});
  EXPECT_EQ(b_.leads.load(), 1) << "a released lease is taken at the next round";
}

TEST_F(LeadershipTest, StartRunsRoundsOnItsThreadAndStopResigns) {
  a_.leadership->Start();
  // The fake sleeper advances the clock without waiting: rounds follow each other at once.
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (a_.leads.load() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  a_.leadership->Stop();
  EXPECT_EQ(a_.leads.load(), 1);
  EXPECT_EQ(a_.stand_bys.load(), 1);
  EXPECT_EQ(Role("rebound-a"), "");
}

Config::LeaderElection Election(std::optional<bool> enabled, std::string ns = "") {
  Config::LeaderElection e;
  e.enabled = enabled;
  e.lease_namespace = std::move(ns);
  return e;
}

TEST(ResolveLeaderElectionTest, OnByDefaultOnlyInAPod) {
  PodIdentity in_pod{"rebound-0", "ops", "host_1"};
  PodIdentity outside{"", "", "host_1"};
  auto on = ResolveLeaderElection(Election(std::nullopt), in_pod);
  ASSERT_TRUE(on.ok() && on->has_value());
  EXPECT_EQ((*on)->identity, "rebound-0");
  EXPECT_EQ((*on)->lease_namespace, "ops");
  EXPECT_EQ((*on)->lease_name, "rebound");
  EXPECT_EQ((*on)->lease_duration, seconds(15));
  auto off = ResolveLeaderElection(Election(std::nullopt), outside);
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->has_value());
  auto disabled = ResolveLeaderElection(Election(false), in_pod);
  ASSERT_TRUE(disabled.ok());
  EXPECT_FALSE(disabled->has_value());
}

TEST(ResolveLeaderElectionTest, OutsideAPodTheIdentityIsHostAndPidAndTheNamespaceIsNeeded) {
  PodIdentity outside{"", "", "host_1"};
  auto missing = ResolveLeaderElection(Election(true), outside);
  EXPECT_EQ(missing.status().code(), common::StatusCode::kInvalidArgument);
  auto on = ResolveLeaderElection(Election(true, "ops"), outside);
  ASSERT_TRUE(on.ok() && on->has_value());
  EXPECT_EQ((*on)->identity, "host_1");
  EXPECT_EQ((*on)->lease_namespace, "ops");
}

TEST(ResolveLeaderElectionTest, TheConfiguredNamespaceWinsOverPodNamespace) {
  auto on = ResolveLeaderElection(Election(std::nullopt, "leases"), {"rebound-0", "ops", "h"});
  ASSERT_TRUE(on.ok() && on->has_value());
  EXPECT_EQ((*on)->lease_namespace, "leases");
}

}  // namespace
}  // namespace rebound::app
