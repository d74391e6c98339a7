// ControlApi: kubesim's own endpoints under /kubesim/v1, for tests and demos to steer the
// simulation at run time (JSON in and out; errors as {"status":"error","error":...}).
//
//   GET    /kubesim/v1/state      workloads (replicas, current version and behaviour, every
//                                 version's behaviour, traffic and calls to a dependency),
//                                 pods (phase, node, readiness, restarts, memory, connection
//                                 pool), pending faults and injected counts, and the
//                                 scenario's timeline (timeline.h: each entry with applied
//                                 true/false and, once applied, at)
//   POST   /kubesim/v1/namespaces/NS/deployments/NAME/behaviour    a behaviour (behaviour.h)
//   POST   /kubesim/v1/namespaces/NS/statefulsets/NAME/behaviour   for the workload's
//                                 current version; 404 when the workload does not exist
//   GET    /kubesim/v1/faults     the pending API faults
//   POST   /kubesim/v1/faults     a fault (faults.h) or a list of them
//   DELETE /kubesim/v1/faults     removes every pending fault
//
// Thread-safety: thread-safe (the cluster's parts are).
#pragma once

#include "common/http_server.h"
#include "tools/kubesim/cluster.h"

namespace rebound::kubesim {

class ControlApi {
 public:
  explicit ControlApi(Cluster& cluster) : cluster_(cluster) {}

  common::HttpResponse Handle(const common::HttpRequest& request);

 private:
  common::HttpResponse State();
  common::HttpResponse SetBehaviour(const WorkloadRef& workload,
                                    const common::HttpRequest& request);
  common::HttpResponse Faults(const common::HttpRequest& request);

  Cluster& cluster_;
};

}  // namespace rebound::kubesim
