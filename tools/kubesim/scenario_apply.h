// Building the cluster a Scenario describes: namespaces, nodes (one Ready node when none is
// given), workloads created through the same rules as API clients and rolled through their
// revisions (so earlier revisions exist as old ReplicaSets), behaviours, Services, disruption
// budgets and API faults; the scenario's timeline starts at the clock's now.
//
// Thread-safety: call before serving requests; the cluster is advanced with Tick() on the
// calling thread.
#pragma once

#include "common/status.h"
#include "tools/kubesim/cluster.h"
#include "tools/kubesim/scenario.h"

namespace rebound::kubesim {

// Internal when an object the scenario describes cannot be created (the message names it).
common::Status ApplyScenario(const Scenario& scenario, Cluster& cluster);

}  // namespace rebound::kubesim
