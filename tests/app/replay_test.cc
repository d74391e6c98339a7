#include "app/replay.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "kube/memory_kube_client.h"
#include "kube/resource.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/process.h"
#include "tests/support/test_data.h"

namespace rebound::app {
namespace {

using ::testing::HasSubstr;

const std::string kReplayTestData = std::string(REBOUND_SOURCE_DIR) + "/tests/app/testdata";

class ReplayTest : public ::testing::Test {
 protected:
  ReplayTest() {
    options_.playbook_patterns = {"crashloop.yaml"};
    options_.base_dir = kReplayTestData;
    options_.payload_file = testing::TestDataPath("alertmanager/grouped-truncated-firing.json");
    options_.clock = &clock_;
  }

  int Replay() {
    std::ostringstream out;
    std::ostringstream err;
    int code = RunReplay(options_, out, err);
    out_ = out.str();
    err_ = err.str();
    return code;
  }

  void PutWeb() {
    store_.Put(kube::kDeployments,
               {{"metadata", {{"name", "web"}, {"namespace", "shop"}}},
                {"spec",
                 {{"replicas", 3},
                  {"selector", {{"matchLabels", {{"app", "web"}}}}},
                  {"template", {{"metadata", {{"labels", {{"app", "web"}}}}}}}}},
                {"status", {{"replicas", 3}, {"readyReplicas", 3}, {"updatedReplicas", 3}}}});
  }

  testing::FakeClock clock_;
  kube::MemoryKubeStore store_;
  kube::MemoryKubeClient kube_{store_};
  ReplayOptions options_;
  std::string out_;
  std::string err_;
};

TEST_F(ReplayTest, PrintsThePlanForEveryAlertAgainstTheClusterAndChangesNothing) {
  PutWeb();
  const auto before = store_.Snapshot();
  options_.kube = &kube_;

  EXPECT_EQ(Replay(), 0) << err_;

  EXPECT_EQ(err_, "");
  EXPECT_THAT(out_, HasSubstr("Replay of " + options_.payload_file +
                              ": 2 alerts for receiver rebound, 1 playbooks. Dry run: nothing "
                              "is changed.\n"));
  EXPECT_THAT(out_, ::testing::Not(HasSubstr("empty cluster")));
  EXPECT_THAT(out_, HasSubstr("KubePodCrashLooping {container=\"web\", deployment=\"web\", "
                              "namespace=\"shop\", pod=\"web-7d9f8b6c5-abcde\", "
                              "severity=\"warning\"}\n"
                              "  playbook crashloop → Deployment shop/web\n"
                              "    1. restart: would restart Deployment shop/web\n"));
  EXPECT_THAT(out_, HasSubstr("pod=\"web-7d9f8b6c5-fghij\""));
  EXPECT_THAT(out_, HasSubstr("  slack (action): Dry run: would restart Deployment shop/web"));
  EXPECT_EQ(store_.Snapshot(), before);
  for (const std::string& call : kube_.calls()) {
    EXPECT_TRUE(call.rfind("get ", 0) == 0 || call.rfind("list ", 0) == 0) << call;
  }
}

TEST_F(ReplayTest, WithoutAClusterItSaysSoAndFindsNoTarget) {
  EXPECT_EQ(Replay(), 0) << err_;
  EXPECT_THAT(out_, HasSubstr("No Kubernetes cluster is configured: planning against an empty "
                              "cluster.\n"));
  EXPECT_THAT(out_, HasSubstr("No Prometheus is configured.\n"));
  EXPECT_THAT(out_, HasSubstr("  playbook crashloop\n    refused (target_not_found): "));
}

TEST_F(ReplayTest, GuardrailsApply) {
  PutWeb();
  options_.kube = &kube_;
  options_.guardrails.protected_namespaces = {"shop"};
  EXPECT_EQ(Replay(), 0) << err_;
  EXPECT_THAT(out_, HasSubstr("    refused (protected_namespace): namespace shop is protected"));
}

TEST_F(ReplayTest, ResolvedAlertsHaveNothingToDo) {
  options_.payload_file = testing::TestDataPath("alertmanager/resolved.json");
  EXPECT_EQ(Replay(), 0) << err_;
  EXPECT_THAT(out_, HasSubstr("DemoServiceDown {action=\"restart\", instance=\"127.0.0.1:19100\", "
                              "job=\"demo\", service=\"demo\", severity=\"critical\"}\n"
                              "  resolved: nothing to do\n"));
}

TEST_F(ReplayTest, BadPayloadsAreReportedWithTheFileName) {
  rebound::testing::TempDir dir;
  options_.payload_file = dir.File("payload.json");
  rebound::testing::WriteFile(options_.payload_file, R"({"version": "3", "alerts": []})");
  EXPECT_EQ(Replay(), 2);
  EXPECT_THAT(err_, ::testing::StartsWith(options_.payload_file + ": version"));
  EXPECT_EQ(out_, "");

  options_.payload_file = dir.File("missing.json");
  EXPECT_EQ(Replay(), 2);
  EXPECT_EQ(err_, options_.payload_file + ": cannot read the file\n");
}

TEST_F(ReplayTest, PlaybookErrorsStopTheReplay) {
  options_.playbook_patterns = {"no-such-playbooks.yaml"};
  EXPECT_EQ(Replay(), 2);
  EXPECT_THAT(err_, HasSubstr("no-such-playbooks.yaml"));
  EXPECT_EQ(out_, "");
}

}  // namespace
}  // namespace rebound::app
