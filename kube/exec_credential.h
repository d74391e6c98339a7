// ExecCredentialPlugin: credentials from a kubeconfig `exec` plugin, as EKS (`aws eks
// get-token`), GKE (`gke-gcloud-auth-plugin`) and AKS (`kubelogin`) kubeconfigs use — the
// client.authentication.k8s.io/v1 and v1beta1 ExecCredential protocol of client-go.
//
// A run: `command` is resolved (a bare name through the PATH given in the config, as kubectl
// does; a relative path containing '/' against the kubeconfig's folder, as client-go does),
// started with `args`, the process environment plus the config's `env` and
// KUBERNETES_EXEC_INFO ({"apiVersion", "kind": "ExecCredential", "spec": {"interactive":
// false}}), stdin from /dev/null, no shell. Its stdout must be an ExecCredential of the same
// apiVersion whose status holds a token or a client certificate and key (PEM). Stderr goes into
// the error when the run fails. A run that takes longer than the timeout is killed.
//
// The credential is cached until status.expirationTimestamp (for ever without one) and after
// Invalidate() the next Get() runs the plugin again (a 401 from the API server).
//
// Thread-safety: Get() and Invalidate() may be called from any number of threads at once; one
// run happens at a time and callers that need it meanwhile wait for its result.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace rebound::kube {

// A kubeconfig user's `exec` section, resolved against where the kubeconfig lives.
struct ExecConfig {
  std::string api_version;  // client.authentication.k8s.io/v1 or .../v1beta1
  std::string command;      // as written in the kubeconfig
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;  // added to the process environment
  std::string install_hint;                              // shown when the command is not found
  std::string base_dir;     // the kubeconfig's folder: where relative commands are
  std::string search_path;  // PATH for bare command names
  // The process environment the plugin starts from ("NAME=value"); `env` entries override it.
  std::vector<std::string> base_env;
  std::chrono::milliseconds timeout{30000};
};

// What a run produced: a bearer token, or a client certificate and key (PEM).
struct ExecCredential {
  std::string token;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::optional<std::chrono::system_clock::time_point> expiry;  // none: never expires
  uint64_t generation = 0;  // which run produced it (for Invalidate)
};

class ExecCredentialPlugin {
 public:
  explicit ExecCredentialPlugin(ExecConfig config) : config_(std::move(config)) {}

  // The cached credential while clock.Now() is before its expiry and it was not invalidated,
  // else a fresh one from a run of the plugin. Failure (nothing is cached then):
  //   NotFound: the command does not exist or is not executable (with the installHint);
  //   DeadlineExceeded: the plugin did not finish within the timeout (it was killed);
  //   Unavailable: it exited with a non-zero status or was killed by a signal (exit status or
  //     signal and its stderr in the message), or could not be started;
  //   InvalidArgument: its output is not an ExecCredential of the expected apiVersion with a
  //     token or a certificate and key, or has a bad expirationTimestamp.
  // Every message starts with "exec credential plugin \"COMMAND\"".
  common::Result<ExecCredential> Get(const common::Clock& clock);

  // Marks the credential of `generation` as rejected, so that the next Get() runs the plugin.
  // A credential from a later run (another caller already refreshed) is kept.
  void Invalidate(uint64_t generation);

  // How many runs have been started (for tests and logs).
  uint64_t runs() const {
    std::lock_guard lock(mu_);
    return runs_;
  }

  const ExecConfig& config() const { return config_; }

 private:
  common::Result<ExecCredential> Run();
  common::Result<std::string> ResolveCommand() const;
  common::Status Error(common::StatusCode code, const std::string& message) const;

  const ExecConfig config_;
  mutable std::mutex mu_;  // held for a whole run: one run at a time
  std::optional<ExecCredential> cached_;  // guarded by mu_
  uint64_t runs_ = 0;                     // guarded by mu_
};

}  // namespace rebound::kube
