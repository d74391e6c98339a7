// The kube-state-metrics series of the objects in the store (names and labels as
// kube-state-metrics v2 exports them; see metrics.h for the list).
//
// Thread-safety: reads the thread-safe store only.
#pragma once

#include "tools/kubesim/metric_families.h"
#include "tools/kubesim/object_store.h"

namespace rebound::kubesim {

void CollectKubeState(const ObjectStore& store, Families& out);

}  // namespace rebound::kubesim
