#include "tools/kubesim/watch.h"

#include "tools/kubesim/api_error.h"
#include "tools/kubesim/json_access.h"
#include "tools/kubesim/tables.h"

namespace rebound::kubesim {
namespace {

// How long a quiet stream waits before re-checking its deadline and the server's shutdown.
constexpr std::chrono::milliseconds kPollInterval{200};

std::string Encode(std::string_view type, const nlohmann::json& object) {
  return nlohmann::json{{"type", type}, {"object", object}}.dump() + "\n";
}

}  // namespace

bool WatchFilter::Matches(const nlohmann::json& object) const {
  return (ns.empty() || NamespaceOf(object) == ns) &&
         labels.Matches(StringMapAt(object, "/metadata/labels")) && fields.Matches(object);
}

std::optional<std::string> WatchFilter::Visible(const WatchEvent& event) const {
  bool now = Matches(event.object);
  if (event.type != "MODIFIED") return now ? std::optional(event.type) : std::nullopt;
  bool before = Matches(event.previous);
  if (before && now) return "MODIFIED";
  if (before) return "DELETED";
  if (now) return "ADDED";
  return std::nullopt;
}

common::HttpResponse WatchResponse(const ObjectStore& store, const common::Clock& clock,
                                   WatchOptions options) {
  common::HttpResponse response;
  response.stream = [&store, &clock, options = std::move(options)](common::StreamWriter& out) {
    const ResourceType& type = *options.type;
    auto render = [&](const nlohmann::json& object) {
      return options.table ? ToTable(type, {object}, ResourceVersionOf(object), clock.Now())
                           : object;
    };
    auto deadline = clock.MonotonicNow() + options.timeout;
    uint64_t since = 0;
    if (options.resource_version.empty() || options.resource_version == "0") {
      ObjectStore::List list = store.ListObjects(type, options.filter.ns);
      for (const nlohmann::json& object : list.items) {
        if (options.filter.Matches(object) && !out.Write(Encode("ADDED", render(object)))) return;
      }
      since = list.resource_version;
    } else if (!ParseResourceVersion(options.resource_version, since)) {
      out.Write(Encode("ERROR",
                       ApiError::BadRequest("invalid resource version: " + options.resource_version)
                           .ToStatus()));
      return;
    }
    for (;;) {
      ObjectStore::Changes changes = store.ChangesSince(type, since);
      if (changes.expired) {
        out.Write(Encode("ERROR", ApiError::Expired(since, changes.oldest).ToStatus()));
        return;
      }
      for (const WatchEvent& event : changes.events) {
        std::optional<std::string> visible = options.filter.Visible(event);
        if (visible && !out.Write(Encode(*visible, render(event.object)))) return;
      }
      since = changes.scanned_to;
      if (out.Stopping() || clock.MonotonicNow() >= deadline) return;
      store.WaitForWrite(since, kPollInterval);
    }
  };
  return response;
}

}  // namespace rebound::kubesim
