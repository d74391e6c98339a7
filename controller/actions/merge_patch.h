// Computing a JSON merge patch (RFC 7386) that turns one document into another, so that a
// change can be sent as a merge patch carrying metadata.resourceVersion (a concurrent writer
// then gets a Conflict instead of a silent overwrite). Pure function, thread-safe.
#pragma once

#include <nlohmann/json.hpp>

namespace rebound::controller::actions {

// The merge patch P with from.merge_patch(P) == to: keys of `to` that differ are set (objects
// recursively, anything else whole), keys only in `from` are set to null (removed). An empty
// object when they are equal. Values in `to` that are null themselves cannot be expressed (a
// merge patch null means "remove"), so such keys end up absent — the same to the API server.
nlohmann::json MergePatchDiff(const nlohmann::json& from, const nlohmann::json& to);

}  // namespace rebound::controller::actions
