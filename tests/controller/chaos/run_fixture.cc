#include "tests/controller/chaos/run_fixture.h"

#include "controller/chaos/fault.h"
#include "kube/resource.h"

namespace rebound::controller::chaos {

RunFixture::RunFixture() {
  intake::Journal::Options options;
  options.state_dir = dir_.path();
  auto journal = intake::Journal::Open(options, clock_);
  EXPECT_TRUE(journal.ok()) << journal.status().ToString();
  if (journal.ok()) journal_ = std::move(*journal);
  auto heal_log = healing::HealLog::Open(dir_.path());
  EXPECT_TRUE(heal_log.ok()) << heal_log.status().ToString();
  if (heal_log.ok()) heal_log_ = std::move(*heal_log);
  auto log = RunLog::Open(dir_.path());
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  if (log.ok()) log_ = std::move(*log);

  store_.Put(kube::kDeployments, Deployment("web", 3));
  for (const char* pod : {"web-a", "web-b", "web-c"}) store_.Put(kube::kPods, Pod(pod, "web"));
  store_.Put(kube::kNodes, Node("n1"));
  prometheus_.SetVector("up", 1);
  options_.poll_interval = std::chrono::seconds(5);
}

Experiment RunFixture::MakeExperiment(FaultType type) {
  Experiment e;
  e.name = "web-" + std::string(FaultTypeName(type));
  e.target.kind = TargetKind::kDeployment;
  e.target.ns = "shop";
  e.target.name = "web";
  e.fault.type = type;
  if (FaultTakesAmount(type)) e.fault.count = 1;
  e.steady_state = {"up"};
  e.recover_within = std::chrono::minutes(1);
  return e;
}

nlohmann::json RunFixture::Deployment(const std::string& name, int replicas, bool labelled) {
  nlohmann::json labels = {{"app", name}};
  if (labelled) labels["rebound.io/chaos"] = "enabled";
  return {
      {"metadata", {{"name", name}, {"namespace", "shop"}, {"generation", 1}, {"labels", labels}}},
      {"spec", {{"replicas", replicas}, {"selector", {{"matchLabels", {{"app", name}}}}}}},
      {"status",
       {{"observedGeneration", 1},
        {"replicas", replicas},
        {"updatedReplicas", replicas},
        {"readyReplicas", replicas},
        {"availableReplicas", replicas}}}};
}

nlohmann::json RunFixture::Pod(const std::string& name, const std::string& app) {
  return {{"metadata", {{"name", name}, {"namespace", "shop"}, {"labels", {{"app", app}}}}},
          {"spec", {{"nodeName", "n1"}}},
          {"status", {{"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
}

nlohmann::json RunFixture::Node(const std::string& name) {
  return {{"metadata", {{"name", name}, {"labels", {{"rebound.io/chaos", "enabled"}}}}},
          {"spec", nlohmann::json::object()},
          {"status", {{"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
}

void RunFixture::RefillPods(const std::string& app, int ready) {
  int have = 0;
  for (const auto& [key, object] : store_.Snapshot()) {
    if (std::get<0>(key) == "pods" && kube::ObjectLabel(object, "app") == app && PodReady(object)) {
      ++have;
    }
  }
  for (; have < ready; ++have)
    store_.Put(kube::kPods, Pod(app + "-r" + std::to_string(++refills_), app));
}

RunnerDeps RunFixture::Deps() {
  return RunnerDeps{clock_,
                    sleeper_,
                    random_,
                    kube_,
                    &prometheus_,
                    &alerts_,
                    *log_,
                    *heal_log_,
                    observer_,
                    [this] { return paused_; },
                    [] { return true; },
                    [this](const std::string& target) { return target == remediating_; }};
}

ChaosRun RunFixture::Execute(const Experiment& e) {
  ChaosRun run;
  run.experiment = e.name;
  run.trigger = RunTrigger::kManual;
  run.started_at = clock_.Now();
  auto id = log_->Begin(run);
  EXPECT_TRUE(id.ok()) << id.status().ToString();
  run.id = id.ok() ? *id : 0;
  Runner runner(Deps(), options_);
  return runner.Execute(run, e, {});
}

void RunFixture::SetReady(const std::string& name, int ready) {
  nlohmann::json d = *store_.Find(kube::kDeployments, "shop", name);
  for (const char* field : {"readyReplicas", "availableReplicas", "updatedReplicas", "replicas"}) {
    d["status"][field] = ready;
  }
  store_.Put(kube::kDeployments, d);
}

void RunFixture::SetSpecReplicas(int replicas) {
  nlohmann::json d = Get(kube::kDeployments, "shop", "web");
  d["spec"]["replicas"] = replicas;
  store_.Put(kube::kDeployments, d);
}

int RunFixture::Replicas() { return Get(kube::kDeployments, "shop", "web")["spec"]["replicas"]; }

void RunFixture::Heal(const std::string& playbook, const std::string& target) {
  healing::HealRecord record;
  record.at = clock_.Now();
  record.alertname = "WebDown";
  record.playbook = playbook;
  record.target = target;
  record.step = 0;
  record.action = "scale";
  record.kind = healing::HealRecord::Kind::kAction;
  record.result = "done";
  ASSERT_TRUE(heal_log_->Append(record).ok());
}

nlohmann::json RunFixture::Get(const kube::Resource& r, const std::string& ns,
                               const std::string& name) {
  return store_.Find(r, ns, name).value_or(nlohmann::json());
}

}  // namespace rebound::controller::chaos
