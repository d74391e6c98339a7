// The clients for the services rebound.yaml names — the Kubernetes API and Prometheus — built
// the same way for the daemon and for `rebound replay`.
//
// Thread-safety: reentrant; the clients returned are thread-safe.
#pragma once

#include <memory>
#include <stop_token>
#include <string>

#include "app/config.h"
#include "common/clock.h"
#include "common/http_client.h"
#include "common/sleeper.h"
#include "controller/promql/prometheus_api.h"
#include "common/backoff.h"
#include "kube/kube_client.h"
#include "kube/request_executor.h"
#include "kube/request_observer.h"

namespace rebound::app {

// What the clients use; each must outlive them.
struct ClientDeps {
  common::HttpClient& http;
  const common::Clock& clock;
  common::Sleeper& sleeper;
  common::RandomSource& random;
  kube::RequestObserver* kube_observer = nullptr;  // optional: told of every API attempt
  std::stop_token stop;  // requested at shutdown: the clients' retry waits end at once
};

// A client for `config.kubernetes`; nullptr when none can be configured (no kubeconfig, not
// in a cluster, a bad context). `state` says which, for logs and /api/v1/status.
std::unique_ptr<kube::KubeClient> MakeKubeClient(const Config& config, const ClientDeps& deps,
                                                 std::string* state,
                                                 kube::KubeClientOptions options = {});

// A client for `config.prometheus`; nullptr when no URL is configured or it is unusable.
std::unique_ptr<controller::promql::PrometheusApi> MakePrometheus(const Config& config,
                                                                  const ClientDeps& deps,
                                                                  std::string* state);

}  // namespace rebound::app
