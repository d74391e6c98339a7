#include "controller/intake/dedupe.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace rebound::controller::intake {
namespace {

struct ClassifyCase {
  std::optional<AlertStatus> recorded;
  AlertStatus incoming;
  IntakeOutcome expected;
};

std::string Describe(const ClassifyCase& c) {
  std::string recorded = c.recorded ? std::string(AlertStatusName(*c.recorded)) : "nothing";
  return recorded + " + " + std::string(AlertStatusName(c.incoming));
}

TEST(ClassifyTest, EveryCombination) {
  constexpr auto kFiring = AlertStatus::kFiring;
  constexpr auto kResolved = AlertStatus::kResolved;
  const ClassifyCase cases[] = {
      {std::nullopt, kFiring, IntakeOutcome::kNew},
      {std::nullopt, kResolved, IntakeOutcome::kResolved},
      {kFiring, kFiring, IntakeOutcome::kDuplicate},
      {kFiring, kResolved, IntakeOutcome::kResolved},
      {kResolved, kResolved, IntakeOutcome::kDuplicate},
      {kResolved, kFiring, IntakeOutcome::kStale},
  };
  for (const ClassifyCase& c : cases) {
    EXPECT_EQ(Classify(c.recorded, c.incoming), c.expected)
        << Describe(c) << ": got " << IntakeOutcomeName(Classify(c.recorded, c.incoming))
        << ", want " << IntakeOutcomeName(c.expected);
  }
}

TEST(IntakeOutcomeNameTest, NamesEveryOutcome) {
  EXPECT_EQ(IntakeOutcomeName(IntakeOutcome::kNew), "new");
  EXPECT_EQ(IntakeOutcomeName(IntakeOutcome::kResolved), "resolved");
  EXPECT_EQ(IntakeOutcomeName(IntakeOutcome::kDuplicate), "duplicate");
  EXPECT_EQ(IntakeOutcomeName(IntakeOutcome::kStale), "stale");
}

}  // namespace
}  // namespace rebound::controller::intake
