// A kubeconfig whose user is an exec credential plugin, against the real kubesim started with
// --token: Rebound's client (loading the kubeconfig as the daemon does) and kubectl both
// authenticate with the token the plugin prints.
#include <gtest/gtest.h>

#include "common/base64.h"
#include "common/http_client.h"
#include "common/random.h"
#include "common/sleeper.h"
#include "kube/kube_client_http.h"
#include "tests/fakes/fake_clock.h"
#include "tests/kube/plugin_script.h"
#include "tests/support/kubesim_harness.h"

namespace rebound::kube {
namespace {

using common::StatusCode;
using testing::PluginScript;

constexpr const char* kToken = "exec-plugin-token";

class ExecPluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(kubesim_.Start({.tls = true, .tokens = {kToken}}));
  }

  // A kubeconfig next to `plugin` that runs it by a path relative to the kubeconfig.
  std::string WriteKubeconfig(const PluginScript& plugin) {
    std::string ca = common::Base64Encode(testing::ReadFile(kubesim_.dir().File("ca.crt")));
    std::string path = plugin.dir().File("kubeconfig");
    testing::WriteFile(path, "apiVersion: v1\nkind: Config\ncurrent-context: sim\n"
                             "clusters:\n- name: sim\n  cluster:\n    server: " +
                                 kubesim_.url() + "\n    certificate-authority-data: " + ca +
                                 "\ncontexts:\n- name: sim\n  context: {cluster: sim, user: "
                                 "plugin-user}\nusers:\n- name: plugin-user\n  user:\n    exec:\n"
                                 "      apiVersion: client.authentication.k8s.io/v1\n"
                                 "      command: ./plugin\n      args: [get-token]\n"
                                 "      interactiveMode: Never\n");
    return path;
  }

  std::unique_ptr<KubeClientHttp> Client(const std::string& kubeconfig) {
    common::Result<KubeConnection> connection =
        LoadKubeconfig(kubeconfig, "", KubeEnvironment::System());
    EXPECT_TRUE(connection.ok()) << connection.status().ToString();
    if (!connection.ok()) return nullptr;
    KubeClientOptions options;
    options.request_timeout = std::chrono::seconds(5);
    return std::make_unique<KubeClientHttp>(
        std::move(*connection), KubeClientDeps{http_, clock_, sleeper_, random_, nullptr, {}},
        options);
  }

  static std::string PrintToken(const std::string& token) {
    return "printf '%s' '" + testing::CredentialJson(R"("token":")" + token + R"(")") + "'";
  }

  kubesim::testing::KubesimHarness kubesim_;
  common::CurlHttpClient http_;
  testing::FakeClock clock_;
  common::RealSleeper sleeper_;
  common::SystemRandom random_;
};

TEST_F(ExecPluginTest, RequestsAuthenticateWithThePluginToken) {
  PluginScript plugin(PrintToken(kToken));
  std::unique_ptr<KubeClientHttp> client = Client(WriteKubeconfig(plugin));
  ASSERT_NE(client, nullptr);
  common::Result<ObjectList> pods = client->List(kPods, "default", {});
  ASSERT_TRUE(pods.ok()) << pods.status().ToString() << "\n" << kubesim_.Log();
  ASSERT_TRUE(client->List(kDeployments, "default", {}).ok());
  EXPECT_EQ(plugin.Runs(), 1);
  EXPECT_EQ(plugin.Recorded("args"), "get-token\n");
}

TEST_F(ExecPluginTest, ARejectedTokenRunsThePluginOnceMoreThenReportsThe401) {
  PluginScript plugin(PrintToken("wrong-token"));
  std::unique_ptr<KubeClientHttp> client = Client(WriteKubeconfig(plugin));
  ASSERT_NE(client, nullptr);
  common::Status s = client->List(kPods, "default", {}).status();
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated) << s.ToString();
  EXPECT_EQ(plugin.Runs(), 2);
}

TEST_F(ExecPluginTest, KubectlWorksWithTheSameKubeconfig) {
  PluginScript plugin(PrintToken(kToken));
  std::string kubeconfig = WriteKubeconfig(plugin);
  testing::CommandResult result =
      testing::RunCommand("kubectl --kubeconfig " + kubeconfig + " --cache-dir " +
                          plugin.dir().File("cache") + " get pods -n default </dev/null 2>&1");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_GE(plugin.Runs(), 1);
}

}  // namespace
}  // namespace rebound::kube
