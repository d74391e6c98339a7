#include "tests/support/heal_records.h"

#include <algorithm>

#include "tests/support/process.h"

namespace rebound::testing {

std::string RestartedAtOf(const nlohmann::json& deployment) {
  if (!deployment.is_object()) return "";
  return deployment.value(
      nlohmann::json::json_pointer(
          "/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt"),
      "");
}

std::string PlannedRestartedAtOf(const nlohmann::json& deployment) {
  if (!deployment.is_object()) return "";
  std::string mark = deployment.value(
      nlohmann::json::json_pointer("/metadata/annotations/rebound.io~1last-heal"), "");
  if (mark.empty()) return "";
  return nlohmann::json::parse(mark).value(nlohmann::json::json_pointer("/plan/restartedAt"), "");
}

nlohmann::json HealRecords(ReboundDaemon& daemon) {
  auto response = daemon.Get("/api/v1/actions?limit=1000");
  if (!response.ok() || response->status != 200) return nlohmann::json::array();
  nlohmann::json data = nlohmann::json::parse(response->body)["data"];
  std::reverse(data.begin(), data.end());
  return data;
}

std::vector<std::string> HealPath(ReboundDaemon& daemon, const std::string& target) {
  std::vector<std::string> out;
  for (const nlohmann::json& r : HealRecords(daemon)) {
    if (r["result"] == "waiting" || (!target.empty() && r.value("target", "") != target)) {
      continue;
    }
    std::string entry = r["kind"].get<std::string>() + ":" +
                        (r.contains("action") ? r["action"].get<std::string>() + ":" : "") +
                        r["result"].get<std::string>();
    if (r.contains("reason") && r["kind"] != "verify")
      entry += ":" + r["reason"].get<std::string>();
    out.push_back(entry);
  }
  return out;
}

bool WaitForHealPathEnd(ReboundDaemon& daemon, const std::string& last,
                        std::chrono::milliseconds timeout, const std::string& target) {
  return WaitFor(
      [&] {
        std::vector<std::string> path = HealPath(daemon, target);
        return !path.empty() && path.back() == last;
      },
      timeout);
}

}  // namespace rebound::testing
