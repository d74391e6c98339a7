// A cluster, a Prometheus, an Alertmanager, a heal log and a run log in memory and a temp dir,
// on a FakeClock, for tests of the chaos runner and engine. The Deployment shop/web has three
// ready pods (web-a, web-b, web-c on node n1, a Ready node) and the label
// rebound.io/chaos=enabled. The cluster has no controllers: a test plays them (RefillPods).
// `on_sleep` runs after each of the runner's waits (the clock already advanced): that is where
// a test plays the cluster healing, an alert firing or a person opting out.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "controller/chaos/runner.h"
#include "controller/intake/journal.h"
#include "tests/fakes/fake_kube_client.h"
#include "tests/fakes/fake_prometheus.h"
#include "tests/fakes/fake_sleeper.h"
#include "tests/support/process.h"

namespace rebound::controller::chaos {

class FakeAlerts final : public AlertSource {
 public:
  common::Result<std::vector<AlertLabels>> Firing() override {
    std::lock_guard lock(mu_);
    return firing_;
  }
  void Set(std::vector<AlertLabels> firing) {
    std::lock_guard lock(mu_);
    firing_ = std::move(firing);
  }

 private:
  std::mutex mu_;
  std::vector<AlertLabels> firing_;
};

class RecordingObserver final : public RunObserver {
 public:
  void OnPhase(const ChaosRun& run) override {
    std::lock_guard lock(mu_);
    phases.push_back(run.phase);
  }
  void OnFinished(const ChaosRun& run) override {
    std::lock_guard lock(mu_);
    finished.push_back(run);
  }
  void OnRestored(const ChaosRun& run) override {
    std::lock_guard lock(mu_);
    restored.push_back(run);
  }
  std::mutex mu_;
  std::vector<RunPhase> phases;
  std::vector<ChaosRun> finished;
  std::vector<ChaosRun> restored;
};

// Calls a hook after each wait of a FakeSleeper.
class HookedSleeper final : public common::Sleeper {
 public:
  explicit HookedSleeper(testing::FakeClock& clock) : inner(clock) {}
  bool SleepFor(std::chrono::milliseconds d, std::stop_token stop) override {
    const bool slept = inner.SleepFor(d, stop);
    if (on_sleep) on_sleep(++count);
    return slept;
  }
  testing::FakeSleeper inner;
  std::function<void(int)> on_sleep;
  int count = 0;
};

class RunFixture : public ::testing::Test {
 protected:
  RunFixture();

  // An experiment on shop/web (by name) with `type`, recoverWithin 1m, steady state "up".
  static Experiment MakeExperiment(FaultType type);
  static nlohmann::json Deployment(const std::string& name, int replicas, bool labelled = true);
  static nlohmann::json Pod(const std::string& name, const std::string& app);
  // A Ready, schedulable node labelled rebound.io/chaos=enabled.
  static nlohmann::json Node(const std::string& name);
  // Plays the ReplicaSet: adds ready pods of `app` (new names and uids) until `ready` are.
  void RefillPods(const std::string& app, int ready);
  RunnerDeps Deps();
  // Begins a run of `e` in the log and executes it.
  ChaosRun Execute(const Experiment& e);
  // Sets the deployment's status (ready replicas and all) to `ready`.
  void SetReady(const std::string& name, int ready);
  // shop/web's spec.replicas: sets it (as a scale would, without a new generation), reads it.
  void SetSpecReplicas(int replicas);
  int Replicas();
  // Writes a heal-log action record of `playbook` acting on `target` now.
  void Heal(const std::string& playbook, const std::string& target);
  nlohmann::json Get(const kube::Resource& r, const std::string& ns, const std::string& name);

  testing::FakeClock clock_;
  HookedSleeper sleeper_{clock_};
  testing::FixedRandom random_{0.25};
  testing::FakeKubeStore store_;
  testing::FakeKubeClient kube_{store_};
  testing::FakePrometheus prometheus_;
  FakeAlerts alerts_;
  testing::TempDir dir_;
  std::unique_ptr<intake::Journal> journal_;
  std::unique_ptr<healing::HealLog> heal_log_;
  std::unique_ptr<RunLog> log_;
  RecordingObserver observer_;
  bool paused_ = false;
  std::string remediating_;  // the target a remediation works on ("" for none)
  Runner::Options options_;
  int refills_ = 0;  // pods RefillPods added
};

}  // namespace rebound::controller::chaos
