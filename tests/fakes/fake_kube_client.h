// FakeKubeStore and FakeKubeClient: the test names of the in-memory Kubernetes API
// (kube/memory_kube_client.h), for unit tests of code that uses kube::KubeClient. See that
// header for what it does and where it differs from a real server. Thread-safe.
#pragma once

// Tests written against the old self-contained fake rely on what it included.
#include "kube/api_error.h"
#include "kube/memory_kube_client.h"
#include "kube/object.h"

namespace rebound::testing {

using FakeKubeStore = kube::MemoryKubeStore;
using FakeKubeClient = kube::MemoryKubeClient;

}  // namespace rebound::testing
