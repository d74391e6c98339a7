// ScorerStoreFixture: a journal database in a temporary folder with a ScorerStore on it, for
// the tests of the store and of continuous scoring.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "controller/anomaly/scorer_store.h"
#include "controller/intake/journal.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/process.h"

namespace rebound::controller::anomaly {

class ScorerStoreFixture : public ::testing::Test {
 protected:
  ScorerStoreFixture() {
    intake::Journal::Options options;
    options.state_dir = dir_.path();
    auto journal = intake::Journal::Open(options, clock_);
    EXPECT_TRUE(journal.ok()) << journal.status().ToString();
    if (journal.ok()) journal_ = std::move(*journal);
    auto store = ScorerStore::Open(dir_.path());
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (store.ok()) store_ = std::move(*store);
  }

  rebound::testing::TempDir dir_;
  rebound::testing::FakeClock clock_;
  std::unique_ptr<intake::Journal> journal_;  // creates the schema the store's table is in
  std::unique_ptr<ScorerStore> store_;
};

}  // namespace rebound::controller::anomaly
