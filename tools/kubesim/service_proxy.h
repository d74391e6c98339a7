// ServiceProxy: the proxy subresource of Services, GET (and HEAD)
// /api/v1/namespaces/NS/services/[SCHEME:]NAME[:PORT]/proxy[/PATH], answering as the
// simulated application behind the Service would, so that blackbox_exporter can probe the apps
// through kubesim as it would through a real API server.
//
//   - no such Service, or PORT (a number or a port name; default the first port) is not one
//     of its ports: 404 Kubernetes Status; a malformed target: 400
//   - no Ready pod matches the Service's selector: 503, plain text
//     `no endpoints available for service "NAME"`
//   - otherwise one Ready matching pod is chosen (round robin) and its workload's behaviour
//     decides, as in the simulated traffic (TrafficSimulator::LoadOf, app_faults.h): the
//     share of the offered requests the ready replicas cannot serve (overload) fails with 503
//     after the current latency, the share the pod's own faults fail (dependency-errors,
//     connection-pool-exhausted) fails with 503 after the behaviour's timeout, and the rest
//     get 200 `ok from NS/POD` after the current latency. Which requests fail is drawn from a
//     seeded generator.
// Every wait is capped at kMaxDelay, and Shutdown() ends the waits in progress.
//
// Thread-safety: thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>

#include "common/clock.h"
#include "common/http_server.h"
#include "tools/kubesim/api_request.h"
#include "tools/kubesim/behaviour.h"
#include "tools/kubesim/object_store.h"
#include "tools/kubesim/pod_simulator.h"

namespace rebound::kubesim {

class ServiceProxy {
 public:
  static constexpr std::chrono::milliseconds kMaxDelay{5000};

  ServiceProxy(const ObjectStore& store, const PodSimulator& pods, const BehaviourBook& behaviours,
               const common::Clock& clock, uint64_t seed)
      : store_(store), pods_(pods), behaviours_(behaviours), clock_(clock), random_(seed) {}

  struct Answer {
    common::HttpResponse response;
    std::chrono::milliseconds delay{0};  // how long the application takes; at most kMaxDelay
  };
  // The answer to a proxy request for `target` ("cart", "cart:80", "http:cart:http") in `ns`,
  // without waiting.
  Answer Decide(const std::string& ns, const std::string& target);

  // Decide(), then waits its delay (real time) unless Shutdown() was called.
  common::HttpResponse Serve(const ApiRequest& request);

  // Ends the waits in progress and makes later ones return at once.
  void Shutdown();

 private:
  // The application in `pod` (a Ready pod of namespace `ns`) answering one request.
  Answer AppAnswer(const std::string& ns, const nlohmann::json& pod);
  void Wait(std::chrono::milliseconds delay);

  const ObjectStore& store_;
  const PodSimulator& pods_;
  const BehaviourBook& behaviours_;
  const common::Clock& clock_;
  std::mutex mu_;
  std::mt19937_64 random_;                 // guarded by mu_
  std::map<std::string, uint64_t> turns_;  // round robin per NS/NAME; guarded by mu_
  bool shutdown_ = false;                  // guarded by mu_
  std::condition_variable shutdown_cv_;
};

}  // namespace rebound::kubesim
