// kubesim: a Kubernetes API simulator for tests and demos (DESIGN.md section 9).
#include <signal.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/duration.h"
#include "common/logging.h"
#include "tools/kubesim/cluster.h"
#include "tools/kubesim/scenario.h"
#include "tools/kubesim/scenario_apply.h"
#include "tools/kubesim/server.h"

namespace {

using rebound::kubesim::Cluster;
using rebound::kubesim::KubesimServer;

constexpr std::string_view kUsage =
    R"(Usage: kubesim --listen HOST:PORT [--scenario FILE] [--tls-cert FILE --tls-key FILE]
               [--token SPEC]... [--pod-start-delay DURATION] [--tick DURATION]
               [--seed N] [--log-level LEVEL]

kubesim is a SIMULATOR: it speaks the subset of the Kubernetes API that kubectl and Rebound
use, with simulated controllers, pods and application behaviour. No containers run.

Options:
  --listen HOST:PORT        address to serve on (IPv4 or localhost); port 0 picks a free one.
                            The first line on stdout is "listening on HOST:PORT".
  --scenario FILE           the cluster to start with (format below). Without it: one Ready
                            node ("node-1"), the namespaces default, kube-system, kube-public
                            and kube-node-lease, and no workloads.
  --tls-cert FILE           serve HTTPS only, with this PEM certificate (chain) ...
  --tls-key FILE            ... and this PEM private key (both or neither)
  --token SPEC              require "Authorization: Bearer TOKEN" (repeat for several tokens).
                            SPEC is the token alone (full access as user "kubesim") or the
                            token followed by ';'-separated rules, each a comma list where "*"
                            or an absent rule allows everything:
                              TOKEN;user=NAME;verbs=get,list,watch;namespaces=shop;
                                resources=pods,deployments/scale
                            (one argument, no spaces).
                            Verbs: get list watch create update patch delete deletecollection.
                            As in RBAC a subresource needs its own entry (deployments/scale,
                            pods/status) or RESOURCE/*. Cluster-scoped requests need
                            namespaces absent or "*". Without --token nothing is checked.
                            Missing/unknown token: 401. Not allowed: 403 with the API server's
                            message ('pods "x" is forbidden: User "u" cannot delete resource
                            "pods" in API group "" in the namespace "shop"').
  --pod-start-delay DURATION  time from pod creation to Running (default 1s)
  --tick DURATION           how often the simulated controllers run (default 100ms)
  --seed N                  seed for generated names and uids (default: random)
  --log-level LEVEL         trace | debug | info | warn | error (default info; logs on stderr)
  -h, --help                show this help

Signals: SIGTERM/SIGINT end open watch streams and hanging requests, stop, and exit 0.
Exit codes: 0 stopped by a signal; 1 bad scenario or cannot serve; 2 bad command line.

KUBERNETES API (HTTP/1.1, keep-alive, JSON; Table responses for kubectl get)
  GET /version (v1.32.4), discovery (/api, /apis, /api/v1, /apis/GROUP/v1; aggregated
  apidiscovery.k8s.io/v2 when asked for), skeleton OpenAPI v3 (/openapi/v3) for
  `kubectl create -f`. Resources:
    v1: namespaces, nodes (+status), pods (+status), events, services (+status, +proxy)
    apps/v1: deployments, replicasets, statefulsets (+status, +scale)
    coordination.k8s.io/v1: leases        policy/v1: poddisruptionbudgets (+status)
  Verbs: get, list, watch, create, update (PUT), patch, delete, deletecollection, on every
  resource; scale: get, update, patch. Semantics: one global resourceVersion; uid,
  creationTimestamp, generation (workloads); PUT/PATCH with a stale
  metadata.resourceVersion -> 409; no-op writes keep the resourceVersion; PATCH as
  application/merge-patch+json, json-patch+json or strategic-merge-patch+json (merge keys:
  containers/env/volumes by name, conditions by type, ...; null deletes; $patch directives);
  ?labelSelector (=, ==, !=, in, notin, key, !key) and ?fieldSelector (metadata.name and any
  dotted field); DELETE with propagationPolicy (Background, Foreground, Orphan) and
  preconditions; ?dryRun=All; ?fieldValidation=Strict; a body without Content-Type is JSON.
  Watch (?watch=true): one JSON event per line; resourceVersion ""/"0" starts with ADDED
  for every match, N replays changes after N, a too-old N gets a 410 Expired ERROR event;
  timeoutSeconds is honoured. Errors are Kubernetes Status objects (400, 401, 403, 404, 405,
  409, 410, 415, 422, 429, 500, 503, 504). Workloads may ask for at most 1000 replicas.
  Service proxy: GET/HEAD /api/v1/namespaces/NS/services/[http:|https:]NAME[:PORT]/proxy[/PATH]
  (PORT a number or a port name; default the first) answers as the app behind it: 404
  Status for an unknown Service or port; 503 `no endpoints available for service "NAME"`
  with no Ready pod matching the selector; else a Ready pod in turn answers by its
  workload's behaviour: 200 `ok from NS/POD` after the latency, or 503 for the share the
  simulated traffic fails (overload: after the raised latency; dependency-errors and
  connection-pool-exhausted: after `timeout`), chosen at random (seeded). Waits are capped
  at 5s. Services get a ClusterIP in 10.96.0.0/16 derived from namespace/name.
  Not served: pods/log, exec, attach, port-forward, eviction, server-side apply, protobuf
  bodies (`kubectl create namespace` sends one: use `kubectl create -f`), pagination
  (continue), BOOKMARK events, ControllerRevisions (no `rollout undo` for StatefulSets),
  volumes, and any other resource type.

SIMULATED CONTROLLERS (every --tick)
  Deployments own ReplicaSets (NAME-HASH, deployment.kubernetes.io/revision) which own pods;
  a template change (e.g. kubectl rollout restart) rolls out a new ReplicaSet honouring
  maxSurge/maxUnavailable (or Recreate); `kubectl rollout undo` works. StatefulSets own
  NAME-0..N-1 (OrderedReady or Parallel, RollingUpdate from the highest ordinal). Deleted pods
  are replaced; pods start --pod-start-delay after creation on the least-loaded Ready,
  schedulable node (cordoned nodes get no new pods); status and readiness counts follow the
  pods; disruption budgets track healthy pods; owner references are garbage-collected;
  controllers emit Events.

SCENARIO FILE (YAML; unknown keys and bad values are errors reported as file:line:col)
  namespaces: [shop]                 # also created: every namespace a workload names
  nodes:                             # default: one Ready node "node-1"
    - {name: node-1, ready: true, unschedulable: false, labels: {...}, cpu: "4", memory: 16Gi}
  deployments:                       # statefulsets: the same keys + serviceName,
    - name: checkout                 #   podManagementPolicy (OrderedReady | Parallel)
      namespace: shop                # default "default"
      replicas: 2                    # default 1
      labels: {app: checkout, rebound.io/chaos: enabled}  # workload and pod labels;
                                     # selector app=<labels.app>, default app=<name>
      container: checkout            # default <name>
      image: shop/checkout:1.4.2     # default registry.local/<name>:1.0.0
      memoryLimit: 256Mi             # container memory limit: a leak is OOMKilled there
      behaviour: {type: memory-leak, leakPerSecond: 1Mi}  # default healthy
      revisions:                     # instead of image + behaviour: rollout history,
        - {image: shop/checkout:1.4.2, behaviour: {type: healthy}}   # oldest first; the
        - {image: shop/checkout:1.5.0, behaviour: {type: crash-loop}}  # last is current
  services:                          # v1 Services, type ClusterIP
    - name: checkout
      namespace: shop                # default "default"
      selector: {app: checkout}      # default {app: <name>}
      ports: [{name: http, port: 80}]  # default [{name: http, port: 80}]
  podDisruptionBudgets:
    - {name: checkout, namespace: shop, minAvailable: 1, selector: {app: checkout}}
  faults: [{verb: patch, resource: deployments, type: conflict, count: 2}]
  timeline:                          # changes `after` kubesim starts, in order of after
    - after: 60s                     # kubectl set image of the first container; the new
      rollout: {namespace: shop, deployment: checkout, image: shop/checkout:1.6.0,
                behaviour: {type: crash-loop}}   # version gets the behaviour (default
                                     # healthy); statefulset: NAME for a StatefulSet
    - after: 30s                     # the current version's behaviour, as POST .../behaviour
      behaviour: {namespace: shop, deployment: checkout, behaviour: {type: overload,
                  requestsPerSecond: 400, capacityPerReplica: 100, rampFrom: 80, rampOver: 2m}}
    # the workloads named must be in the scenario; GET /kubesim/v1/state shows each entry
    # with applied true/false and at

BEHAVIOURS (per workload and code version = the containers' name/image/command/args/env;
  a rollout restart keeps the version, a rollback returns to the previous one's behaviour,
  a version never given one is healthy)
  type: healthy | memory-leak | crash-loop | overload | dependency-errors |
        connection-pool-exhausted
  baseMemory: 64Mi          working set of a fresh container (default 64Mi)
  leakPerSecond: 1Mi        memory-leak (required): growth per second of uptime; the memory
                            resets when the pod is replaced or OOMKilled at its limit
  restartInterval: 10s      crash-loop: restarts this often, never ready (CrashLoopBackOff)
  requestsPerSecond: 10     traffic offered to the workload (default 10)
  rampFrom: 50              a traffic ramp (both or neither, any type): the offered
  rampOver: 2m                requests/s grows linearly from rampFrom (>= 0) to
                              requestsPerSecond over rampOver, from when the behaviour is set
  capacityPerReplica: 100   overload (required): requests/s one ready replica serves; beyond
                            replicas x capacity requests fail (503) and latency rises
  latency: 50ms             latency when not overloaded (default 50ms)
  timeout: 2s               how long a failed dependency call, or a wait for a pool
                            connection, takes before the request fails (503; default 2s)
  dependency-errors: every request calls `peer` once; a failed call fails the request.
    peer: db                the dependency (required)
    errorRatio: 0.5         share of failing calls once grown, (0, 1] (default 0.5)
    errorGrowth: 1m         linear growth from 0 to errorRatio after the fault starts
    faultAfter: 0s          the fault starts this long after the behaviour is set
    dependencyDown: false   false: only pods running when the fault starts fail (stale
                            connections/DNS, code "0"), so a rollout restart clears it;
                            true: the dependency is down, every pod fails (code "503")
  connection-pool-exhausted: each pod's database pool leaks connections until it is full,
    then the requests that find no free connection time out (503); new pods start empty.
    poolName: main          pool_name label (default main)
    maxConnections: 10      pool size (default 10)
    busyConnections: 2      connections the traffic keeps in use (default 2)
    connectionLeakPerSecond: 0.1   (required) leaked per second of container uptime
  No ready replica: every request fails.

FAULTS (for the API itself; next COUNT matching requests)
  {verb: patch|get|...|*, resource: deployments|deployments/scale|*, namespace: shop,
   bodyContains: TEXT (only requests whose body contains TEXT),
   type: conflict (409) | throttle (429 + Retry-After) | error (500) |
         unavailable (503 + Retry-After) | hang (no answer; 504 after maxHang),
   count: 1, retryAfterSeconds: 1, maxHang: 30s}

CONTROL API (JSON, no authentication)
  GET    /kubesim/v1/state                                  workloads, pods, faults, timeline
  POST   /kubesim/v1/namespaces/NS/deployments/NAME/behaviour   {"type":"memory-leak",...}
  POST   /kubesim/v1/namespaces/NS/statefulsets/NAME/behaviour  (for the current version)
  GET    /kubesim/v1/faults    POST /kubesim/v1/faults {fault or [faults]}    DELETE (clear)

METRICS (GET /metrics, no authentication, Prometheus text format)
  kube-state-metrics: kube_deployment_spec_replicas, kube_deployment_status_replicas,
    kube_deployment_status_replicas_{available,ready,updated,unavailable},
    kube_deployment_metadata_generation, kube_deployment_status_observed_generation
    {namespace,deployment}; kube_statefulset_replicas,
    kube_statefulset_status_replicas{,_ready,_current,_updated,_available},
    kube_statefulset_{metadata_generation,status_observed_generation} {namespace,statefulset};
    kube_replicaset_spec_replicas, kube_replicaset_status_ready_replicas;
    kube_pod_status_phase{namespace,pod,phase}, kube_pod_status_ready{namespace,pod,condition},
    kube_pod_owner{namespace,pod,owner_kind,owner_name,owner_is_controller}, kube_pod_info,
    kube_pod_container_status_restarts_total, kube_pod_container_status_ready
    {namespace,pod,container}, kube_pod_container_status_waiting_reason and
    kube_pod_container_status_last_terminated_reason {...,reason},
    kube_pod_container_resource_limits{...,resource="memory",unit="byte"},
    kube_node_spec_unschedulable{node}, kube_node_status_condition{node,condition,status},
    kube_poddisruptionbudget_status_pod_disruptions_allowed
  cAdvisor: container_memory_working_set_bytes{namespace,pod,container}
  Applications: http_requests_total{namespace,deployment|statefulset,code="200"|"503"},
    http_request_duration_seconds histogram {namespace,deployment|statefulset},
    http_client_requests_total{namespace,deployment|statefulset,peer,code="200"|"0"|"503"},
    http_client_request_duration_seconds histogram {namespace,deployment|statefulset,peer},
    db_client_connections_usage{namespace,pod,pool_name,state="used"|"idle"},
    db_client_connections_max and db_client_connections_timeouts_total
    {namespace,pod,pool_name}
  kubesim: kubesim_api_requests_total{verb,resource,code}, kubesim_faults_injected_total{type}
)";

struct Args {
  KubesimServer::Options server;
  std::string scenario;
  std::chrono::milliseconds pod_start_delay{1000};
  std::chrono::milliseconds tick{100};
  std::optional<uint64_t> seed;
  std::string log_level = "info";
  bool help = false;
  std::string error;
};

Args ParseArgs(int argc, char** argv) {
  Args args;
  std::vector<std::string_view> in(argv + 1, argv + argc);
  bool listen_given = false;
  for (size_t i = 0; i < in.size() && args.error.empty(); ++i) {
    std::string_view flag = in[i];
    std::string value;
    size_t eq = flag.find('=');
    bool inline_value = flag.starts_with("--") && eq != std::string_view::npos;
    if (inline_value) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    }
    if (flag == "-h" || flag == "--help") {
      args.help = true;
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= in.size()) {
        args.error = std::string(flag) + " needs a value";
        break;
      }
      value = in[++i];
    }
    auto duration = [&](std::chrono::milliseconds& out) {
      auto parsed = rebound::common::ParseDuration(value);
      if (!parsed.ok()) {
        args.error = std::string(flag) + ": " + parsed.status().message();
      } else {
        out = *parsed;
      }
    };
    if (flag == "--listen") {
      args.server.listen = value;
      listen_given = true;
    } else if (flag == "--scenario") {
      args.scenario = value;
    } else if (flag == "--tls-cert") {
      args.server.tls_cert_file = value;
    } else if (flag == "--tls-key") {
      args.server.tls_key_file = value;
    } else if (flag == "--token") {
      auto rule = rebound::kubesim::ParseTokenSpec(value);
      if (!rule.ok()) {
        args.error = rule.status().message();
      } else {
        args.server.tokens.push_back(std::move(*rule));
      }
    } else if (flag == "--pod-start-delay") {
      duration(args.pod_start_delay);
    } else if (flag == "--tick") {
      duration(args.tick);
      if (args.error.empty() && args.tick.count() <= 0) args.error = "--tick must be above 0";
    } else if (flag == "--seed") {
      try {
        args.seed = std::stoull(value);
      } catch (const std::exception&) {
        args.error = "--seed needs a number";
      }
    } else if (flag == "--log-level") {
      args.log_level = value;
    } else {
      args.error = "unknown argument \"" + std::string(flag) + "\"";
    }
  }
  if (args.error.empty() && !args.help && !listen_given) args.error = "--listen is required";
  if (args.error.empty() && args.server.tls_cert_file.empty() != args.server.tls_key_file.empty()) {
    args.error = "--tls-cert and --tls-key go together";
  }
  return args;
}

int Run(const Args& args) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  if (auto status = rebound::common::SetupLogging("text", args.log_level); !status.ok()) {
    std::fprintf(stderr, "kubesim: %s\n", status.message().c_str());
    return 2;
  }
  rebound::kubesim::Scenario scenario;
  if (!args.scenario.empty()) {
    rebound::kubesim::ScenarioResult loaded = rebound::kubesim::LoadScenario(args.scenario);
    for (const auto& error : loaded.errors) std::fprintf(stderr, "%s\n", error.ToString().c_str());
    if (!loaded.scenario) {
      std::fprintf(stderr, "kubesim: %s: %zu error(s)\n", args.scenario.c_str(),
                   loaded.errors.size());
      return 1;
    }
    scenario = std::move(*loaded.scenario);
  }

  rebound::common::SystemClock clock;
  Cluster::Options cluster_options;
  cluster_options.pod_start_delay = args.pod_start_delay;
  cluster_options.seed = args.seed.value_or(std::random_device()());
  Cluster cluster(clock, cluster_options);
  if (auto status = rebound::kubesim::ApplyScenario(scenario, cluster); !status.ok()) {
    std::fprintf(stderr, "kubesim: %s\n", status.message().c_str());
    return 1;
  }
  KubesimServer server(cluster, args.server);
  if (auto status = server.Start(); !status.ok()) {
    std::fprintf(stderr, "kubesim: %s\n", status.message().c_str());
    return 1;
  }
  // Start() succeeded, so the address parses.
  std::string host = rebound::common::ParseListenAddress(args.server.listen)->first;
  std::printf("listening on %s:%d\n", host.c_str(), server.port());
  std::fflush(stdout);

  std::mutex mu;
  std::condition_variable wake;
  bool stopping = false;
  std::thread ticker([&] {
    std::unique_lock lock(mu);
    while (!stopping) {
      lock.unlock();
      cluster.Tick();
      lock.lock();
      wake.wait_for(lock, args.tick, [&] { return stopping; });
    }
  });

  int sig = 0;
  while (sigwait(&signals, &sig) != 0) {
  }
  spdlog::info("kubesim: received {}, shutting down", strsignal(sig));
  {
    std::lock_guard lock(mu);
    stopping = true;
  }
  wake.notify_all();
  ticker.join();
  server.Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args args = ParseArgs(argc, argv);
  if (args.help) {
    std::fputs(kUsage.data(), stdout);
    return 0;
  }
  if (!args.error.empty()) {
    std::fprintf(stderr, "kubesim: %s\n\n%s", args.error.c_str(), kUsage.data());
    return 2;
  }
  return Run(args);
}
