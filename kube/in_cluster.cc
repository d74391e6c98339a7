// LoadInCluster (declared in kube_config.h): the pod's service account.
#include <filesystem>

#include "common/secret.h"
#include "kube/kube_config.h"

namespace rebound::kube {

common::Result<KubeConnection> LoadInCluster(const KubeEnvironment& env) {
  std::optional<std::string> host = env.getenv("KUBERNETES_SERVICE_HOST");
  std::optional<std::string> port = env.getenv("KUBERNETES_SERVICE_PORT");
  if (!host || host->empty() || !port || port->empty()) {
    return common::FailedPrecondition(
        "in-cluster Kubernetes configuration: KUBERNETES_SERVICE_HOST and "
        "KUBERNETES_SERVICE_PORT are not set (not running in a pod?)");
  }
  KubeConnection connection;
  bool ipv6 = host->find(':') != std::string::npos;
  connection.server = "https://" + (ipv6 ? "[" + *host + "]" : *host) + ":" + *port;

  const std::string token_file = env.service_account_dir + "/token";
  connection.token = BearerToken::FromFile(token_file);
  common::Result<std::string> token = connection.token->Get();
  if (!token.ok()) return token.status().WithContext("in-cluster Kubernetes configuration");

  connection.tls.ca_file = env.service_account_dir + "/ca.crt";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(connection.tls.ca_file, ec)) {
    return common::NotFound("in-cluster Kubernetes configuration: CA file " +
                            connection.tls.ca_file + " does not exist");
  }
  common::Result<std::string> ns = common::ReadSecretFile(env.service_account_dir + "/namespace");
  if (ns.ok()) connection.default_namespace = *ns;
  connection.source = "in-cluster service account";
  return connection;
}

}  // namespace rebound::kube
