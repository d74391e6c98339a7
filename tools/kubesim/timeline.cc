#include "tools/kubesim/timeline.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/duration.h"
#include "tools/kubesim/cluster.h"
#include "tools/kubesim/workload_util.h"

namespace rebound::kubesim {
namespace {

bool IsRollout(const TimelineEntry& entry) {
  return entry.action == TimelineEntry::Action::kRollout;
}

}  // namespace

void Timeline::Start(std::vector<TimelineEntry> entries,
                     std::chrono::steady_clock::time_point start) {
  std::stable_sort(
      entries.begin(), entries.end(),
      [](const TimelineEntry& a, const TimelineEntry& b) { return a.after < b.after; });
  std::lock_guard lock(mu_);
  items_.clear();
  for (TimelineEntry& entry : entries) items_.push_back({std::move(entry)});
  start_ = start;
}

void Timeline::Advance(Cluster& cluster) {
  std::lock_guard lock(mu_);
  auto now = cluster.clock().MonotonicNow();
  for (Item& item : items_) {
    if (item.applied) continue;
    if (now < start_ + item.entry.after) break;
    const TimelineEntry& entry = item.entry;
    const WorkloadRef& ref = entry.workload;
    common::Status status = IsRollout(entry) ? cluster.RollOut(ref, entry.image, entry.behaviour)
                                             : cluster.SetBehaviour(ref, entry.behaviour);
    item.applied = true;
    item.at = KubeTime(cluster.clock().Now());
    std::string what = std::string(IsRollout(entry) ? "rollout of " : "behaviour of ") +
                       TypeOf(ref.kind).resource + "/" + ref.name + " in " + ref.ns;
    if (status.ok()) {
      spdlog::info("kubesim: timeline at {}: {}{} ({})", common::FormatDuration(entry.after), what,
                   IsRollout(entry) ? " to " + entry.image : "",
                   BehaviourTypeName(entry.behaviour.type));
    } else {
      item.error = status.message();
      spdlog::warn("kubesim: timeline at {}: {} failed: {}", common::FormatDuration(entry.after),
                   what, item.error);
    }
  }
}

nlohmann::json Timeline::ToJson() const {
  std::lock_guard lock(mu_);
  nlohmann::json out = nlohmann::json::array();
  for (const Item& item : items_) {
    const TimelineEntry& entry = item.entry;
    nlohmann::json row = {{"after", common::FormatDuration(entry.after)},
                          {"action", IsRollout(entry) ? "rollout" : "behaviour"},
                          {"kind", TypeOf(entry.workload.kind).kind},
                          {"namespace", entry.workload.ns},
                          {"name", entry.workload.name},
                          {"behaviour", entry.behaviour.ToJson()},
                          {"applied", item.applied}};
    if (IsRollout(entry)) row["image"] = entry.image;
    if (item.applied) row["at"] = item.at;
    if (!item.error.empty()) row["error"] = item.error;
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace rebound::kubesim
