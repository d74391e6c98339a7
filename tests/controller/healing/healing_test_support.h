// HealingTest: the fixture healing tests share — a real journal and heal log in a temporary
// directory, a fake cluster, clock, sleeper, Prometheus and Slack, the built-in actions, and
// helpers to fire and resolve alerts and load playbooks from YAML text. Single-threaded unless
// a test starts a non-synchronous Healer.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <prometheus/registry.h>
#include <string>
#include <vector>

#include "controller/actions/action.h"
#include "controller/healing/guardrails.h"
#include "controller/healing/heal_log.h"
#include "controller/healing/healer.h"
#include "controller/intake/journal.h"
#include "controller/playbook/playbook_index.h"
#include "exporter/heal_metrics.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http_client.h"
#include "tests/fakes/fake_kube_client.h"
#include "tests/fakes/fake_notifier.h"
#include "tests/fakes/fake_prometheus.h"
#include "tests/support/process.h"

namespace rebound::controller::healing {

// A Sleeper that advances the FakeClock and then runs the test's hook with the number of
// sleeps so far, so that a test can change the world while healing waits.
class HookSleeper final : public common::Sleeper {
 public:
  explicit HookSleeper(testing::FakeClock& clock) : clock_(clock) {}
  void SetHook(std::function<void(int)> hook) { hook_ = std::move(hook); }
  bool SleepFor(std::chrono::milliseconds duration, std::stop_token stop) override {
    if (stop.stop_requested()) return false;
    clock_.Advance(duration);
    ++sleeps_;
    if (hook_) hook_(sleeps_);
    return !stop.stop_requested();
  }
  int sleeps() const { return sleeps_; }

 private:
  testing::FakeClock& clock_;
  std::function<void(int)> hook_;
  int sleeps_ = 0;
};

class HealingTest : public ::testing::Test {
 protected:
  HealingTest();
  ~HealingTest() override;

  // Loads the playbooks in `yaml`; fails the test on any error.
  std::shared_ptr<const playbook::PlaybookIndex> Playbooks(const std::string& yaml);
  // A Healer over the fixture's fakes with healer_options_ (synchronous by default).
  std::unique_ptr<Healer> MakeHealer(const std::string& playbooks_yaml,
                                     GuardrailConfig config = GuardrailConfig());

  // Journals a firing alert (alertname + labels) and returns its episode.
  intake::Episode Fire(const std::string& fingerprint, intake::LabelSet labels);
  // Journals the "resolved" of the episode.
  void Resolve(const intake::Episode& episode);

  // A Deployment with `replicas` replicas, rolled out and ready.
  nlohmann::json ReadyDeployment(const std::string& ns, const std::string& name, int replicas);
  nlohmann::json Deployment(const std::string& ns, const std::string& name);

  std::vector<HealRecord> Records() const;  // oldest first
  // "kind:result[:reason]" of each record, oldest first: a readable path.
  std::vector<std::string> Path() const;
  intake::EpisodeState StateOf(const intake::Episode& episode) const;
  double Metric(const std::string& name, const std::map<std::string, std::string>& labels) const;

  rebound::testing::TempDir dir_;
  testing::FakeClock clock_;
  HookSleeper sleeper_{clock_};
  testing::FakeKubeStore store_;
  testing::FakeKubeClient kube_{store_};
  testing::FakeHttpClient http_;
  testing::RecordingNotifier notifier_;
  testing::FakePrometheus prometheus_;
  prometheus::Registry registry_;
  exporter::HealMetrics metrics_{registry_};
  actions::ActionRegistry actions_;
  std::unique_ptr<intake::Journal> journal_;
  std::unique_ptr<HealLog> log_;
  std::unique_ptr<Guardrails> guardrails_;
  std::unique_ptr<HealingDeps> deps_;
  Healer::Options healer_options_ = [] {
    Healer::Options options;
    options.synchronous = true;
    options.resolve_attempts = 2;
    return options;
  }();
};

}  // namespace rebound::controller::healing
