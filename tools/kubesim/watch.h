// Watch streams: the chunked responses of ?watch=true, one JSON event per line
// (KUBESIM.md section 3).
//
// A watch from resourceVersion "" or "0" starts with a synthetic ADDED for every current match;
// from N it replays the retained writes after N (410 Expired as an ERROR event when they are
// no longer all retained). Label and field selectors apply to both the old and the new state
// of a change, so an object moving into the selection arrives as ADDED and one moving out as
// DELETED. The stream ends at timeoutSeconds (on the injected clock), when the client goes
// away, or when the server stops.
//
// Thread-safety: WatchFilter is immutable; each stream runs on its own server thread and only
// reads the (thread-safe) store.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/http_server.h"
#include "tools/kubesim/object_store.h"
#include "tools/kubesim/selectors.h"

namespace rebound::kubesim {

struct WatchFilter {
  std::string ns;  // "" for every namespace
  LabelSelector labels;
  FieldSelector fields;

  bool Matches(const nlohmann::json& object) const;
  // The event a watcher with this filter sees for `event` ("ADDED", "MODIFIED", "DELETED"),
  // or nullopt when the change is not visible to it.
  std::optional<std::string> Visible(const WatchEvent& event) const;
};

struct WatchOptions {
  const ResourceType* type = nullptr;
  WatchFilter filter;
  std::string resource_version;  // as the client sent it
  std::chrono::seconds timeout{1800};
  bool table = false;  // each event's object is a one-row Table
};

// The streamed 200 response of a watch.
common::HttpResponse WatchResponse(const ObjectStore& store, const common::Clock& clock,
                                   WatchOptions options);

}  // namespace rebound::kubesim
