#include "tests/support/rebound_daemon.h"

#include <gtest/gtest.h>

#include <sstream>

#include "common/time_format.h"

namespace rebound::testing {

ReboundDaemon::ReboundDaemon(const TempDir& dir, std::string extra_yaml)
    : dir_(dir),
      port_(FreePort()),
      config_path_(dir.File("rebound.yaml")),
      state_dir_(dir.File("state")) {
  WriteFile(dir.File("webhook-token"), std::string(kToken) + "\n");
  WriteConfig(extra_yaml);
}

void ReboundDaemon::WriteConfig(const std::string& extra_yaml) {
  WriteFile(config_path_, "listen: 127.0.0.1:" + std::to_string(port_) +
                              "\nstate_dir: state\n"
                              "webhook:\n  bearer_token_file: webhook-token\n" +
                              extra_yaml);
}

bool ReboundDaemon::Start() {
  process_ = Process::Start({BinaryPath("rebound"), "run", "-c", config_path_},
                            dir_.File("rebound.log"), env_);
  if (!process_) return false;
  bool ready = WaitFor(
      [&] {
        auto response = Get("/readyz");
        return (response.ok() && response->status == 200) || !process_->Running();
      },
      std::chrono::seconds(20));
  if (!ready || !process_->Running()) {
    ADD_FAILURE() << "rebound did not become ready; log:\n" << process_->Log();
    return false;
  }
  return true;
}

std::string ReboundDaemon::Url(const std::string& path) const {
  return (ca_file_.empty() ? "http://127.0.0.1:" : "https://127.0.0.1:") + std::to_string(port_) +
         path;
}

common::Result<common::HttpClientResponse> ReboundDaemon::Get(const std::string& path,
                                                              const std::string& authorization) {
  common::HttpClientRequest request;
  request.url = Url(path);
  if (!authorization.empty()) request.headers.emplace_back("Authorization", authorization);
  request.timeout = std::chrono::seconds(5);
  request.tls.ca_file = ca_file_;
  return client_.Send(request);
}

common::Result<common::HttpClientResponse> ReboundDaemon::PostWebhook(
    const std::string& body, const std::string& authorization) {
  common::HttpClientRequest request;
  request.method = "POST";
  request.url = Url("/webhook/alertmanager");
  request.body = body;
  request.timeout = std::chrono::seconds(10);
  request.tls.ca_file = ca_file_;
  request.headers = {
      {"Content-Type", "application/json"},
      {"Authorization", authorization.empty() ? std::string("Bearer ") + kToken : authorization}};
  return client_.Send(request);
}

void ReboundDaemon::PostAlert(const std::string& status, const nlohmann::json& labels,
                              const std::string& starts_at, const std::string& fingerprint) {
  const std::string ends_at =
      status == "firing" ? "0001-01-01T00:00:00Z"
                         : common::FormatRfc3339(
                               common::Timestamp::FromTimePoint(std::chrono::system_clock::now()));
  nlohmann::json alert = {
      {"status", status},          {"labels", labels},  {"annotations", nlohmann::json::object()},
      {"startsAt", starts_at},     {"endsAt", ends_at}, {"generatorURL", ""},
      {"fingerprint", fingerprint}};
  auto response = PostWebhook(
      nlohmann::json(
          {{"version", "4"}, {"status", status}, {"receiver", "rebound"}, {"alerts", {alert}}})
          .dump());
  ASSERT_TRUE(response.ok() && response->status == 200)
      << (response.ok() ? response->body : response.status().ToString());
}

std::unique_ptr<ReboundDaemon> StartHealingDaemon(const TempDir& dir,
                                                  kubesim::testing::KubesimHarness& kubesim,
                                                  const std::string& file,
                                                  const std::string& playbook,
                                                  const std::string& extra_yaml) {
  RunCommand("mkdir -p " + dir.File("playbooks"));
  WriteFile(dir.File("playbooks/" + file), playbook);
  auto daemon = std::make_unique<ReboundDaemon>(
      dir, "kubernetes: { mode: kubeconfig, kubeconfig: " + kubesim.Kubeconfig("") +
               " }\n"
               "playbooks: [ \"playbooks/*.yaml\" ]\n"
               "healing: { verify_interval: 1s }\n" +
               extra_yaml);
  if (!daemon->Start()) return nullptr;
  return daemon;
}

double ReboundDaemon::Metric(const std::string& series) {
  auto response = Get("/metrics");
  if (!response.ok()) return -1;
  std::istringstream lines(response->body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

nlohmann::json ReboundDaemon::Episodes(const std::string& query) {
  auto response = Get("/api/v1/episodes" + query);
  if (!response.ok() || response->status != 200) return nlohmann::json::array();
  return nlohmann::json::parse(response->body)["data"];
}

}  // namespace rebound::testing
