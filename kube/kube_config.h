// Where the Kubernetes API server is and how to authenticate to it: in-cluster (the pod's
// service account), a kubeconfig file, or `auto` (in-cluster when available, else a
// kubeconfig). These match rebound.yaml's `kubernetes: { mode, kubeconfig, context }`.
//
// Supported kubeconfig fields: current-context or a named context; cluster server,
// certificate-authority(-data), insecure-skip-tls-verify; user token, tokenFile,
// client-certificate(-data), client-key(-data), exec (credential plugins, see
// exec_credential.h; interactiveMode Always is refused); context namespace. Relative paths are
// relative to the kubeconfig's folder. $KUBECONFIG may list several files separated by ':';
// they are merged as kubectl does (the first file to define a name or current-context wins;
// missing files are skipped). `auth-provider`, basic auth, impersonation, `proxy-url` and
// `tls-server-name` are refused with an error that says so. Unknown fields are ignored, as
// kubectl ignores them.
//
// Environment and file locations come in through KubeEnvironment so that tests control them.
// The functions are reentrant; a KubeConnection may be shared between threads (its token
// source and exec plugin are thread-safe).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/tls_client_options.h"
#include "kube/bearer_token.h"
#include "kube/exec_credential.h"

namespace rebound::kube {

// Everything needed to talk to one API server.
struct KubeConnection {
  std::string server;  // "https://10.0.0.1:443", no trailing '/'
  // Verification is on unless the kubeconfig sets insecure-skip-tls-verify.
  common::TlsClientOptions tls;
  std::shared_ptr<BearerToken> token;  // null: no Authorization header from a token
  // A kubeconfig exec plugin giving a token or a client certificate; null when none. Never
  // set together with `token` or a client certificate in `tls`.
  std::shared_ptr<ExecCredentialPlugin> exec;
  // The context's namespace, or the pod's own namespace in-cluster; "default" otherwise.
  std::string default_namespace = "default";
  // Where this came from, for logs: "in-cluster service account" or
  // "kubeconfig /home/u/.kube/config, context \"kind\"".
  std::string source;
};

enum class KubeMode { kAuto, kInCluster, kKubeconfig };

// "auto", "in-cluster", "kubeconfig"; InvalidArgument naming the allowed values otherwise.
common::Result<KubeMode> ParseKubeMode(std::string_view text);

// rebound.yaml's `kubernetes:` section.
struct KubeConfigOptions {
  KubeMode mode = KubeMode::kAuto;
  std::string kubeconfig;  // empty: $KUBECONFIG, else ~/.kube/config; a leading "~/" is $HOME
  std::string context;     // empty: the kubeconfig's current-context
};

// The process environment and the in-cluster file locations, injectable for tests.
struct KubeEnvironment {
  // Reads an environment variable; nullopt when unset.
  std::function<std::optional<std::string>(const std::string& name)> getenv;
  // Holds token, ca.crt and namespace.
  std::string service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";
  // The environment exec credential plugins start from ("NAME=value"; PATH for finding them
  // comes from getenv).
  std::vector<std::string> process_env;

  // The real environment (std::getenv, environ) and the standard service-account folder.
  static KubeEnvironment System();
};

// Resolves `options` to a connection.
// kInCluster: see LoadInCluster. kKubeconfig: see LoadKubeconfig. kAuto: in-cluster when
// KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are set and the service-account token
// file exists, else the kubeconfig (errors as for kKubeconfig).
common::Result<KubeConnection> LoadKubeConnection(const KubeConfigOptions& options,
                                                  const KubeEnvironment& env);

// The pod's service account: server https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT,
// CA <dir>/ca.crt, token <dir>/token (re-read when rotated), namespace <dir>/namespace.
// Failure: FailedPrecondition when the variables are unset (not in a pod); NotFound or
// Unavailable naming the token or CA file when it cannot be read.
common::Result<KubeConnection> LoadInCluster(const KubeEnvironment& env);

// A kubeconfig: `path_list` is one path or several joined with ':' ($KUBECONFIG's form);
// empty means $KUBECONFIG, else $HOME/.kube/config. `context` empty means current-context.
// Failure: NotFound when no listed file exists; InvalidArgument, with "file:line:col: " where
// the problem is in a file, for bad YAML, a missing or unknown context, no current-context, a
// cluster without server, bad base64 data, a missing referenced file, a client certificate
// without its key, an exec section that is incomplete or uses interactiveMode Always, or an
// unsupported authentication method (auth-provider, ...). The exec plugin itself first runs
// when a request needs a credential.
common::Result<KubeConnection> LoadKubeconfig(const std::string& path_list,
                                              const std::string& context,
                                              const KubeEnvironment& env);

}  // namespace rebound::kube
