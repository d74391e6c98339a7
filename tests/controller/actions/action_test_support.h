// ActionTest: the fixture the action tests share — a fake cluster (FakeKubeStore), clock,
// sleeper, HTTP client and a recording Notifier behind an ActionContext, the built-in
// registry to create actions from step YAML, and builders for the objects actions read.
// Also ForwardingKubeClient, to make one call of the fake misbehave. Single-threaded use.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stop_token>
#include <string>
#include <vector>

#include "common/yaml_util.h"
#include "controller/actions/action.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http_client.h"
#include "tests/fakes/fake_kube_client.h"
#include "tests/fakes/fake_notifier.h"
#include "tests/fakes/fake_sleeper.h"

namespace rebound::controller::actions {

using RecordingNotifier = rebound::testing::RecordingNotifier;

// Forwards every call to `inner`; a test overrides the one it wants to change.
class ForwardingKubeClient : public kube::KubeClient {
 public:
  explicit ForwardingKubeClient(kube::KubeClient& inner) : inner_(inner) {}
  common::Result<nlohmann::json> Get(const kube::Resource& r, std::string_view ns,
                                     std::string_view name) override {
    return inner_.Get(r, ns, name);
  }
  common::Result<kube::ObjectList> List(const kube::Resource& r, std::string_view ns,
                                        const kube::ListOptions& options) override {
    return inner_.List(r, ns, options);
  }
  common::Result<nlohmann::json> Patch(const kube::Resource& r, std::string_view ns,
                                       std::string_view name, kube::PatchType type,
                                       const nlohmann::json& patch) override {
    return inner_.Patch(r, ns, name, type, patch);
  }
  common::Result<kube::Scale> GetScale(const kube::Resource& r, std::string_view ns,
                                       std::string_view name) override {
    return inner_.GetScale(r, ns, name);
  }
  common::Result<kube::Scale> UpdateScale(const kube::Resource& r,
                                          const kube::Scale& scale) override {
    return inner_.UpdateScale(r, scale);
  }
  common::Status DeletePod(std::string_view ns, std::string_view name,
                           const kube::DeleteOptions& options) override {
    return inner_.DeletePod(ns, name, options);
  }
  common::Result<nlohmann::json> CreateEvent(std::string_view ns,
                                             const nlohmann::json& event) override {
    return inner_.CreateEvent(ns, event);
  }
  common::Result<kube::Lease> GetLease(std::string_view ns, std::string_view name) override {
    return inner_.GetLease(ns, name);
  }
  common::Result<kube::Lease> CreateLease(const kube::Lease& lease) override {
    return inner_.CreateLease(lease);
  }
  common::Result<kube::Lease> UpdateLease(const kube::Lease& lease) override {
    return inner_.UpdateLease(lease);
  }

 private:
  kube::KubeClient& inner_;
};

class ActionTest : public ::testing::Test {
 protected:
  static constexpr const char* kNs = "shop";

  ActionTest() {
    RegisterBuiltinActions(registry_);
    target_.kind = "Deployment";
    target_.ns = kNs;
    target_.name = "web";
    vars_.SetLabels({{"alertname", "WebDown"}, {"namespace", kNs}, {"node", "n1"}});
    vars_.Set("alert.name", "WebDown");
    vars_.Set("target", std::string(kNs) + "/web");
    vars_.Set("playbook", "heal-web");
    notification_.thread_key = "WebDown shop/web";
    notification_.text = "WebDown fired; playbook heal-web";
  }

  // The action for a step given as YAML; fails the test when the step has errors.
  std::unique_ptr<Action> Create(const std::string& yaml) {
    std::vector<std::string> errors;
    std::unique_ptr<Action> action = CreateStep(yaml, errors);
    EXPECT_TRUE(errors.empty()) << ::testing::PrintToString(errors);
    EXPECT_NE(action, nullptr) << yaml;
    return action;
  }

  // The errors of a step's parameters, as "line:col: message"; also checks that the factory
  // refused to create an action exactly when there were errors.
  std::vector<std::string> CheckErrors(const std::string& yaml) {
    std::vector<std::string> errors;
    std::unique_ptr<Action> action = CreateStep(yaml, errors);
    EXPECT_EQ(action == nullptr, !errors.empty()) << yaml;
    return errors;
  }

  ActionResult Run(const Action& action, bool dry_run = false) {
    return RunWith(action, kube_, dry_run);
  }
  ActionResult RunWith(const Action& action, kube::KubeClient& kube, bool dry_run = false) {
    return action.Run(Context(kube, dry_run));
  }
  // Sets plan_, which later runs use, to what `action` plans now.
  nlohmann::json Plan(const Action& action) {
    plan_ = nullptr;
    plan_ = action.Plan(Context(kube_, false));
    return plan_;
  }
  ActionContext Context(kube::KubeClient& kube, bool dry_run) {
    return ActionContext{.target = target_,
                         .vars = vars_,
                         .limits = limits_,
                         .dry_run = dry_run,
                         .kube = kube,
                         .http = http_,
                         .notifier = notifier_,
                         .notification = notification_,
                         .clock = clock_,
                         .sleeper = sleeper_,
                         .stop = stop_.get_token(),
                         .plan = &plan_};
  }

  // The calls that change something (patch, update, delete, create).
  std::vector<std::string> Writes() const {
    std::vector<std::string> writes;
    for (const std::string& call : kube_.calls()) {
      for (const char* verb : {"patch ", "update ", "delete ", "create "}) {
        if (call.starts_with(verb)) writes.push_back(call);
      }
    }
    return writes;
  }

  // A Deployment (app=<name>) whose single container runs `image`.
  nlohmann::json PutDeployment(const std::string& name, int replicas, const std::string& image) {
    nlohmann::json d;
    d["metadata"] = {{"name", name}, {"namespace", kNs}, {"labels", {{"app", name}}}};
    d["spec"]["replicas"] = replicas;
    d["spec"]["selector"]["matchLabels"] = {{"app", name}};
    d["spec"]["template"] = PodTemplate(name, image);
    return store_.Put(kube::kDeployments, d);
  }

  nlohmann::json PutStatefulSet(const std::string& name, int replicas) {
    nlohmann::json s;
    s["metadata"] = {{"name", name}, {"namespace", kNs}};
    s["spec"]["replicas"] = replicas;
    s["spec"]["selector"]["matchLabels"] = {{"app", name}};
    s["spec"]["template"] = PodTemplate(name, "db:1");
    return store_.Put(kube::kStatefulSets, s);
  }

  // A ReplicaSet of `deployment` at `revision`, running `image`.
  nlohmann::json PutReplicaSet(const nlohmann::json& deployment, const std::string& hash,
                               int revision, const std::string& image) {
    const std::string app = kube::ObjectName(deployment);
    nlohmann::json rs;
    rs["metadata"] = {
        {"name", app + "-" + hash},
        {"namespace", kNs},
        {"labels", {{"app", app}, {"pod-template-hash", hash}}},
        {"annotations", {{"deployment.kubernetes.io/revision", std::to_string(revision)}}},
        {"ownerReferences", {OwnerRef(deployment)}}};
    rs["spec"]["selector"]["matchLabels"] = {{"app", app}, {"pod-template-hash", hash}};
    rs["spec"]["template"] = PodTemplate(app, image);
    rs["spec"]["template"]["metadata"]["labels"]["pod-template-hash"] = hash;
    return store_.Put(kube::kReplicaSets, rs);
  }

  // A pod controlled by `owner` (a ReplicaSet or StatefulSet), labelled like it.
  nlohmann::json PutPod(const nlohmann::json& owner, const std::string& name, bool ready,
                        int restarts, bool terminating = false) {
    nlohmann::json pod;
    pod["metadata"] = {{"name", name},
                       {"namespace", kNs},
                       {"labels", owner["spec"]["template"]["metadata"]["labels"]},
                       {"ownerReferences", {OwnerRef(owner)}}};
    if (terminating) pod["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
    pod["status"]["conditions"] = {{{"type", "Ready"}, {"status", ready ? "True" : "False"}}};
    pod["status"]["containerStatuses"] = {{{"name", "app"}, {"restartCount", restarts}}};
    return store_.Put(kube::kPods, pod);
  }

  nlohmann::json PutNode(const std::string& name, bool ready, bool unschedulable = false,
                         bool cordoned_by_rebound = false) {
    nlohmann::json node;
    node["metadata"]["name"] = name;
    if (cordoned_by_rebound) node["metadata"]["annotations"]["rebound.io/cordoned-by"] = "rebound";
    if (unschedulable) node["spec"]["unschedulable"] = true;
    node["status"]["conditions"] = {{{"type", "Ready"}, {"status", ready ? "True" : "False"}}};
    return store_.Put(kube::kNodes, node);
  }

  nlohmann::json PutPodDisruptionBudget(const std::string& name, const std::string& app,
                                        int disruptions_allowed) {
    nlohmann::json pdb;
    pdb["metadata"] = {{"name", name}, {"namespace", kNs}};
    pdb["spec"]["selector"]["matchLabels"] = {{"app", app}};
    pdb["status"]["disruptionsAllowed"] = disruptions_allowed;
    return store_.Put(kube::kPodDisruptionBudgets, pdb);
  }

  testing::FakeKubeStore store_;
  testing::FakeKubeClient kube_{store_};
  testing::FakeClock clock_;
  testing::FakeSleeper sleeper_{clock_};
  testing::FakeHttpClient http_;
  RecordingNotifier notifier_;
  templates::TemplateContext vars_;
  BlastRadius limits_;
  notify::Notification notification_;
  Target target_;
  std::stop_source stop_;
  nlohmann::json plan_;  // the plan runs get (null: none)
  ActionRegistry registry_;

 private:
  static nlohmann::json PodTemplate(const std::string& app, const std::string& image) {
    nlohmann::json t;
    t["metadata"]["labels"] = {{"app", app}};
    t["spec"]["containers"] = {{{"name", "app"}, {"image", image}}};
    return t;
  }

  static nlohmann::json OwnerRef(const nlohmann::json& owner) {
    return {{"apiVersion", owner["apiVersion"]},
            {"kind", owner["kind"]},
            {"name", kube::ObjectName(owner)},
            {"uid", kube::ObjectUid(owner)},
            {"controller", true}};
  }

  std::unique_ptr<Action> CreateStep(const std::string& yaml, std::vector<std::string>& out) {
    common::YamlErrors errors("playbook.yaml");
    std::optional<YAML::Node> node = common::ParseYaml(yaml, errors);
    std::unique_ptr<Action> action;
    if (node) {
      const std::string name = (*node)["action"].as<std::string>("");
      const ActionFactory* factory = registry_.Find(name);
      if (factory == nullptr) {
        ADD_FAILURE() << "no action " << name;
        return nullptr;
      }
      std::vector<std::string> keys = factory->Keys();
      keys.push_back("action");
      keys.push_back("verify");
      common::StrictMap step(*node, "steps[0]", keys, errors);
      action = factory->Create(step);
    }
    for (const common::YamlError& e : errors.Sorted()) {
      out.push_back(std::to_string(e.line) + ":" + std::to_string(e.column) + ": " + e.message);
    }
    return action;
  }
};

}  // namespace rebound::controller::actions
