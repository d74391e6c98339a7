#include "tools/kubesim/server.h"

#include <spdlog/spdlog.h>

#include "tools/kubesim/api_request.h"
#include "tools/kubesim/discovery.h"

namespace rebound::kubesim {
namespace {

constexpr size_t kMaxBodyBytes = 3 * 1024 * 1024;  // the API server's default request limit

common::HttpServer::Options ServerOptions(const KubesimServer::Options& options) {
  common::HttpServer::Options out;
  out.listen = options.listen;
  out.tls_cert_file = options.tls_cert_file;
  out.tls_key_file = options.tls_key_file;
  out.num_threads = 64;  // hanging faults each hold a handler thread (watches do not)
  return out;
}

// A request that throws is answered the way the API server would, with a Status object.
common::HttpServer::Route Route(std::vector<std::string> methods, common::HttpHandler handler) {
  common::HttpServer::Route route;
  route.methods = std::move(methods);
  route.handler = [handler = std::move(handler)](const common::HttpRequest& request) {
    try {
      return handler(request);
    } catch (const std::exception& e) {
      spdlog::error("kubesim: request failed: {}", e.what());
      return ApiError::Internal(e.what()).ToResponse();
    }
  };
  return route;
}

}  // namespace

KubesimServer::KubesimServer(Cluster& cluster, Options options)
    : cluster_(cluster),
      options_(std::move(options)),
      auth_(options_.tokens),
      rest_(cluster.store(), cluster.clock()),
      proxy_(cluster.store(), cluster.pods(), cluster.behaviours(), cluster.clock(),
             cluster.seed()),
      control_(cluster),
      metrics_(cluster, requests_),
      server_(ServerOptions(options_)) {
  auto fixed = [](common::HttpResponse response) {
    return Route({"GET"}, [response](const common::HttpRequest&) { return response; });
  };
  server_.Handle("/version", fixed(VersionResponse()));
  for (const char* path : {"/healthz", "/livez", "/readyz"}) {
    server_.Handle(path, fixed(common::HttpResponse::Text(200, "ok")));
  }
  server_.Handle("/metrics", Route({"GET"}, [this](const common::HttpRequest&) {
                   return common::HttpResponse::Text(200, RenderMetrics(metrics_),
                                                     "text/plain; version=0.0.4; charset=utf-8");
                 }));
  server_.HandlePrefix("/kubesim/v1/", Route({"GET", "POST", "PUT", "DELETE"},
                                             [this](const common::HttpRequest& request) {
                                               return control_.Handle(request);
                                             }));
  common::HttpServer::Route api =
      Route({"GET", "POST", "PUT", "PATCH", "DELETE"},
            [this](const common::HttpRequest& request) { return ServeApi(request); });
  api.max_body_bytes = [] { return kMaxBodyBytes; };
  api.check_headers =
      [this](const common::HttpRequest& request) -> std::optional<common::HttpResponse> {
    if (auth_.Authenticate(request)) return std::nullopt;
    return ApiError::Unauthorized().ToResponse();
  };
  server_.HandlePrefix("/", std::move(api));
}

KubesimServer::~KubesimServer() { Stop(); }

common::Status KubesimServer::Start() {
  REBOUND_RETURN_IF_ERROR(server_.Start());
  spdlog::info("kubesim: serving the Kubernetes API on {}://127.0.0.1:{}",
               server_.tls() ? "https" : "http", server_.port());
  return common::Status::Ok();
}

void KubesimServer::Stop() {
  cluster_.faults().Shutdown();
  proxy_.Shutdown();
  server_.Stop();
}

common::HttpResponse KubesimServer::ServeApi(const common::HttpRequest& request) {
  std::optional<TokenRule> rule = auth_.Authenticate(request);
  if (!rule) return ApiError::Unauthorized().ToResponse();
  if (request.path.starts_with("/openapi/")) {
    if (auto response = OpenApiResponse(request.path)) return *response;
    return ApiError::NoSuchPath().ToResponse();
  }
  std::string address = "127.0.0.1:" + std::to_string(server_.port());
  if (auto response =
          DiscoveryResponse(request.path, request.Header("Accept").value_or(""), address)) {
    return *response;
  }
  auto api = ParseApiRequest(request);
  if (!api.ok()) {
    return (api.status().code() == common::StatusCode::kNotFound
                ? ApiError::NoSuchPath()
                : ApiError::MethodNotAllowed(request.method))
        .ToResponse();
  }
  std::string resource =
      api->type->resource + (api->subresource.empty() ? "" : "/" + api->subresource);
  common::HttpResponse response;
  if (auto forbidden = Authenticator::Authorize(*rule, *api)) {
    response = forbidden->ToResponse();
  } else if (auto fault = cluster_.faults().Take(*api, request.body)) {
    spdlog::info("kubesim: injecting a fault into {} {}", request.method, request.path);
    response = cluster_.faults().Answer(*fault, *api).ToResponse();
  } else if (api->subresource == "proxy") {
    response = proxy_.Serve(*api);
  } else {
    response = rest_.Serve(*api, request);
  }
  spdlog::debug("kubesim: {} {}?{} -> {}", request.method, request.path, request.query,
                response.status);
  requests_.Record(api->verb, resource, response.status);
  return response;
}

}  // namespace rebound::kubesim
