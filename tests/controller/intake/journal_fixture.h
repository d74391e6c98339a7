// JournalFixture: a journal in a temporary directory on a fake clock, for intake tests; and
// OpenOnFaultVfs: a journal whose storage fails on demand (store::FaultVfs).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "controller/intake/journal.h"
#include "store/fault_vfs.h"
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

// Registers a FaultVfs named `name` and opens a journal in `dir` on it. `vfs` must outlive the
// journal's connections. Call it with ASSERT_NO_FATAL_FAILURE.
inline void OpenOnFaultVfs(const std::string& name, const std::string& dir,
                           const common::Clock& clock, std::unique_ptr<store::FaultVfs>& vfs,
                           std::unique_ptr<Journal>& journal) {
  auto registered = store::FaultVfs::Register(name);
  ASSERT_TRUE(registered.ok()) << registered.status().ToString();
  vfs = std::move(*registered);
  Journal::Options options;
  options.state_dir = dir;
  options.vfs = vfs->name();
  auto opened = Journal::Open(options, clock);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  journal = std::move(*opened);
}

}  // namespace rebound::controller::intake
