#include "kube/event.h"

#include "kube/object.h"

namespace rebound::kube {

nlohmann::json NewEvent(const nlohmann::json& involved, const EventInfo& info,
                        common::Timestamp now) {
  std::string ns = ObjectNamespace(involved);
  nlohmann::json ref = {{"kind", StringField(involved, {"kind"})},
                        {"apiVersion", StringField(involved, {"apiVersion"})},
                        {"name", ObjectName(involved)},
                        {"uid", ObjectUid(involved)},
                        {"resourceVersion", ObjectResourceVersion(involved)}};
  if (!ns.empty()) ref["namespace"] = ns;
  std::string time = common::FormatRfc3339(common::Timestamp{now.seconds, 0});
  nlohmann::json event = {
      {"kind", "Event"},
      {"apiVersion", "v1"},
      {"metadata",
       {{"generateName", ObjectName(involved) + "."}, {"namespace", ns.empty() ? "default" : ns}}},
      {"involvedObject", ref},
      {"type", info.type},
      {"reason", info.reason},
      {"message", info.message},
      {"source", {{"component", info.component}}},
      {"reportingComponent", info.component},
      {"reportingInstance", info.instance},
      {"firstTimestamp", time},
      {"lastTimestamp", time},
      {"count", 1}};
  return event;
}

}  // namespace rebound::kube
