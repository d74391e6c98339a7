// Target resolution: from a playbook's target spec and an alert's labels to the workload to act
// on (DESIGN.md section 4). Deployments and StatefulSets are taken by name; a Pod resolves to
// the Deployment (through its ReplicaSet) or StatefulSet that controls it, following the
// controller ownerReferences as `kubectl` does. A remediation resumed after a restart reads
// the workload it resolved then (ReadResolvedTarget) instead.
//
// Thread-safety: a pure function of its arguments and the API's answers.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "controller/actions/action.h"
#include "controller/playbook/playbook.h"
#include "kube/kube_client.h"

namespace rebound::controller::healing {

struct ResolvedTarget {
  actions::Target target;
  nlohmann::json object;  // the workload as read
  std::string uid;        // its uid: a later read with another uid means it was replaced
};

// Renders the spec's templates and reads the workload. Failures: InvalidArgument when a
// template cannot be rendered (the message names the missing label); NotFound when the object
// does not exist; FailedPrecondition when a pod has no Deployment or StatefulSet controller;
// the API's error otherwise.
common::Result<ResolvedTarget> ResolveTarget(const playbook::TargetSpec& spec,
                                             const templates::TemplateContext& vars,
                                             kube::KubeClient& kube);

// Reads `target`, a workload resolved earlier (before a restart): a pod the alert named may be
// gone — replaced by the very remediation being resumed — while its workload is what that
// remediation works on. Failures: NotFound when it does not exist; the API's error otherwise.
common::Result<ResolvedTarget> ReadResolvedTarget(const actions::Target& target,
                                                  kube::KubeClient& kube);

}  // namespace rebound::controller::healing
