// ReboundDaemon: runs the real `rebound run` binary on 127.0.0.1 for integration tests, with
// a config written into a test directory, a bearer token file, and a fresh state dir.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/http_client.h"
#include "tests/support/kubesim_harness.h"
#include "tests/support/process.h"

namespace rebound::testing {

class ReboundDaemon {
 public:
  static constexpr const char* kToken = "integration-t0ken";

  // Writes dir/rebound.yaml (listen on a free port, bearer token file, state in dir/state)
  // plus `extra_yaml` appended at the top level.
  ReboundDaemon(const TempDir& dir, std::string extra_yaml = "");

  // Starts the daemon and waits until /readyz answers 200; false (with the log in the test
  // output) otherwise.
  bool Start();
  // Rewrites the config with the same port and state dir.
  void WriteConfig(const std::string& extra_yaml);
  // Environment variables for the next Start() (POD_NAME, say).
  void SetEnv(std::map<std::string, std::string> env) { env_ = std::move(env); }
  // Talk HTTPS to the daemon, trusting `ca_file` (for a config with a tls section).
  void UseTls(const std::string& ca_file) { ca_file_ = ca_file; }

  Process& process() { return *process_; }
  bool started() const { return process_ != nullptr; }
  int port() const { return port_; }
  std::string Url(const std::string& path) const;
  const std::string& config_path() const { return config_path_; }
  const std::string& state_dir() const { return state_dir_; }

  // GETs `path`, with an Authorization header when `authorization` is not empty.
  common::Result<common::HttpClientResponse> Get(const std::string& path,
                                                 const std::string& authorization = "");
  // POSTs JSON with the bearer token (or `authorization` when given).
  common::Result<common::HttpClientResponse> PostWebhook(const std::string& body,
                                                         const std::string& authorization = "");
  // POSTs a version 4 notification of one alert with these labels (no annotations, no
  // generatorURL); a resolved one ends now. Fails the test unless the answer is 200.
  void PostAlert(const std::string& status, const nlohmann::json& labels,
                 const std::string& starts_at, const std::string& fingerprint);
  // The value of an unlabelled or exactly-labelled sample in /metrics, or -1 when absent.
  double Metric(const std::string& series);
  // The "data" of GET /api/v1/episodes`query` ("?state=handled", say); an empty array when it
  // cannot be read.
  nlohmann::json Episodes(const std::string& query = "");

 private:
  const TempDir& dir_;
  int port_;
  std::string config_path_;
  std::string state_dir_;
  std::unique_ptr<Process> process_;
  common::CurlHttpClient client_;
  std::string ca_file_;  // empty: plain HTTP
  std::map<std::string, std::string> env_;
};

// The set-up of the tests that heal: a started daemon in `dir` that reaches `kubesim` (already
// started), loads the one playbook dir/playbooks/`file` holding `playbook`, and verifies each
// second; `extra_yaml` is appended to its config. Null (with a gtest failure) when it does not
// start.
std::unique_ptr<ReboundDaemon> StartHealingDaemon(const TempDir& dir,
                                                  kubesim::testing::KubesimHarness& kubesim,
                                                  const std::string& file,
                                                  const std::string& playbook,
                                                  const std::string& extra_yaml = "");

}  // namespace rebound::testing
