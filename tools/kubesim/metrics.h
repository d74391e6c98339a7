// The /metrics of kubesim: the series a real cluster's monitoring exposes, with the same
// names and labels, so that one set of alert rules works against kubesim and a real cluster.
//
// kube-state-metrics:
//   kube_deployment_spec_replicas, kube_deployment_status_replicas{,_available,_ready,
//   _updated,_unavailable}, kube_deployment_metadata_generation,
//   kube_deployment_status_observed_generation                    {namespace,deployment}
//   kube_statefulset_replicas, kube_statefulset_status_replicas{,_ready,_current,_updated,
//   _available}, kube_statefulset_metadata_generation,
//   kube_statefulset_status_observed_generation                    {namespace,statefulset}
//   kube_replicaset_spec_replicas, kube_replicaset_status_ready_replicas {namespace,replicaset}
//   kube_pod_status_phase{namespace,pod,phase}, kube_pod_status_ready{namespace,pod,condition},
//   kube_pod_owner{namespace,pod,owner_kind,owner_name,owner_is_controller},
//   kube_pod_info{namespace,pod,node,pod_ip,host_ip,created_by_kind,created_by_name},
//   kube_pod_container_status_restarts_total, kube_pod_container_status_ready
//                                                        {namespace,pod,container}
//   kube_pod_container_status_waiting_reason{namespace,pod,container,reason},
//   kube_pod_container_status_last_terminated_reason{namespace,pod,container,reason},
//   kube_pod_container_resource_limits{namespace,pod,container,resource,unit},
//   kube_node_spec_unschedulable{node}, kube_node_status_condition{node,condition,status},
//   kube_poddisruptionbudget_status_pod_disruptions_allowed{namespace,poddisruptionbudget}
// cAdvisor: container_memory_working_set_bytes{namespace,pod,container}
// Applications: http_requests_total{namespace,deployment|statefulset,code} and the histogram
//   http_request_duration_seconds{namespace,deployment|statefulset}; calls to a dependency:
//   http_client_requests_total{namespace,deployment|statefulset,peer,code} and the histogram
//   http_client_request_duration_seconds{namespace,deployment|statefulset,peer}; database
//   connection pools (OpenTelemetry names): db_client_connections_usage{namespace,pod,
//   pool_name,state="used"|"idle"}, db_client_connections_max{namespace,pod,pool_name},
//   db_client_connections_timeouts_total{namespace,pod,pool_name}
// kubesim itself: kubesim_api_requests_total{verb,resource,code},
//   kubesim_faults_injected_total{type}
//
// Thread-safety: Collect() may run concurrently with the cluster's Tick() and with itself.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "tools/kubesim/cluster.h"

namespace rebound::kubesim {

// Counts the Kubernetes API requests kubesim answered. Thread-safe.
class ApiRequestCounter {
 public:
  void Record(const std::string& verb, const std::string& resource, int code);
  std::map<std::tuple<std::string, std::string, int>, uint64_t> Counts() const;

 private:
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> counts_;
};

class ClusterMetrics final : public prometheus::Collectable {
 public:
  ClusterMetrics(Cluster& cluster, const ApiRequestCounter& requests)
      : cluster_(cluster), requests_(requests) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  Cluster& cluster_;
  const ApiRequestCounter& requests_;
};

// The Prometheus text exposition of `collectable`.
std::string RenderMetrics(const prometheus::Collectable& collectable);

}  // namespace rebound::kubesim
