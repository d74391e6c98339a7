#include "controller/anomaly/gate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/fakes/fake_prometheus.h"
#include "tests/support/signal_values.h"

namespace rebound::controller::anomaly {
namespace {

using ::rebound::testing::MemoryValues;
using ::std::chrono::milliseconds;
using ::testing::HasSubstr;

const promql::TimePoint kNow{std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}};

class GateTest : public ::testing::Test {
 protected:
  // Each query answers its values, one a step, the last at the end of the range asked for.
  void Answer(std::map<std::string, std::vector<double>> values) {
    prometheus_.SetRangeHandler([this, answer = testing::ValuesUntilEnd(std::move(values))](
                                    std::string_view query, promql::TimePoint start,
                                    promql::TimePoint end, milliseconds step) {
      window_ = {start, end};
      step_ = step;
      return answer(query, start, end, step);
    });
  }

  GateRequest Request(std::vector<SignalQuery> signals, OnMissingData on_missing_data) {
    GateRequest request;
    request.signals = std::move(signals);
    request.lookback = std::chrono::hours(2);
    request.step = std::chrono::seconds(30);
    request.above = 0.9;
    request.on_missing_data = on_missing_data;
    return request;
  }

  testing::FakePrometheus prometheus_;
  std::pair<promql::TimePoint, promql::TimePoint> window_;
  milliseconds step_{0};
};

TEST_F(GateTest, LeakPassesAndNamesTheSignalThatDeviates) {
  Answer({{"mem", MemoryValues(200, 20)}, {"cpu", std::vector<double>(220, 1.5)}});
  GateDecision decision = EvaluateGate(
      &prometheus_, Request({{"memory", "mem"}, {"cpu", "cpu"}}, OnMissingData::kSkip), kNow);
  EXPECT_TRUE(decision.pass);
  EXPECT_TRUE(decision.scored);
  EXPECT_GT(decision.score, 0.9);
  EXPECT_LE(decision.score, 1.0);
  EXPECT_EQ(decision.top_signal, "memory");
  EXPECT_EQ(decision.samples, 220u);
  EXPECT_THAT(decision.explanation, HasSubstr("(top signal memory) is above 0.9"));
  EXPECT_EQ(window_.first, kNow - std::chrono::hours(2));
  EXPECT_EQ(window_.second, kNow);
  EXPECT_EQ(step_, std::chrono::seconds(30));
}

TEST_F(GateTest, OrdinaryBehaviourIsRefusedWithItsScore) {
  Answer({{"mem", MemoryValues(220, 0)}});
  GateDecision decision =
      EvaluateGate(&prometheus_, Request({{"memory", "mem"}}, OnMissingData::kAct), kNow);
  EXPECT_FALSE(decision.pass);
  EXPECT_TRUE(decision.scored);
  EXPECT_LT(decision.score, 0.9);
  EXPECT_GE(decision.score, 0.0);
  EXPECT_THAT(decision.explanation, HasSubstr("anomaly score 0."));
  EXPECT_THAT(decision.explanation, HasSubstr("is not above 0.9"));
}

TEST_F(GateTest, QueryFailureIsMissingDataDecidedByOnMissingData) {
  Answer({{"mem", MemoryValues(200, 20)}});  // "restarts" has no answer: Unavailable
  const std::vector<SignalQuery> signals = {{"memory", "mem"}, {"restarts", "restarts"}};
  GateDecision skip = EvaluateGate(&prometheus_, Request(signals, OnMissingData::kSkip), kNow);
  EXPECT_FALSE(skip.pass);
  EXPECT_FALSE(skip.scored);
  EXPECT_THAT(skip.explanation, HasSubstr("signal restarts"));
  EXPECT_THAT(skip.explanation, HasSubstr("onMissingData is skip"));

  GateDecision act = EvaluateGate(&prometheus_, Request(signals, OnMissingData::kAct), kNow);
  EXPECT_TRUE(act.pass);
  EXPECT_FALSE(act.scored);
  EXPECT_THAT(act.explanation, HasSubstr("onMissingData is act"));
}

TEST_F(GateTest, NoDataIsMissingData) {
  Answer({{"mem", {}}});
  GateDecision decision =
      EvaluateGate(&prometheus_, Request({{"memory", "mem"}}, OnMissingData::kSkip), kNow);
  EXPECT_FALSE(decision.pass);
  EXPECT_FALSE(decision.scored);
  EXPECT_THAT(decision.explanation, HasSubstr("no data over the last 2h"));
}

TEST_F(GateTest, TooShortAHistoryIsMissingData) {
  Answer({{"mem", MemoryValues(3, 2)}});
  GateDecision decision =
      EvaluateGate(&prometheus_, Request({{"memory", "mem"}}, OnMissingData::kSkip), kNow);
  EXPECT_FALSE(decision.pass);
  EXPECT_FALSE(decision.scored);
  EXPECT_EQ(decision.score, 0);
  EXPECT_THAT(decision.explanation, HasSubstr("5 samples over the last 2h at a 30s step"));
}

TEST_F(GateTest, NoPrometheusIsMissingData) {
  GateDecision decision =
      EvaluateGate(nullptr, Request({{"memory", "mem"}}, OnMissingData::kAct), kNow);
  EXPECT_TRUE(decision.pass);
  EXPECT_FALSE(decision.scored);
  EXPECT_THAT(decision.explanation, HasSubstr("no Prometheus is configured"));
}

TEST(OnMissingDataNameTest, SpellsThePlaybookValues) {
  EXPECT_EQ(OnMissingDataName(OnMissingData::kAct), "act");
  EXPECT_EQ(OnMissingDataName(OnMissingData::kSkip), "skip");
}

}  // namespace
}  // namespace rebound::controller::anomaly
