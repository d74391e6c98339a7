// KubesimServer: the HTTP(S) front of the simulated cluster, on the project's one HttpServer.
//
//   /version                      unauthenticated (kubectl's dispatcher probes it)
//   /healthz /livez /readyz       unauthenticated, "ok"
//   /metrics                      unauthenticated, Prometheus text (metrics.h)
//   /kubesim/v1/...               unauthenticated control API (control_api.h)
//   everything else               the Kubernetes API: bearer-token authentication (401),
//                                 discovery, OpenAPI, then per-request authorization (403),
//                                 injected faults, the REST verbs (rest_api.h) and the Service
//                                 proxy (service_proxy.h); unknown
//                                 paths answer a Kubernetes 404 Status
//
// Thread-safety: Start() and Stop() from one thread; requests are served concurrently.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/http_server.h"
#include "common/status.h"
#include "tools/kubesim/auth.h"
#include "tools/kubesim/cluster.h"
#include "tools/kubesim/control_api.h"
#include "tools/kubesim/metrics.h"
#include "tools/kubesim/rest_api.h"
#include "tools/kubesim/service_proxy.h"

namespace rebound::kubesim {

class KubesimServer {
 public:
  struct Options {
    std::string listen = "127.0.0.1:0";
    std::string tls_cert_file;  // both set: HTTPS only
    std::string tls_key_file;
    std::vector<TokenRule> tokens;  // empty: no authentication
  };

  KubesimServer(Cluster& cluster, Options options);
  ~KubesimServer();

  // Binds and serves; Unavailable when the address cannot be bound or TLS cannot be set up.
  common::Status Start();
  int port() const { return server_.port(); }
  // Ends hanging requests and watch streams, then stops serving.
  void Stop();

  // Answers one Kubernetes API request (authentication included) as the server would; for
  // tests that need no network. Exceptions from the JSON library are not caught here (the
  // route catches them and answers 500).
  common::HttpResponse ServeApi(const common::HttpRequest& request);

 private:
  Cluster& cluster_;
  Options options_;
  Authenticator auth_;
  RestApi rest_;
  ServiceProxy proxy_;
  ControlApi control_;
  ApiRequestCounter requests_;
  ClusterMetrics metrics_;
  common::HttpServer server_;
};

}  // namespace rebound::kubesim
