#include "tests/support/kubesim_harness.h"

#include <gtest/gtest.h>

#include <sstream>

#include "common/base64.h"
#include "tests/kubesim/metric_samples.h"

namespace rebound::kubesim::testing {

using rebound::testing::CommandResult;
using rebound::testing::ReadFile;
using rebound::testing::RunCommand;
using rebound::testing::WriteFile;

bool KubesimHarness::MakeCertificates() {
  WriteFile(dir_.File("san.cnf"), "subjectAltName=IP:127.0.0.1\n");
  std::string d = dir_.path();
  CommandResult made =
      RunCommand("cd " + d +
                 " && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 1"
                 " -subj /CN=kubesim-test-ca"
                 " && openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr"
                 " -subj /CN=127.0.0.1"
                 " && openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial"
                 " -out server.crt -days 1 -extfile san.cnf");
  EXPECT_EQ(made.exit_code, 0) << made.output;
  return made.exit_code == 0;
}

KubesimHarness::~KubesimHarness() {
  if (!process_) return;
  int exit_code = process_->Stop();
  EXPECT_EQ(exit_code, 0) << "kubesim did not stop cleanly:\n" << process_->Log();
}

bool KubesimHarness::Start(const Options& options) {
  std::vector<std::string> argv = {rebound::testing::BinaryPath("tools/kubesim/kubesim"),
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--pod-start-delay",
                                   options.pod_start_delay,
                                   "--seed",
                                   "1"};
  if (!options.scenario.empty()) {
    WriteFile(dir_.File("scenario.yaml"), options.scenario);
    argv.insert(argv.end(), {"--scenario", dir_.File("scenario.yaml")});
  }
  if (options.tls) {
    if (!MakeCertificates()) return false;
    argv.insert(argv.end(),
                {"--tls-cert", dir_.File("server.crt"), "--tls-key", dir_.File("server.key")});
  }
  for (const std::string& token : options.tokens) argv.insert(argv.end(), {"--token", token});
  process_ = rebound::testing::Process::Start(argv, dir_.File("kubesim.log"));
  if (!process_) return false;
  std::string line = process_->WaitForLogLine("listening on ", std::chrono::seconds(20));
  if (line.empty()) {
    ADD_FAILURE() << "kubesim did not start:\n" << process_->Log();
    return false;
  }
  url_ = std::string(options.tls ? "https://" : "http://") +
         line.substr(line.find("listening on ") + 13);
  return true;
}

std::string KubesimHarness::Kubeconfig(const std::string& token) {
  if (auto it = kubeconfigs_.find(token); it != kubeconfigs_.end()) return it->second;
  std::string path = dir_.File("kubeconfig-" + std::to_string(kubeconfigs_.size()));
  kubeconfigs_[token] = path;
  std::string cluster = "    server: " + url_ + "\n";
  if (url_.starts_with("https")) {
    cluster +=
        "    certificate-authority-data: " + common::Base64Encode(ReadFile(dir_.File("ca.crt"))) +
        "\n";
  }
  std::string user = token.empty() ? "  user: {}\n" : "  user:\n    token: " + token + "\n";
  WriteFile(path, "apiVersion: v1\nkind: Config\nclusters:\n- name: sim\n  cluster:\n" + cluster +
                      "contexts:\n- name: sim\n  context: {cluster: sim, user: tester}\n"
                      "current-context: sim\nusers:\n- name: tester\n" +
                      user);
  return path;
}

std::string KubesimHarness::KubectlCommand(const std::string& token) {
  return "kubectl --kubeconfig " + Kubeconfig(token) + " --cache-dir " + dir_.File("kube-cache");
}

CommandResult KubesimHarness::Kubectl(const std::string& args, const std::string& token) {
  return RunCommand(KubectlCommand(token) + " " + args + " </dev/null");
}

common::Result<common::HttpClientResponse> KubesimHarness::Send(const std::string& method,
                                                                const std::string& path,
                                                                const std::string& body,
                                                                const std::string& token) {
  common::HttpClientRequest request;
  request.method = method;
  request.url = url_ + path;
  request.body = body;
  if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  if (!token.empty()) request.headers.emplace_back("Authorization", "Bearer " + token);
  if (url_.starts_with("https")) request.tls.ca_file = dir_.File("ca.crt");
  return http_.Send(request);
}

nlohmann::json KubesimHarness::Object(const std::string& path) {
  auto response = Send("GET", path);
  if (!response.ok() || response->status != 200) return nullptr;
  return nlohmann::json::parse(response->body, nullptr, /*allow_exceptions=*/false);
}

std::vector<std::string> KubesimHarness::Names(const std::string& args, const std::string& prefix) {
  std::vector<std::string> out;
  std::istringstream in(Kubectl(args).output);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(prefix)) out.push_back(line.substr(line.find('/') + 1));
  }
  return out;
}

bool KubesimHarness::AddFault(const nlohmann::json& fault) {
  auto added = Send("POST", "/kubesim/v1/faults", fault.dump());
  EXPECT_TRUE(added.ok() && added->status == 200) << (added.ok() ? added->body : "unreachable");
  return added.ok() && added->status == 200;
}

std::string KubesimHarness::Metrics() {
  auto response = Send("GET", "/metrics");
  return response.ok() && response->status == 200 ? response->body : "";
}

double KubesimHarness::Metric(const std::string& name, const std::vector<std::string>& match) {
  return SumOf(Metrics(), name, match);
}

}  // namespace rebound::kubesim::testing
