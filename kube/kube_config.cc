#include "kube/kube_config.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace rebound::kube {

common::Result<KubeMode> ParseKubeMode(std::string_view text) {
  if (text == "auto") return KubeMode::kAuto;
  if (text == "in-cluster") return KubeMode::kInCluster;
  if (text == "kubeconfig") return KubeMode::kKubeconfig;
  return common::InvalidArgument(
      "kubernetes mode must be one of auto, in-cluster, kubeconfig (got \"" + std::string(text) +
      "\")");
}

KubeEnvironment KubeEnvironment::System() {
  KubeEnvironment env;
  env.getenv = [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  for (char** entry = environ; *entry != nullptr; ++entry) env.process_env.emplace_back(*entry);
  return env;
}

common::Result<KubeConnection> LoadKubeConnection(const KubeConfigOptions& options,
                                                  const KubeEnvironment& env) {
  switch (options.mode) {
    case KubeMode::kInCluster:
      return LoadInCluster(env);
    case KubeMode::kKubeconfig:
      return LoadKubeconfig(options.kubeconfig, options.context, env);
    case KubeMode::kAuto:
      break;
  }
  std::error_code ec;
  bool in_cluster = env.getenv("KUBERNETES_SERVICE_HOST").has_value() &&
                    env.getenv("KUBERNETES_SERVICE_PORT").has_value() &&
                    std::filesystem::exists(env.service_account_dir + "/token", ec);
  if (in_cluster) return LoadInCluster(env);
  return LoadKubeconfig(options.kubeconfig, options.context, env);
}

}  // namespace rebound::kube
