#include "app/clients.h"

#include "controller/promql/prometheus_http.h"
#include "kube/kube_client_http.h"
#include "kube/kube_config.h"

namespace rebound::app {

std::unique_ptr<kube::KubeClient> MakeKubeClient(const Config& config, const ClientDeps& deps,
                                                 std::string* state,
                                                 kube::KubeClientOptions options) {
  kube::KubeConfigOptions config_options;
  common::Result<kube::KubeMode> mode = kube::ParseKubeMode(config.kubernetes.mode);
  config_options.mode = mode.ok() ? *mode : kube::KubeMode::kAuto;
  config_options.kubeconfig = config.kubernetes.kubeconfig;
  config_options.context = config.kubernetes.context;
  common::Result<kube::KubeConnection> connection =
      kube::LoadKubeConnection(config_options, kube::KubeEnvironment::System());
  if (!connection.ok()) {
    *state = "not configured: " + connection.status().message();
    return nullptr;
  }
  *state = "configured (" + connection->source + ", " + connection->server + ")";
  kube::KubeClientDeps client_deps{deps.http,   deps.clock,         deps.sleeper,
                                   deps.random, deps.kube_observer, deps.stop};
  return std::make_unique<kube::KubeClientHttp>(std::move(*connection), client_deps,
                                                std::move(options));
}

std::unique_ptr<controller::promql::PrometheusApi> MakePrometheus(const Config& config,
                                                                  const ClientDeps& deps,
                                                                  std::string* state) {
  if (config.prometheus.url.empty()) {
    *state = "not configured (prometheus.url): verification queries fail";
    return nullptr;
  }
  controller::promql::PrometheusHttpOptions options;
  options.url = config.prometheus.url;
  options.request_timeout = config.prometheus.timeout;
  auto created = controller::promql::PrometheusHttp::Create(
      controller::promql::PrometheusHttpDeps{deps.http, deps.sleeper, deps.random, deps.stop},
      options);
  if (!created.ok()) {
    *state = "invalid prometheus.url: " + created.status().message();
    return nullptr;
  }
  *state = "configured";
  return std::move(*created);
}

}  // namespace rebound::app
