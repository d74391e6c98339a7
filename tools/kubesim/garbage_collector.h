// Garbage collection by owner references, as the Kubernetes garbage collector does it:
// objects whose owners are all gone are deleted (so deleting a Deployment removes its
// ReplicaSets, then their pods), as are namespaced objects of a deleted namespace; and a
// DELETE with propagationPolicy=Orphan first strips the owner reference from the dependents.
// Foreground deletion is treated as background: the owner goes at once, dependents next.
//
// Thread-safety: stateless; the store is thread-safe. Writes that lose a race with another
// writer are left for the next pass.
#pragma once

#include <string>

#include "tools/kubesim/object_store.h"

namespace rebound::kubesim {

// One pass: deletes ReplicaSets, then pods, then every other object whose owner references
// all name objects that no longer exist, and every object of a namespace that no longer
// exists. Returns how many objects were deleted.
int CollectGarbage(ObjectStore& store);

// Removes the owner reference to `owner_uid` from every object in namespace `ns` ("" for all).
void OrphanDependents(ObjectStore& store, const std::string& ns, const std::string& owner_uid);

}  // namespace rebound::kubesim
