// Server-side Table rendering (meta.k8s.io/v1 Table), the form `kubectl get` asks for: the
// columns a real API server prints for each kind (priority 1 columns show with -o wide), and
// each row's object as PartialObjectMetadata so -A and --show-labels work.
//
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "tools/kubesim/resource_types.h"

namespace rebound::kubesim {

// True when an Accept header asks for a Table ("as=Table").
bool WantsTable(std::string_view accept);

// A Table of `objects` of `type`, ages measured against `now`.
nlohmann::json ToTable(const ResourceType& type, const std::vector<nlohmann::json>& objects,
                       uint64_t resource_version, std::chrono::system_clock::time_point now);

// Kubernetes' HumanDuration: "45s", "3m20s", "5h", "12d", "2y".
std::string HumanDuration(std::chrono::seconds age);

}  // namespace rebound::kubesim
