// The status page (GET /) on real processes: kubesim (the Kubernetes API) and the real
// `rebound run`, which heals an alert whose alertname holds a <script> element. The page
// answers GET and HEAD with HTML that names the healed workload and shows the label as escaped
// text. With REBOUND_CHROMIUM set (ctest's StatusPageChromiumCheck), headless Chromium renders
// the page through tests/e2e/status_page_check.py and saves a phone-sized screenshot to
// REBOUND_STATUS_PAGE_SCREENSHOT.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/time_format.h"
#include "tests/support/heal_records.h"
#include "tests/support/kubesim_harness.h"
#include "tests/support/process.h"
#include "tests/support/rebound_daemon.h"

namespace rebound::testing::status_page_test {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kScenario[] = R"(
namespaces: [shop]
deployments:
  - {name: web, namespace: shop, replicas: 1}
)";

// Matches on a label of its own, so that the alertname can be anything.
constexpr char kPlaybook[] = R"(apiVersion: rebound.io/v1
kind: Playbook
metadata: {name: restart-web}
spec:
  match: ['team = "shop"']
  target: {kind: Deployment, namespace: "{{ labels.namespace }}", name: "{{ labels.deployment }}"}
  steps:
    - action: restart
      verify: {within: 2m}
)";

constexpr char kScriptLabel[] = "<script>alert(1)</script>";
constexpr char kTarget[] = "Deployment shop/web";

class StatusPageIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kubesim::testing::KubesimHarness::Options options;
    options.scenario = kScenario;
    ASSERT_TRUE(kubesim_.Start(options));
    RunCommand("mkdir -p " + dir_.File("playbooks"));
    WriteFile(dir_.File("playbooks/restart-web.yaml"), kPlaybook);
    daemon_ = std::make_unique<ReboundDaemon>(
        dir_, "kubernetes: { mode: kubeconfig, kubeconfig: " + kubesim_.Kubeconfig("") +
                  " }\n"
                  "playbooks: [ \"playbooks/*.yaml\" ]\n"
                  "healing: { verify_interval: 1s }\n");
    ASSERT_TRUE(daemon_->Start());
    starts_at_ = common::FormatRfc3339(common::Timestamp::FromTimePoint(
        std::chrono::floor<seconds>(std::chrono::system_clock::now())));
  }

  void Post(const std::string& status) {
    json alert = {
        {"status", status},
        {"labels",
         {{"alertname", kScriptLabel},
          {"team", "shop"},
          {"namespace", "shop"},
          {"deployment", "web"}}},
        {"annotations", json::object()},
        {"startsAt", starts_at_},
        {"endsAt", status == "firing" ? "0001-01-01T00:00:00Z"
                                      : common::FormatRfc3339(common::Timestamp::FromTimePoint(
                                            std::chrono::system_clock::now()))},
        {"generatorURL", ""},
        {"fingerprint", "web\"'<b>"}};
    auto response = daemon_->PostWebhook(
        json({{"version", "4"}, {"status", status}, {"receiver", "rebound"}, {"alerts", {alert}}})
            .dump());
    ASSERT_TRUE(response.ok() && response->status == 200)
        << (response.ok() ? response->body : response.status().ToString());
  }

  // Fires the alert, waits for the restart, resolves the alert and waits for the heal.
  void Heal() {
    Post("firing");
    ASSERT_TRUE(WaitForHealPathEnd(*daemon_, "action:restart:done", seconds(30), kTarget))
        << Failure();
    Post("resolved");
    ASSERT_TRUE(WaitForHealPathEnd(*daemon_, "outcome:healed", seconds(60), kTarget)) << Failure();
  }

  std::string Failure() {
    return "\npath: " + json(HealPath(*daemon_)).dump() + "\nrebound log:\n" +
           daemon_->process().Log();
  }

  TempDir dir_;
  kubesim::testing::KubesimHarness kubesim_;
  std::unique_ptr<ReboundDaemon> daemon_;
  std::string starts_at_;
};

TEST_F(StatusPageIntegrationTest, ShowsTheHealedTargetAndTheLabelAsEscapedText) {
  ASSERT_NO_FATAL_FAILURE(Heal());
  auto page = daemon_->Get("/");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->Header("content-type").value_or(""), "text/html; charset=utf-8");
  EXPECT_EQ(page->Header("cache-control").value_or(""), "no-store");
  const std::string& html = page->body;
  EXPECT_THAT(html, HasSubstr(R"(<meta http-equiv="refresh" content="5">)"));
  EXPECT_THAT(html, HasSubstr(kTarget));
  EXPECT_THAT(html, HasSubstr("restart-web"));
  EXPECT_THAT(html, HasSubstr(R"(<span class="ok">healed</span>)"));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(html, HasSubstr(R"(title="fingerprint web&quot;&#39;&lt;b&gt;")"));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, HasSubstr("no remediation in progress"));
  EXPECT_THAT(html, HasSubstr(R"(Kubernetes: <span class="ok">ok</span>)"));

  common::CurlHttpClient client;
  common::HttpClientRequest head;
  head.method = "HEAD";
  head.url = daemon_->Url("/");
  auto answer = client.Send(head);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->Header("content-type").value_or(""), "text/html; charset=utf-8");
  EXPECT_EQ(answer->body, "");
}

TEST_F(StatusPageIntegrationTest, RendersInHeadlessChromium) {
  const char* chromium = std::getenv("REBOUND_CHROMIUM");
  const char* screenshot = std::getenv("REBOUND_STATUS_PAGE_SCREENSHOT");
  if (chromium == nullptr || screenshot == nullptr) {
    GTEST_SKIP() << "REBOUND_CHROMIUM and REBOUND_STATUS_PAGE_SCREENSHOT are not set (ctest's "
                    "StatusPageChromiumCheck sets them)";
  }
  ASSERT_NO_FATAL_FAILURE(Heal());
  CommandResult check =
      RunCommand("python3 " + std::string(REBOUND_SOURCE_DIR) + "/tests/e2e/status_page_check.py " +
                 daemon_->Url("/") + " --chromium " + chromium + " --screenshot " + screenshot +
                 " --expect 'Deployment shop/web' --expect 'healed' --expect 'restart-web'"
                 " --expect '<script>alert(1)</script>' --expect 'no remediation in progress'"
                 " --forbid-selector script");
  EXPECT_EQ(check.exit_code, 0) << check.output;
}

}  // namespace
}  // namespace rebound::testing::status_page_test
