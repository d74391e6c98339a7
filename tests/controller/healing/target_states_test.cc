#include "controller/healing/target_states.h"

#include <gtest/gtest.h>

#include <set>

namespace rebound::controller::healing {
namespace {

actions::Target TargetOf(const std::string& kind, const std::string& ns, const std::string& name) {
  return actions::Target{kind, ns, name};
}

intake::EpisodeKey KeyOf(const std::string& fingerprint) {
  return intake::EpisodeKey{fingerprint, "2026-01-01T00:00:00Z"};
}

// "Deployment shop/web=healing", one entry per target in state, in Current's order.
std::vector<std::string> Render(const std::vector<TargetInState>& states) {
  std::vector<std::string> out;
  for (const TargetInState& s : states) {
    out.push_back(s.target.ToString() + "=" + std::string(TargetStateName(s.state)));
  }
  return out;
}

class TargetStatesTest : public ::testing::Test {
 protected:
  std::vector<std::string> Now(const std::vector<std::string>& open_circuits = {}) {
    return Render(states_.Current(
        [this](const intake::EpisodeKey& key) { return resolved_.contains(key.fingerprint); },
        open_circuits));
  }

  TargetStates states_;
  std::set<std::string> resolved_;  // fingerprints of resolved episodes
  const actions::Target web_ = TargetOf("Deployment", "shop", "web");
  const actions::Target db_ = TargetOf("StatefulSet", "shop", "db");
};

TEST_F(TargetStatesTest, HealthyTargetsAreNotListed) { EXPECT_TRUE(Now().empty()); }

TEST_F(TargetStatesTest, HealingWhileARemediationRunsAndGoneWhenItHeals) {
  states_.Started(web_);
  EXPECT_EQ(Now(), std::vector<std::string>{"Deployment shop/web=healing"});
  states_.Ended(web_, RemediationOutcome::kHealed, {KeyOf("a")});
  EXPECT_TRUE(Now().empty());
}

TEST_F(TargetStatesTest, EscalatedUntilEveryAlertOfTheRemediationResolved) {
  states_.Started(web_);
  states_.Ended(web_, RemediationOutcome::kUnhealed, {KeyOf("a"), KeyOf("b")});
  EXPECT_EQ(Now(), std::vector<std::string>{"Deployment shop/web=escalated"});
  resolved_.insert("a");
  EXPECT_EQ(Now(), std::vector<std::string>{"Deployment shop/web=escalated"});
  resolved_.insert("b");
  EXPECT_TRUE(Now().empty());
  resolved_.clear();  // dropped for good, not brought back
  EXPECT_TRUE(Now().empty());
}

TEST_F(TargetStatesTest, ANewRemediationOfAnEscalatedTargetMakesItHealingAgain) {
  states_.Started(web_);
  states_.Ended(web_, RemediationOutcome::kUnhealed, {KeyOf("a")});
  states_.Started(web_);
  EXPECT_EQ(Now(), std::vector<std::string>{"Deployment shop/web=healing"});
  states_.Ended(web_, RemediationOutcome::kSkipped, {KeyOf("c")});
  EXPECT_TRUE(Now().empty());
}

TEST_F(TargetStatesTest, OtherOutcomesLeaveTheTargetHealthy) {
  for (RemediationOutcome outcome :
       {RemediationOutcome::kRefused, RemediationOutcome::kSkipped, RemediationOutcome::kDryRun,
        RemediationOutcome::kInterrupted}) {
    states_.Started(web_);
    states_.Ended(web_, outcome, {KeyOf("a")});
    EXPECT_TRUE(Now().empty()) << RemediationOutcomeName(outcome);
  }
}

TEST_F(TargetStatesTest, OpenCircuitsAreListedBesideTheOtherStatesAndSorted) {
  states_.Started(web_);
  states_.Ended(web_, RemediationOutcome::kUnhealed, {KeyOf("a")});
  states_.Started(db_);
  EXPECT_EQ(
      Now({"Deployment shop/web", "not a target"}),
      (std::vector<std::string>{"Deployment shop/web=escalated", "Deployment shop/web=circuit_open",
                                "StatefulSet shop/db=healing"}));
}

TEST(TargetStateNameTest, NamesEveryState) {
  EXPECT_EQ(TargetStateName(TargetState::kHealing), "healing");
  EXPECT_EQ(TargetStateName(TargetState::kEscalated), "escalated");
  EXPECT_EQ(TargetStateName(TargetState::kCircuitOpen), "circuit_open");
}

}  // namespace
}  // namespace rebound::controller::healing
