#include "kube/kube_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <regex>

#include "common/base64.h"
#include "tests/support/process.h"

namespace rebound::kube {
namespace {

using common::StatusCode;
using testing::TempDir;
using testing::WriteFile;

// A KubeEnvironment over a map, with the service-account folder inside `dir`.
KubeEnvironment Env(const TempDir& dir, std::map<std::string, std::string> vars) {
  KubeEnvironment env;
  env.getenv = [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  env.service_account_dir = dir.File("sa");
  return env;
}

void WriteServiceAccount(const TempDir& dir) {
  std::filesystem::create_directories(dir.File("sa"));
  WriteFile(dir.File("sa/token"), "sa-token\n");
  WriteFile(dir.File("sa/ca.crt"), "-----BEGIN CERTIFICATE-----\n");
  WriteFile(dir.File("sa/namespace"), "rebound");
}

const std::map<std::string, std::string> kInClusterVars = {{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                                                           {"KUBERNETES_SERVICE_PORT", "443"}};

constexpr const char* kKubeconfig = R"(apiVersion: v1
kind: Config
preferences: {}
current-context: kind
clusters:
- name: kind
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==
- name: staging
  cluster:
    server: https://staging.example:443
    certificate-authority: certs/ca.crt
- name: lab
  cluster:
    server: http://127.0.0.1:8080
    insecure-skip-tls-verify: true
users:
- name: kind-admin
  user:
    token: kind-token
- name: staging-user
  user:
    client-certificate: certs/client.crt
    client-key: /ABSOLUTE/client.key
- name: data-user
  user:
    client-certificate-data: Y2VydA==
    client-key-data: a2V5
- name: file-token
  user:
    tokenFile: token.txt
contexts:
- name: kind
  context: {cluster: kind, user: kind-admin, namespace: shop}
- name: staging
  context: {cluster: staging, user: staging-user}
- name: lab
  context: {cluster: lab, user: data-user}
- name: lab-token
  context: {cluster: lab, user: file-token}
- name: anonymous
  context: {cluster: lab}
)";

// Writes kKubeconfig (with its referenced files) as dir/kube/config.
std::string WriteKubeconfig(const TempDir& dir) {
  std::filesystem::create_directories(dir.File("kube/certs"));
  WriteFile(dir.File("kube/certs/ca.crt"), "ca");
  WriteFile(dir.File("kube/certs/client.crt"), "cert");
  WriteFile(dir.File("client.key"), "key");
  WriteFile(dir.File("kube/token.txt"), "file-token-1\n");
  std::string text = kKubeconfig;
  text.replace(text.find("/ABSOLUTE"), 9, dir.path());
  WriteFile(dir.File("kube/config"), text);
  return dir.File("kube/config");
}

common::Result<KubeConnection> Load(const std::string& path, const std::string& context,
                                    const TempDir& dir) {
  return LoadKubeconfig(path, context, Env(dir, {}));
}

// Loads a kubeconfig with `text` and expects an error containing `expected`.
common::Status LoadError(const std::string& text, const std::string& context = "") {
  TempDir dir;
  WriteFile(dir.File("config"), text);
  common::Result<KubeConnection> c = Load(dir.File("config"), context, dir);
  EXPECT_FALSE(c.ok());
  return c.status();
}

TEST(KubeModeTest, Parse) {
  EXPECT_EQ(*ParseKubeMode("auto"), KubeMode::kAuto);
  EXPECT_EQ(*ParseKubeMode("in-cluster"), KubeMode::kInCluster);
  EXPECT_EQ(*ParseKubeMode("kubeconfig"), KubeMode::kKubeconfig);
  common::Status s = ParseKubeMode("incluster").status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("auto, in-cluster, kubeconfig"), std::string::npos);
}

TEST(InClusterTest, ReadsServiceAccountAndEnvironment) {
  TempDir dir;
  WriteServiceAccount(dir);
  common::Result<KubeConnection> c = LoadInCluster(Env(dir, kInClusterVars));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server, "https://10.96.0.1:443");
  EXPECT_EQ(c->tls.ca_file, dir.File("sa/ca.crt"));
  EXPECT_FALSE(c->tls.insecure_skip_tls_verify);
  ASSERT_NE(c->token, nullptr);
  EXPECT_EQ(*c->token->Get(), "sa-token");
  EXPECT_EQ(c->default_namespace, "rebound");
  EXPECT_EQ(c->source, "in-cluster service account");
}

TEST(InClusterTest, TokenRotationIsPickedUp) {
  TempDir dir;
  WriteServiceAccount(dir);
  common::Result<KubeConnection> c = LoadInCluster(Env(dir, kInClusterVars));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c->token->Get(), "sa-token");
  WriteFile(dir.File("sa/token.new"), "rotated-token\n");
  std::filesystem::rename(dir.File("sa/token.new"), dir.File("sa/token"));
  EXPECT_EQ(*c->token->Get(), "rotated-token");
}

TEST(InClusterTest, Ipv6HostIsBracketed) {
  TempDir dir;
  WriteServiceAccount(dir);
  common::Result<KubeConnection> c = LoadInCluster(
      Env(dir, {{"KUBERNETES_SERVICE_HOST", "fd00::1"}, {"KUBERNETES_SERVICE_PORT", "6443"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->server, "https://[fd00::1]:6443");
}

TEST(InClusterTest, NamespaceDefaultsWhenTheFileIsMissing) {
  TempDir dir;
  WriteServiceAccount(dir);
  std::filesystem::remove(dir.File("sa/namespace"));
  common::Result<KubeConnection> c = LoadInCluster(Env(dir, kInClusterVars));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->default_namespace, "default");
}

TEST(InClusterTest, Errors) {
  TempDir dir;
  common::Status s = LoadInCluster(Env(dir, {})).status();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("KUBERNETES_SERVICE_HOST"), std::string::npos);

  s = LoadInCluster(Env(dir, kInClusterVars)).status();
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find(dir.File("sa/token")), std::string::npos) << s.message();

  WriteServiceAccount(dir);
  std::filesystem::remove(dir.File("sa/ca.crt"));
  s = LoadInCluster(Env(dir, kInClusterVars)).status();
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find(dir.File("sa/ca.crt")), std::string::npos) << s.message();
}

TEST(KubeconfigTest, CurrentContext) {
  TempDir dir;
  common::Result<KubeConnection> c = Load(WriteKubeconfig(dir), "", dir);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server, "https://127.0.0.1:6443");
  EXPECT_EQ(c->tls.ca_pem, "-----BEGIN CERTIFICATE-----\n");
  EXPECT_EQ(c->tls.ca_file, "");
  EXPECT_FALSE(c->tls.insecure_skip_tls_verify);
  ASSERT_NE(c->token, nullptr);
  EXPECT_EQ(*c->token->Get(), "kind-token");
  EXPECT_EQ(c->default_namespace, "shop");
  EXPECT_EQ(c->source, "kubeconfig " + dir.File("kube/config") + ", context \"kind\"");
}

TEST(KubeconfigTest, NamedContextWithFilesRelativeToTheKubeconfig) {
  TempDir dir;
  common::Result<KubeConnection> c = Load(WriteKubeconfig(dir), "staging", dir);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server, "https://staging.example:443");
  EXPECT_EQ(c->tls.ca_file, dir.File("kube/certs/ca.crt"));
  EXPECT_EQ(c->tls.client_cert_file, dir.File("kube/certs/client.crt"));
  EXPECT_EQ(c->tls.client_key_file, dir.File("client.key"));
  EXPECT_EQ(c->token, nullptr);
  EXPECT_EQ(c->default_namespace, "default");
}

TEST(KubeconfigTest, InlineClientCertificateAndInsecure) {
  TempDir dir;
  common::Result<KubeConnection> c = Load(WriteKubeconfig(dir), "lab", dir);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server, "http://127.0.0.1:8080");
  EXPECT_TRUE(c->tls.insecure_skip_tls_verify);
  EXPECT_EQ(c->tls.client_cert_pem, "cert");
  EXPECT_EQ(c->tls.client_key_pem, "key");
}

TEST(KubeconfigTest, TokenFileIsReReadWhenItChanges) {
  TempDir dir;
  common::Result<KubeConnection> c = Load(WriteKubeconfig(dir), "lab-token", dir);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_NE(c->token, nullptr);
  EXPECT_EQ(c->token->path(), dir.File("kube/token.txt"));
  EXPECT_EQ(*c->token->Get(), "file-token-1");
  WriteFile(dir.File("kube/token.new"), "file-token-2");
  std::filesystem::rename(dir.File("kube/token.new"), dir.File("kube/token.txt"));
  EXPECT_EQ(*c->token->Get(), "file-token-2");
}

TEST(KubeconfigTest, ContextWithoutUserHasNoCredentials) {
  TempDir dir;
  common::Result<KubeConnection> c = Load(WriteKubeconfig(dir), "anonymous", dir);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->token, nullptr);
  EXPECT_EQ(c->tls.client_cert_pem, "");
}

TEST(KubeconfigTest, PathFromKubeconfigVariableOrHome) {
  TempDir dir;
  std::string path = WriteKubeconfig(dir);
  common::Result<KubeConnection> c = LoadKubeconfig("", "", Env(dir, {{"KUBECONFIG", path}}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server, "https://127.0.0.1:6443");

  std::filesystem::create_directories(dir.File("home/.kube"));
  std::filesystem::copy_file(path, dir.File("home/.kube/config"));
  WriteFile(dir.File("home/.kube/token.txt"), "t");
  c = LoadKubeconfig("", "kind", Env(dir, {{"HOME", dir.File("home")}}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->source, "kubeconfig " + dir.File("home/.kube/config") + ", context \"kind\"");

  // "~/" in an explicit path is $HOME too.
  c = LoadKubeconfig("~/.kube/config", "", Env(dir, {{"HOME", dir.File("home")}}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
}

TEST(KubeconfigTest, KubeconfigListIsMergedFirstDefinitionWins) {
  TempDir dir;
  WriteFile(dir.File("a"), R"(
current-context: mine
contexts:
- {name: mine, context: {cluster: c, user: u}}
users:
- {name: u, user: {token: from-a}}
)");
  WriteFile(dir.File("b"), R"(
current-context: theirs
clusters:
- {name: c, cluster: {server: "https://b.example"}}
users:
- {name: u, user: {token: from-b}}
)");
  common::Result<KubeConnection> c = LoadKubeconfig(
      dir.File("missing") + ":" + dir.File("a") + ":" + dir.File("b"), "", Env(dir, {}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server, "https://b.example");
  EXPECT_EQ(*c->token->Get(), "from-a");
}

TEST(AutoModeTest, InClusterWhenAvailable) {
  TempDir dir;
  WriteServiceAccount(dir);
  WriteKubeconfig(dir);
  auto vars = kInClusterVars;
  vars["KUBECONFIG"] = dir.File("kube/config");
  common::Result<KubeConnection> c = LoadKubeConnection({}, Env(dir, vars));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->source, "in-cluster service account");
}

TEST(AutoModeTest, KubeconfigOtherwise) {
  TempDir dir;
  std::string path = WriteKubeconfig(dir);
  // The variables alone are not enough: without the token file this is not a pod.
  auto vars = kInClusterVars;
  vars["KUBECONFIG"] = path;
  common::Result<KubeConnection> c = LoadKubeConnection({}, Env(dir, vars));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server, "https://127.0.0.1:6443");

  // An explicit kubeconfig and context win over $KUBECONFIG and current-context.
  KubeConfigOptions options{KubeMode::kAuto, path, "staging"};
  c = LoadKubeConnection(options, Env(dir, {{"KUBECONFIG", dir.File("nope")}}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server, "https://staging.example:443");
}

TEST(ExplicitModeTest, InClusterAndKubeconfigModesDoNotFallBack) {
  TempDir dir;
  std::string path = WriteKubeconfig(dir);
  KubeConfigOptions in_cluster{KubeMode::kInCluster, path, ""};
  EXPECT_EQ(LoadKubeConnection(in_cluster, Env(dir, {})).status().code(),
            StatusCode::kFailedPrecondition);
  WriteServiceAccount(dir);
  KubeConfigOptions kubeconfig{KubeMode::kKubeconfig, path, ""};
  common::Result<KubeConnection> c = LoadKubeConnection(kubeconfig, Env(dir, kInClusterVars));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->server, "https://127.0.0.1:6443");
}

TEST(KubeconfigErrorTest, MissingFile) {
  TempDir dir;
  common::Status s = Load(dir.File("nope"), "", dir).status();
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "kubeconfig file " + dir.File("nope") + " does not exist");

  s = LoadKubeconfig("", "", Env(dir, {{"HOME", dir.path()}})).status();
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find(dir.File(".kube/config")), std::string::npos);

  s = LoadKubeconfig(dir.File("x") + ":" + dir.File("y"), "", Env(dir, {})).status();
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("no kubeconfig file exists"), std::string::npos);
}

TEST(KubeconfigErrorTest, BadYamlNamesFileLineAndColumn) {
  TempDir dir;
  WriteFile(dir.File("config"), "clusters:\n- name: a\n  cluster: {server: [\n");
  common::Status s = Load(dir.File("config"), "", dir).status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      std::regex_search(s.message(), std::regex("^invalid kubeconfig: " + dir.File("config") +
                                                ":[0-9]+:[0-9]+: YAML syntax error")))
      << s.message();
}

TEST(KubeconfigErrorTest, WrongShapes) {
  EXPECT_NE(LoadError("- a\n- b\n").message().find(":1:1: a kubeconfig must be a mapping"),
            std::string::npos);
  EXPECT_NE(LoadError("clusters: {a: b}\n").message().find(":1:11: \"clusters\": expected a list"),
            std::string::npos);
  EXPECT_NE(LoadError("contexts:\n- context: {cluster: a}\n")
                .message()
                .find(":2:3: \"contexts[0].name\" is required"),
            std::string::npos);
}

TEST(KubeconfigErrorTest, NoCurrentContext) {
  common::Status s = LoadError("clusters: []\n");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("no current-context is set"), std::string::npos) << s.message();
}

TEST(KubeconfigErrorTest, UnknownContext) {
  TempDir dir;
  common::Status s = Load(WriteKubeconfig(dir), "prod", dir).status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find(
                "context \"prod\" not found (contexts: kind, staging, lab, lab-token, anonymous)"),
            std::string::npos)
      << s.message();

  s = LoadError("current-context: gone\ncontexts:\n- {name: here, context: {cluster: c}}\n");
  EXPECT_NE(s.message().find(":1:18: current-context \"gone\" names no context (contexts: here)"),
            std::string::npos)
      << s.message();
}

TEST(KubeconfigErrorTest, ContextNamesAnUndefinedClusterOrUser) {
  common::Status s =
      LoadError("current-context: x\ncontexts:\n- name: x\n  context:\n    cluster: nope\n");
  EXPECT_NE(
      s.message().find(
          ":5:14: context \"x\" names cluster \"nope\", which is not defined (clusters: none)"),
      std::string::npos)
      << s.message();
  s = LoadError(
      "current-context: x\nclusters: [{name: c, cluster: {server: 'https://a'}}]\n"
      "contexts: [{name: x, context: {cluster: c, user: who}}]\n");
  EXPECT_NE(s.message().find("context \"x\" names user \"who\", which is not defined"),
            std::string::npos)
      << s.message();
}

constexpr const char* kWithUser = R"(current-context: x
clusters: [{name: c, cluster: {server: 'https://a'}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
users:
- name: u
  user:
)";

TEST(KubeconfigExecTest, ExecSectionBecomesAPlugin) {
  TempDir dir;
  WriteFile(dir.File("config"), std::string(kWithUser) + R"(    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [--region, eu-west-1, eks, get-token, --cluster-name, shop]
      env:
      - name: AWS_PROFILE
        value: prod
      - name: EMPTY
      installHint: install the AWS CLI
      interactiveMode: IfAvailable
      provideClusterInfo: false
)");
  common::Result<KubeConnection> c =
      LoadKubeconfig(dir.File("config"), "", Env(dir, {{"PATH", "/opt/aws/bin:/usr/bin"}}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->token, nullptr);
  ASSERT_NE(c->exec, nullptr);
  const ExecConfig& exec = c->exec->config();
  EXPECT_EQ(exec.api_version, "client.authentication.k8s.io/v1beta1");
  EXPECT_EQ(exec.command, "aws");
  EXPECT_EQ(exec.args, (std::vector<std::string>{"--region", "eu-west-1", "eks", "get-token",
                                                 "--cluster-name", "shop"}));
  EXPECT_EQ(exec.env, (std::vector<std::pair<std::string, std::string>>{{"AWS_PROFILE", "prod"},
                                                                        {"EMPTY", ""}}));
  EXPECT_EQ(exec.install_hint, "install the AWS CLI");
  EXPECT_EQ(exec.base_dir, dir.path());
  EXPECT_EQ(exec.search_path, "/opt/aws/bin:/usr/bin");
  EXPECT_EQ(exec.timeout, std::chrono::seconds(30));
  EXPECT_EQ(c->exec->runs(), 0u);  // the plugin runs when a request needs it
}

TEST(KubeconfigExecTest, InteractiveModeAlwaysIsRefused) {
  common::Status s = LoadError(std::string(kWithUser) +
                               "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
                               "      command: kubelogin\n      interactiveMode: Always\n");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find(":10:24: user \"u\" exec has interactiveMode Always: the plugin "
                             "needs a terminal to prompt on, which a daemon does not have"),
            std::string::npos)
      << s.message();
}

TEST(KubeconfigExecTest, IncompleteOrConflictingExecSectionsAreRefused) {
  common::Status s = LoadError(std::string(kWithUser) +
                               "    exec:\n      apiVersion: client.authentication.k8s.io/v1alpha1\n"
                               "      args: [x]\n");
  EXPECT_NE(s.message().find("user \"u\" exec has no command"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("exec.apiVersion must be client.authentication.k8s.io/v1 or "
                             "client.authentication.k8s.io/v1beta1 (got \"client.authentication."
                             "k8s.io/v1alpha1\")"),
            std::string::npos)
      << s.message();
  s = LoadError(std::string(kWithUser) +
                "    token: t\n    exec: {apiVersion: client.authentication.k8s.io/v1, command: "
                "x}\n");
  EXPECT_NE(s.message().find("has an exec plugin and also a token or client certificate"),
            std::string::npos)
      << s.message();
  s = LoadError(std::string(kWithUser) +
                "    exec: {apiVersion: client.authentication.k8s.io/v1, command: x, env: [1]}\n");
  EXPECT_NE(s.message().find("exec.env[0]: expected a mapping with name and value"),
            std::string::npos)
      << s.message();
}

TEST(KubeconfigErrorTest, AuthProviderAndBasicAuthAreNotSupported) {
  common::Status s = LoadError(std::string(kWithUser) + "    auth-provider: {name: oidc}\n");
  EXPECT_NE(s.message().find("uses an auth-provider (\"oidc\"), which Rebound does not support"),
            std::string::npos)
      << s.message();
  s = LoadError(std::string(kWithUser) + "    username: admin\n    password: secret\n");
  EXPECT_NE(s.message().find("basic authentication"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("secret"), std::string::npos) << s.message();
}

TEST(KubeconfigErrorTest, MissingServer) {
  common::Status s = LoadError(
      "current-context: x\nclusters:\n- name: c\n  cluster: {insecure-skip-tls-verify: true}\n"
      "contexts: [{name: x, context: {cluster: c}}]\n");
  EXPECT_NE(s.message().find(":3:3: cluster \"c\" has no server"), std::string::npos)
      << s.message();
  s = LoadError(
      "current-context: x\nclusters: [{name: c, cluster: {server: '127.0.0.1:6443'}}]\n"
      "contexts: [{name: x, context: {cluster: c}}]\n");
  EXPECT_NE(s.message().find("server must start with https:// or http://"), std::string::npos)
      << s.message();
}

TEST(KubeconfigErrorTest, BadBase64CertificateAuthorityData) {
  common::Status s = LoadError(
      "current-context: x\nclusters:\n- name: c\n  cluster:\n    server: https://a\n"
      "    certificate-authority-data: 'not*base64'\n"
      "contexts: [{name: x, context: {cluster: c}}]\n");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find(":6:33: cluster \"c\" certificate-authority-data is not valid base64"),
            std::string::npos)
      << s.message();
}

TEST(KubeconfigErrorTest, MissingReferencedFile) {
  common::Status s = LoadError(
      "current-context: x\nclusters:\n- name: c\n  cluster:\n    server: https://a\n"
      "    certificate-authority: nope/ca.crt\n"
      "contexts: [{name: x, context: {cluster: c}}]\n");
  EXPECT_NE(s.message().find(":6:28: cluster \"c\" certificate-authority: file "),
            std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("nope/ca.crt does not exist"), std::string::npos) << s.message();
}

TEST(KubeconfigErrorTest, CertificateWithoutKey) {
  common::Status s = LoadError(std::string(kWithUser) + "    client-certificate-data: Y2VydA==\n");
  EXPECT_NE(s.message().find("user \"u\" has a client certificate but no client-key"),
            std::string::npos)
      << s.message();
}

TEST(KubeconfigErrorTest, InsecureTogetherWithCertificateAuthority) {
  common::Status s = LoadError(
      "current-context: x\nclusters:\n- name: c\n  cluster:\n    server: https://a\n"
      "    certificate-authority-data: Y2E=\n    insecure-skip-tls-verify: true\n"
      "contexts: [{name: x, context: {cluster: c}}]\n");
  EXPECT_NE(s.message().find("together with insecure-skip-tls-verify is not allowed"),
            std::string::npos)
      << s.message();
}

TEST(KubeconfigErrorTest, WrongFieldTypes) {
  common::Status s = LoadError(
      "current-context: x\nclusters:\n- name: c\n  cluster:\n    server: https://a\n"
      "    insecure-skip-tls-verify: yes\n"
      "contexts: [{name: x, context: {cluster: c}}]\n");
  EXPECT_NE(s.message().find(":6:31: \"insecure-skip-tls-verify\": expected a boolean"),
            std::string::npos)
      << s.message();
}

}  // namespace
}  // namespace rebound::kube
