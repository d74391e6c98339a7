// KubesimHarness: runs the kubesim binary on 127.0.0.1 (a port it picks), optionally over
// HTTPS with a throwaway CA made with the openssl CLI and bearer tokens, and runs the real
// kubectl against it with a kubeconfig and a cache directory of its own.
//
// Thread-safety: one test thread.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/http_client.h"
#include "tests/support/process.h"

namespace rebound::kubesim::testing {

class KubesimHarness {
 public:
  struct Options {
    std::string scenario = {};  // YAML; empty for none
    bool tls = false;
    std::vector<std::string> tokens = {};  // --token values
    std::string pod_start_delay = "200ms";
  };

  // Stops kubesim with SIGTERM and expects it to exit 0 (no leaks under a sanitizer).
  ~KubesimHarness();

  // Starts kubesim and waits for its "listening on" line; false (with a gtest failure) when it
  // does not come up.
  bool Start(const Options& options);

  const std::string& url() const { return url_; }
  const rebound::testing::TempDir& dir() const { return dir_; }

  // Runs `kubectl <args>` with a kubeconfig holding `token` (none when empty); stdin is
  // /dev/null and stderr is merged into the output.
  rebound::testing::CommandResult Kubectl(const std::string& args, const std::string& token = "");
  // "kubectl --kubeconfig ... --cache-dir ...", for composing shell commands.
  std::string KubectlCommand(const std::string& token = "");

  // A request to kubesim (trusting the test CA over HTTPS).
  common::Result<common::HttpClientResponse> Send(const std::string& method,
                                                  const std::string& path,
                                                  const std::string& body = "",
                                                  const std::string& token = "");
  // The object at API `path` ("/apis/apps/v1/namespaces/shop/deployments/web"); null when it
  // cannot be read.
  nlohmann::json Object(const std::string& path);
  // What `kubectl <args>` (with `-o name`) lists whose line starts with `prefix`, without the
  // "kind/" part.
  std::vector<std::string> Names(const std::string& args, const std::string& prefix);
  // Adds a fault (POST /kubesim/v1/faults); false, with a gtest failure, when it is refused.
  bool AddFault(const nlohmann::json& fault);
  // The text of GET /metrics ("" when it cannot be read).
  std::string Metrics();
  // Sum of the samples of `name` matching every label text in `match`, from a fresh scrape.
  double Metric(const std::string& name, const std::vector<std::string>& match = {});

  std::string Log() const { return process_ ? process_->Log() : ""; }

  // A kubeconfig file for this kubesim holding `token` (none when empty), written once.
  std::string Kubeconfig(const std::string& token);

 private:
  bool MakeCertificates();

  rebound::testing::TempDir dir_;
  std::unique_ptr<rebound::testing::Process> process_;
  common::CurlHttpClient http_;
  std::string url_;
  std::map<std::string, std::string> kubeconfigs_;  // token -> file
};

}  // namespace rebound::kubesim::testing
