#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>

#include "controller/actions/action.h"
#include "tests/controller/actions/action_test_support.h"

namespace rebound::controller::actions {
namespace {

class NamedFactory final : public ActionFactory {
 public:
  explicit NamedFactory(std::vector<std::string> keys) : keys_(std::move(keys)) {}
  ActionTraits Traits() const override { return {}; }
  std::vector<std::string> Keys() const override { return keys_; }
  std::unique_ptr<Action> Create(const common::StrictMap&) const override { return nullptr; }

 private:
  std::vector<std::string> keys_;
};

TEST(ActionRegistryTest, FindsRegisteredFactoriesAndListsNamesSorted) {
  ActionRegistry registry;
  EXPECT_EQ(registry.Find("zap"), nullptr);
  registry.Register("zap", std::make_unique<NamedFactory>(std::vector<std::string>{"a"}));
  registry.Register("bump", std::make_unique<NamedFactory>(std::vector<std::string>{}));
  ASSERT_NE(registry.Find("zap"), nullptr);
  EXPECT_EQ(registry.Find("zap")->Keys(), std::vector<std::string>{"a"});
  EXPECT_EQ(registry.Names(), (std::vector<std::string>{"bump", "zap"}));
}

TEST(ActionRegistryTest, SecondRegistrationReplacesTheFirst) {
  ActionRegistry registry;
  registry.Register("zap", std::make_unique<NamedFactory>(std::vector<std::string>{"a"}));
  registry.Register("zap", std::make_unique<NamedFactory>(std::vector<std::string>{"b"}));
  EXPECT_EQ(registry.Find("zap")->Keys(), std::vector<std::string>{"b"});
  EXPECT_EQ(registry.Names().size(), 1u);
}

TEST(ActionRegistryTest, BuiltinsAreRegisteredWithTheirKeys) {
  ActionRegistry registry;
  RegisterBuiltinActions(registry);
  EXPECT_EQ(registry.Names(), (std::vector<std::string>{"cordon", "delete_pod", "notify", "restart",
                                                        "rollback", "scale", "wait", "webhook"}));
  EXPECT_EQ(registry.Find("scale")->Keys(), (std::vector<std::string>{"replicas", "min", "max"}));
  EXPECT_EQ(registry.Find("delete_pod")->Keys(), (std::vector<std::string>{"pod", "count"}));
  EXPECT_TRUE(registry.Find("restart")->Keys().empty());
}

// Healing decides from these traits, never from action names: a wrong one would mark, cap and
// verify a notification, or leave a restart unverified.
TEST(ActionRegistryTest, EveryBuiltinDeclaresWhetherItChangesTheClusterAndTellsPeople) {
  ActionRegistry registry;
  RegisterBuiltinActions(registry);
  const std::map<std::string, std::pair<bool, bool>> want = {
      // name: {changes_cluster, tells_people}
      {"cordon", {true, false}},  {"delete_pod", {true, false}}, {"notify", {false, true}},
      {"restart", {true, false}}, {"rollback", {true, false}},   {"scale", {true, false}},
      {"wait", {false, false}},   {"webhook", {false, false}},
  };
  ASSERT_EQ(registry.Names().size(), want.size()) << "a new built-in needs a row here";
  for (const std::string& name : registry.Names()) {
    ASSERT_TRUE(want.contains(name)) << name << " needs a row here";
    const ActionTraits traits = registry.Find(name)->Traits();
    EXPECT_EQ(traits.changes_cluster, want.at(name).first) << name;
    EXPECT_EQ(traits.tells_people, want.at(name).second) << name;
  }
}

TEST(OutcomeNameTest, NamesEveryOutcome) {
  EXPECT_EQ(OutcomeName(ActionResult::Outcome::kDone), "done");
  EXPECT_EQ(OutcomeName(ActionResult::Outcome::kDryRun), "dry_run");
  EXPECT_EQ(OutcomeName(ActionResult::Outcome::kNoop), "noop");
  EXPECT_EQ(OutcomeName(ActionResult::Outcome::kRefused), "refused");
  EXPECT_EQ(OutcomeName(ActionResult::Outcome::kFailed), "failed");
}

TEST(TargetTest, ResourceAndToString) {
  Target target;
  target.kind = "StatefulSet";
  target.ns = "shop";
  target.name = "db";
  EXPECT_EQ(target.resource(), kube::kStatefulSets);
  EXPECT_EQ(target.ToString(), "StatefulSet shop/db");
  target.kind = "Deployment";
  EXPECT_EQ(target.resource(), kube::kDeployments);
  EXPECT_EQ(WorkloadResource("DaemonSet"), nullptr);
}

using DescribeTest = ActionTest;

TEST_F(DescribeTest, OneReadableLinePerStep) {
  const std::pair<const char*, const char*> cases[] = {
      {"action: restart", "rollout restart"},
      {"action: delete_pod", "delete the least healthy pod"},
      {"action: delete_pod\ncount: 2", "delete the 2 least healthy pods"},
      {"action: delete_pod\npod: '{{ labels.pod }}'", "delete pod {{ labels.pod }}"},
      {"action: scale\nreplicas: '+1'\nmax: 10", "scale +1 (max 10)"},
      {"action: scale\nreplicas: 5", "scale to 5"},
      {"action: scale\nreplicas: x1.5\nmin: 2\nmax: 10", "scale x1.5 (min 2, max 10)"},
      {"action: rollback", "roll back to the previous revision"},
      {"action: cordon\nnode: '{{ labels.node }}'", "cordon node {{ labels.node }}"},
      {"action: notify\nmessage: hi", "notify: hi"},
      {"action: notify\nmessage: help\nescalate: true", "escalate: help"},
      {"action: webhook\nurl: https://u:p@hooks.example.com/T0/secret?k=v",
       "POST to https://hooks.example.com"},
      {"action: wait\nduration: 90s", "wait 1m30s"},
  };
  for (const auto& [yaml, want] : cases) {
    std::unique_ptr<Action> action = Create(yaml);
    ASSERT_NE(action, nullptr) << yaml;
    EXPECT_EQ(action->Describe(), want) << yaml;
  }
}

TEST_F(DescribeTest, TemplatesAreListedForTheLoader) {
  EXPECT_TRUE(Create("action: restart")->Templates().empty());
  std::unique_ptr<Action> webhook =
      Create("action: webhook\nurl: 'https://x/{{ labels.namespace }}'\nbody: '{{ target }}'");
  ASSERT_EQ(webhook->Templates().size(), 2u);
  EXPECT_EQ(webhook->Templates()[0]->variables(), std::vector<std::string>{"labels.namespace"});
  EXPECT_EQ(webhook->Templates()[1]->variables(), std::vector<std::string>{"target"});
  EXPECT_EQ(Create("action: cordon\nnode: '{{ labels.node }}'")->Templates().size(), 1u);
}

}  // namespace
}  // namespace rebound::controller::actions
