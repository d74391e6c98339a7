#include "kube/exec_credential.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/fakes/fake_clock.h"
#include "tests/kube/plugin_script.h"

namespace rebound::kube {
namespace {

using common::StatusCode;
using std::chrono::milliseconds;
using std::chrono::minutes;
using testing::CredentialJson;
using testing::PluginScript;

// Prints a token that names the run ("tok-1", "tok-2", ...) with `status_extra` members added.
std::string PrintToken(const std::string& status_extra = "") {
  return "printf '%s' '" + CredentialJson(R"("token":"tok-'$n'")" + status_extra) + "'";
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ExecCredentialTest, TokenIsCachedUntilItExpires) {
  PluginScript plugin(PrintToken(R"(,"expirationTimestamp":"2026-01-01T00:10:00Z")"));
  ExecCredentialPlugin exec(plugin.Config());
  testing::FakeClock clock;  // 2026-01-01T00:00:00Z

  common::Result<ExecCredential> first = exec.Get(clock);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->token, "tok-1");
  EXPECT_TRUE(first->client_cert_pem.empty());
  ASSERT_TRUE(first->expiry.has_value());
  EXPECT_EQ(*first->expiry, std::chrono::sys_days{std::chrono::year{2026} / 1 / 1} + minutes(10));

  clock.Advance(minutes(9));
  EXPECT_EQ(exec.Get(clock)->token, "tok-1");
  EXPECT_EQ(plugin.Runs(), 1);

  clock.Advance(minutes(1));  // at the expiry: run again
  EXPECT_EQ(exec.Get(clock)->token, "tok-2");
  EXPECT_EQ(plugin.Runs(), 2);
  EXPECT_EQ(exec.runs(), 2u);
}

TEST(ExecCredentialTest, CredentialWithoutExpiryIsKeptForever) {
  PluginScript plugin(PrintToken());
  ExecCredentialPlugin exec(plugin.Config());
  testing::FakeClock clock;
  ASSERT_TRUE(exec.Get(clock).ok());
  clock.Advance(std::chrono::hours(24 * 365));
  EXPECT_EQ(exec.Get(clock)->token, "tok-1");
  EXPECT_EQ(plugin.Runs(), 1);
}

TEST(ExecCredentialTest, InvalidateRunsThePluginAgainOnlyForTheRejectedCredential) {
  PluginScript plugin(PrintToken());
  ExecCredentialPlugin exec(plugin.Config());
  testing::FakeClock clock;
  common::Result<ExecCredential> first = exec.Get(clock);
  ASSERT_TRUE(first.ok());
  exec.Invalidate(first->generation);
  common::Result<ExecCredential> second = exec.Get(clock);
  EXPECT_EQ(second->token, "tok-2");
  // A caller still holding the first credential reports its 401 late: the fresh one stays.
  exec.Invalidate(first->generation);
  EXPECT_EQ(exec.Get(clock)->token, "tok-2");
  EXPECT_EQ(plugin.Runs(), 2);
}

TEST(ExecCredentialTest, ClientCertificateCredential) {
  PluginScript plugin(
      "printf '%s' '" +
      CredentialJson(R"("clientCertificateData":"-----BEGIN CERTIFICATE-----\nC\n",)"
                     R"("clientKeyData":"-----BEGIN PRIVATE KEY-----\nK\n")") +
      "'");
  ExecCredentialPlugin exec(plugin.Config());
  testing::FakeClock clock;
  common::Result<ExecCredential> credential = exec.Get(clock);
  ASSERT_TRUE(credential.ok()) << credential.status().ToString();
  EXPECT_EQ(credential->token, "");
  EXPECT_EQ(credential->client_cert_pem, "-----BEGIN CERTIFICATE-----\nC\n");
  EXPECT_EQ(credential->client_key_pem, "-----BEGIN PRIVATE KEY-----\nK\n");
}

TEST(ExecCredentialTest, ArgsEnvAndExecInfoArePassed) {
  PluginScript plugin(PrintToken());
  ExecConfig config = plugin.Config();
  config.args = {"eks", "get-token", "--cluster-name", "two words"};
  config.env = {{"AWS_PROFILE", "prod"}, {"SHARED", "from-kubeconfig"}};
  config.base_env.push_back("SHARED=from-process");
  config.base_env.push_back("KEPT=yes");
  ExecCredentialPlugin exec(config);
  testing::FakeClock clock;
  ASSERT_TRUE(exec.Get(clock).ok());

  EXPECT_EQ(plugin.Recorded("args"), "eks\nget-token\n--cluster-name\ntwo words\n");
  std::string env = plugin.Recorded("env");
  EXPECT_TRUE(Contains(env, "AWS_PROFILE=prod\n")) << env;
  EXPECT_TRUE(Contains(env, "SHARED=from-kubeconfig\n")) << env;
  EXPECT_FALSE(Contains(env, "SHARED=from-process")) << env;
  EXPECT_TRUE(Contains(env, "KEPT=yes\n")) << env;
  nlohmann::json info = nlohmann::json::parse(plugin.Recorded("info"), nullptr, false);
  EXPECT_EQ(info, (nlohmann::json{{"apiVersion", testing::kExecV1},
                                  {"kind", "ExecCredential"},
                                  {"spec", {{"interactive", false}}}}))
      << plugin.Recorded("info");
}

TEST(ExecCredentialTest, BareCommandIsFoundThroughPath) {
  PluginScript plugin(PrintToken(), "my-auth-plugin");
  ExecConfig config = plugin.Config();
  config.command = "my-auth-plugin";
  config.search_path = "/nonexistent:" + plugin.dir().path() + ":/usr/bin";
  ExecCredentialPlugin exec(config);
  testing::FakeClock clock;
  common::Result<ExecCredential> credential = exec.Get(clock);
  ASSERT_TRUE(credential.ok()) << credential.status().ToString();
  EXPECT_EQ(credential->token, "tok-1");
}

TEST(ExecCredentialTest, RelativeCommandIsResolvedAgainstTheKubeconfigFolder) {
  PluginScript plugin(PrintToken(), "plugin");
  std::filesystem::create_directories(plugin.dir().File("kube"));
  ExecConfig config = plugin.Config();
  config.command = "../plugin";
  config.base_dir = plugin.dir().File("kube");
  config.search_path = "";
  ExecCredentialPlugin exec(config);
  testing::FakeClock clock;
  common::Result<ExecCredential> credential = exec.Get(clock);
  ASSERT_TRUE(credential.ok()) << credential.status().ToString();
  EXPECT_EQ(credential->token, "tok-1");
}

TEST(ExecCredentialTest, FailingPluginReportsCommandExitStatusAndStderr) {
  PluginScript plugin("echo 'error: token expired, run aws sso login' >&2; exit 3");
  ExecCredentialPlugin exec(plugin.Config());
  testing::FakeClock clock;
  common::Status s = exec.Get(clock).status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "exec credential plugin \"" + plugin.path() +
                             "\": exited with status 3: error: token expired, run aws sso login");
  // Failures are not cached: the next request tries again.
  EXPECT_FALSE(exec.Get(clock).ok());
  EXPECT_EQ(plugin.Runs(), 2);
}

TEST(ExecCredentialTest, MissingCommandShowsTheInstallHint) {
  PluginScript plugin(PrintToken());
  ExecConfig config = plugin.Config();
  config.command = "gke-gcloud-auth-plugin";
  config.search_path = plugin.dir().path();
  config.install_hint = "Install gke-gcloud-auth-plugin for use with kubectl by following\n"
                        "https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access\n";
  ExecCredentialPlugin exec(config);
  testing::FakeClock clock;
  common::Status s = exec.Get(clock).status();
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_TRUE(Contains(s.message(), "exec credential plugin \"gke-gcloud-auth-plugin\": command "
                                    "not found in PATH (" +
                                        plugin.dir().path() + "); Install gke-gcloud-auth-plugin"))
      << s.message();
  EXPECT_TRUE(Contains(s.message(), "cluster-access")) << s.message();

  config.command = "./absent-plugin";
  config.base_dir = plugin.dir().path();
  s = ExecCredentialPlugin(config).Get(clock).status();
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_TRUE(Contains(s.message(), plugin.dir().File("absent-plugin") +
                                        " does not exist or is not executable; Install"))
      << s.message();
}

TEST(ExecCredentialTest, MalformedOutputIsAClearErrorThatNeverQuotesTheOutput) {
  testing::FakeClock clock;
  struct Case {
    std::string output;
    std::string expected;
  };
  const Case cases[] = {
      {"not json secret-ish", "its output is not a JSON object (19 bytes on stdout)"},
      {R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"Pod","status":{"token":"s"}})",
       "its output has kind \"Pod\", expected ExecCredential"},
      {R"({"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential"})",
       "its output has apiVersion \"client.authentication.k8s.io/v1beta1\", expected "
       "\"client.authentication.k8s.io/v1\""},
      {CredentialJson(""), "status has neither a token nor clientCertificateData"},
      {CredentialJson(R"("clientCertificateData":"C")"),
       "clientCertificateData without clientKeyData"},
      {CredentialJson(R"("token":"s","expirationTimestamp":"tomorrow")"),
       "status.expirationTimestamp: "},
  };
  for (const Case& c : cases) {
    PluginScript plugin("printf '%s' '" + c.output + "'");
    common::Status s = ExecCredentialPlugin(plugin.Config()).Get(clock).status();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.output;
    EXPECT_TRUE(Contains(s.message(), "exec credential plugin \"" + plugin.path() + "\": "))
        << s.message();
    EXPECT_TRUE(Contains(s.message(), c.expected)) << s.message();
    EXPECT_FALSE(Contains(s.message(), "secret-ish")) << s.message();
  }
}

// True once `pid` is gone (or a zombie nobody waits for).
bool Gone(pid_t pid) {
  if (kill(pid, 0) != 0) return true;
  std::string stat = testing::ReadFile("/proc/" + std::to_string(pid) + "/stat");
  size_t close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z';
}

TEST(ExecCredentialTest, HangingPluginIsKilledAtTheTimeout) {
  // The script starts a child that holds stdout open, as a real plugin's helper might.
  PluginScript plugin("echo waiting for the browser >&2; sleep 60 & echo $! > \"$d/child\"; wait");
  ExecConfig config = plugin.Config();
  config.timeout = milliseconds(300);
  ExecCredentialPlugin exec(config);
  testing::FakeClock clock;
  const auto start = std::chrono::steady_clock::now();
  common::Status s = exec.Get(clock).status();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  EXPECT_EQ(s.code(), StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(Contains(s.message(), "did not finish within 300 ms and was killed: waiting for "
                                    "the browser"))
      << s.message();
  std::string child = plugin.Recorded("child");
  ASSERT_FALSE(child.empty());
  EXPECT_TRUE(testing::WaitFor([&] { return Gone(std::stoi(child)); }, std::chrono::seconds(10)))
      << "the plugin's child " << child << " is still running";
}

TEST(ExecCredentialTest, ConcurrentCallersShareOneRun) {
  PluginScript plugin("sleep 0.2; " + PrintToken());
  ExecCredentialPlugin exec(plugin.Config());
  testing::FakeClock clock;
  std::vector<std::string> tokens(6);
  std::vector<std::thread> threads;
  for (std::string& token : tokens) {
    threads.emplace_back([&] {
      common::Result<ExecCredential> credential = exec.Get(clock);
      token = credential.ok() ? credential->token : credential.status().message();
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::string& token : tokens) EXPECT_EQ(token, "tok-1");
  EXPECT_EQ(plugin.Runs(), 1);
}

}  // namespace
}  // namespace rebound::kube
