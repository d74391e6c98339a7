// The arithmetic and the reproducible random choices of a chaos fault (DESIGN.md section 7.1,
// "Inject"): how many pods or replicas a count or percent means, which pods a seed picks, and
// the blast-radius rule. Kept apart from the runner so that a recorded choice can be checked
// by recomputing it.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "controller/chaos/experiment.h"

namespace rebound::controller::chaos {

// How many of `total` pods (pod-kill) or replicas (scale-down) `fault` takes: its count, or its
// percent of `total` rounded up; never more than `total`. 0 when `total` is 0.
int FaultAmount(const Fault& fault, int total);

// `k` distinct indexes of [0, n) chosen by a partial Fisher-Yates shuffle driven by
// std::mt19937_64(seed), whose output the standard fixes: the same seed gives the same choice
// on every platform and build. All of [0, n) (shuffled) when k >= n.
std::vector<size_t> SeededSample(size_t n, size_t k, uint64_t seed);

// Whether a pod (as read) is Ready (condition Ready=True) and not being deleted.
bool PodReady(const nlohmann::json& pod);

// The blast-radius rule for taking `taken` of `ready` ready pods: "" when allowed, otherwise the
// reason ("would leave no ready pod of 3 (allowTotalOutage is false)"). Leaving none is
// allowed with `allow_total_outage`; with no ready pod at all there is nothing to take.
std::string BlastRadiusRefusal(int ready, int taken, bool allow_total_outage);

// Whether a node (as read) takes new pods: Ready (condition Ready=True) and not cordoned.
bool NodeSchedulable(const nlohmann::json& node);

// Whether pods of `pod_spec` (a pod template's spec) may be placed on `node` as far as its
// labels, name and taints go: the pod's nodeSelector matches the node's labels, its required
// node affinity (affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution:
// nodeSelectorTerms ORed, the requirements of a term ANDed; matchExpressions with In, NotIn,
// Exists, DoesNotExist, Gt, Lt on the labels, matchFields on metadata.name) lets it there,
// and every NoSchedule or NoExecute taint of the node is tolerated. Not judged: preferred
// affinity, pod affinity and anti-affinity, topology spread, resources and ports.
bool PodFitsNode(const nlohmann::json& pod_spec, const nlohmann::json& node);

// The blast-radius rule for cordoning `node` among `nodes` (every node, as listed): "" when
// allowed, otherwise the reason. Refused without `allow_total_outage` when no other node is
// schedulable, and, for a workload (`pod_spec` its pod template's spec; null for a Node
// target), when no other schedulable node would take its pods.
std::string CordonRefusal(const std::vector<nlohmann::json>& nodes, const std::string& node,
                          const nlohmann::json* pod_spec, bool allow_total_outage);

}  // namespace rebound::controller::chaos
