// JournalFixture: a journal in a temporary directory on a fake clock, for intake tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "controller/intake/journal.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/process.h"

namespace rebound::controller::intake {

class JournalFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    Journal::Options options;
    options.state_dir = dir_.path();
    auto journal = Journal::Open(options, clock_);
    ASSERT_TRUE(journal.ok()) << journal.status().ToString();
    journal_ = std::move(journal).value();
  }

  rebound::testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<Journal> journal_;
};

}  // namespace rebound::controller::intake
