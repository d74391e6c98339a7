#include "tools/kubesim/service_proxy.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "tools/kubesim/api_error.h"
#include "tools/kubesim/app_faults.h"
#include "tools/kubesim/json_access.h"
#include "tools/kubesim/selectors.h"
#include "tools/kubesim/traffic_simulator.h"
#include "tools/kubesim/workload_util.h"

namespace rebound::kubesim {
namespace {

std::chrono::milliseconds Capped(double seconds) {
  auto delay = std::chrono::milliseconds(std::llround(seconds * 1000));
  return std::clamp(delay, std::chrono::milliseconds(0), ServiceProxy::kMaxDelay);
}

// [SCHEME:]NAME[:PORT] as the API server splits it; false when malformed.
bool SplitTarget(const std::string& target, std::string& name, std::string& port) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t colon; (colon = target.find(':', start)) != std::string::npos; start = colon + 1) {
    parts.push_back(target.substr(start, colon - start));
  }
  parts.push_back(target.substr(start));
  if (parts.size() == 3) {
    if (parts[0] != "" && parts[0] != "http" && parts[0] != "https") return false;
    parts.erase(parts.begin());
  }
  if (parts.size() > 2) return false;
  name = parts[0];
  port = parts.size() == 2 ? parts[1] : "";
  return !name.empty();
}

// True when `port` (empty: any) names or numbers one of the Service's ports.
bool HasPort(const json& service, const std::string& port) {
  const json* ports = Find(service, "/spec/ports");
  if (ports == nullptr || !ports->is_array() || ports->empty()) return false;
  if (port.empty()) return true;
  return std::any_of(ports->begin(), ports->end(), [&](const json& p) {
    return StringAt(p, "/name") == port || std::to_string(IntAt(p, "/port", 0)) == port;
  });
}

common::HttpResponse Unavailable(std::string body) {
  return common::HttpResponse::Text(503, std::move(body) + "\n");
}

}  // namespace

ServiceProxy::Answer ServiceProxy::Decide(const std::string& ns, const std::string& target) {
  const ResourceType& services = TypeOf(Kind::kService);
  std::string name, port;
  if (!SplitTarget(target, name, port)) {
    return {ApiError::BadRequest("invalid service request \"" + target + "\"").ToResponse()};
  }
  auto service = store_.Get(services, ns, name);
  if (!service.ok()) return {ApiError::FromStatus(service.status(), services, name).ToResponse()};
  if (!HasPort(*service, port)) {
    ApiError error = ApiError::NotFound(services, name);
    error.message = "no port \"" + port + "\" on service \"" + name + "\"";
    return {error.ToResponse()};
  }
  // A Service without a selector has no endpoints kubesim manages.
  const json* selector = Find(*service, "/spec/selector");
  auto parsed = LabelSelector::FromJson(json{{"matchLabels", selector ? *selector : json()}});
  std::vector<json> endpoints;
  for (json& pod : store_.ListObjects(TypeOf(Kind::kPod), ns).items) {
    if (!parsed.ok() || parsed->empty() || !PodReady(pod) ||
        Find(pod, "/metadata/deletionTimestamp") != nullptr) {
      continue;
    }
    if (parsed->Matches(StringMapAt(pod, "/metadata/labels"))) endpoints.push_back(std::move(pod));
  }
  if (endpoints.empty()) {
    return {Unavailable("no endpoints available for service \"" + name + "\"")};
  }
  size_t turn = 0;
  {
    std::lock_guard lock(mu_);
    turn = static_cast<size_t>(turns_[ns + "/" + name]++ % endpoints.size());
  }
  return AppAnswer(ns, endpoints[turn]);
}

ServiceProxy::Answer ServiceProxy::AppAnswer(const std::string& ns, const json& pod) {
  auto now = clock_.MonotonicNow();
  std::string who = ns + "/" + NameOf(pod);
  // The pod's own behaviour (its code version) and its workload's current one, which sets the
  // load; a pod no workload controls is a healthy single replica.
  Behaviour own;
  Behaviour current;
  SteadyTime started = now;
  double ready = 1;
  std::vector<PodSimulator::App> apps = pods_.Apps();
  auto app = std::find_if(apps.begin(), apps.end(), [&](const PodSimulator::App& a) {
    return a.ns == ns && a.pod == NameOf(pod);
  });
  if (app != apps.end()) {
    own = app->behaviour;
    started = app->started;
    auto workload = store_.Get(TypeOf(app->workload.kind), ns, app->workload.name);
    if (workload.ok()) {
      const json* spec = Find(*workload, "/spec/template/spec");
      current = behaviours_.Get(app->workload, CodeVersion(spec ? *spec : json()));
      ready =
          static_cast<double>(std::max<int64_t>(1, IntAt(*workload, "/status/readyReplicas", 0)));
    }
  }
  TrafficSimulator::Load load = TrafficSimulator::LoadOf(current, ready, now);
  double fault = FaultFailureRatio(own, started, now);
  double overload_draw = 0;
  double fault_draw = 0;
  {
    std::lock_guard lock(mu_);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    overload_draw = uniform(random_);
    fault_draw = uniform(random_);
  }
  if (overload_draw < load.UnservedShare()) {
    return {Unavailable("overloaded: " + who), Capped(load.latency_seconds)};
  }
  if (fault_draw < fault) {
    return {Unavailable("upstream failure in " + who),
            Capped(std::chrono::duration<double>(own.timeout).count())};
  }
  return {common::HttpResponse::Text(200, "ok from " + who + "\n"), Capped(load.latency_seconds)};
}

common::HttpResponse ServiceProxy::Serve(const ApiRequest& request) {
  Answer answer = Decide(request.ns, request.name);
  Wait(answer.delay);
  return std::move(answer.response);
}

void ServiceProxy::Wait(std::chrono::milliseconds delay) {
  std::unique_lock lock(mu_);
  shutdown_cv_.wait_for(lock, delay, [&] { return shutdown_; });
}

void ServiceProxy::Shutdown() {
  std::lock_guard lock(mu_);
  shutdown_ = true;
  shutdown_cv_.notify_all();
}

}  // namespace rebound::kubesim
