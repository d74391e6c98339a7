#include "app/chaos_cli.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/http_server.h"
#include "common/random.h"
#include "common/time_format.h"
#include "controller/actions/action.h"
#include "controller/chaos/experiment_loader.h"
#include "controller/chaos/scheduler.h"
#include "controller/playbook/playbook_loader.h"

namespace rebound::app {
namespace {

using nlohmann::json;

// After the run's own deadline (recoverWithin from the injection), how long the command still
// waits for its record before giving up: pre-flight, restoring and attribution take time too.
constexpr auto kFollowMargin = std::chrono::minutes(5);

// The daemon's base URL: the listen address, with a wildcard host replaced by the loopback.
std::string BaseUrl(const Config& config) {
  common::Result<std::pair<std::string, int>> address = common::ParseListenAddress(config.listen);
  std::string host = address.ok() ? address->first : "127.0.0.1";
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  const int port = address.ok() ? address->second : 0;
  return fmt::format("{}://{}:{}", config.tls.cert_file.empty() ? "http" : "https", host, port);
}

class DaemonClient {
 public:
  DaemonClient(const Config& config, const ChaosCliDeps& deps)
      : config_(config), deps_(deps), base_(BaseUrl(config)) {}

  const std::string& base() const { return base_; }

  // The answer's status and JSON body; Unavailable / DeadlineExceeded when the daemon cannot be
  // reached, Internal when the body is not JSON.
  common::Result<std::pair<int, json>> Call(const std::string& method, const std::string& path) {
    common::HttpClientRequest request;
    request.method = method;
    request.url = base_ + path;
    request.timeout = deps_.request_timeout;
    // The daemon's own certificate, on the loopback: its name need not match.
    request.tls.insecure_skip_tls_verify = true;
    if (!config_.secrets.bearer_token.empty()) {
      request.headers.emplace_back("Authorization", "Bearer " + config_.secrets.bearer_token);
    } else if (!config_.secrets.basic_username.empty()) {
      request.headers.emplace_back(
          "Authorization", "Basic " + common::Base64Encode(config_.secrets.basic_username + ":" +
                                                           config_.secrets.basic_password));
    }
    common::Result<common::HttpClientResponse> response = deps_.http.Send(request);
    if (!response.ok()) return response.status();
    json body = json::parse(response->body, nullptr, false);
    if (body.is_discarded()) {
      return common::Internal(fmt::format("{} {}: HTTP {} with a body that is not JSON", method,
                                          path, response->status));
    }
    return std::make_pair(response->status, std::move(body));
  }

 private:
  const Config& config_;
  const ChaosCliDeps& deps_;
  std::string base_;
};

std::string ErrorText(const json& body) {
  if (body.contains("error") && body["error"].is_string()) return body["error"];
  return body.dump();
}

std::string Text(const json& value, const char* key, const std::string& otherwise = "-") {
  if (!value.contains(key) || value[key].is_null()) return otherwise;
  if (value[key].is_string()) return value[key];
  return value[key].dump();
}

void PrintStep(const json& step, std::ostream& out) {
  out << Text(step, "at") << "  " << fmt::format("{:<9}", Text(step, "phase")) << " "
      << Text(step, "message", "") << "\n";
  out.flush();
}

// How long to follow a run: its deadline after injection plus a margin.
std::chrono::milliseconds FollowFor(const json& run) {
  double within = run.value("recoverWithinSeconds", 0.0);
  return std::chrono::milliseconds(static_cast<int64_t>(within * 1000)) +
         std::chrono::duration_cast<std::chrono::milliseconds>(kFollowMargin);
}

std::string RunSummary(const json& run) {
  std::string out = Text(run, "result", "unfinished");
  if (run.contains("recoverySeconds") && out == "recovered") {
    out += fmt::format(" in {:.1f}s", run["recoverySeconds"].get<double>());
  }
  if (std::string reason = Text(run, "reason", ""); !reason.empty()) out += ": " + reason;
  if (run.value("restoredByChaos", false)) out += " (chaos undid its own fault)";
  return out;
}

void PrintListRow(std::ostream& out, const std::string& name, const std::string& state,
                  const std::string& next, const std::string& last, const std::string& recovery) {
  out << fmt::format("{:<32} {:<18} {:<22} {:<10} {}\n", name, state, next, last, recovery);
}

// The schedule from the experiment files, without run history.
int ListFromFiles(const Config& config, const ChaosCliDeps& deps, std::ostream& out,
                  std::ostream& err) {
  controller::actions::ActionRegistry actions;
  controller::actions::RegisterBuiltinActions(actions);
  controller::playbook::LoadedPlaybooks playbooks =
      controller::playbook::LoadPlaybooks(config.playbooks, "", actions);
  controller::chaos::LoadedExperiments experiments;
  if (playbooks.errors.empty()) experiments = controller::chaos::LoadExperiments(playbooks.set);
  for (const auto* errors : {&playbooks.errors, &experiments.errors}) {
    for (const auto& error : *errors) err << error.ToString() << "\n";
  }
  if (!playbooks.errors.empty() || !experiments.errors.empty()) return 1;
  common::SystemRandom random;
  controller::chaos::Scheduler scheduler(deps.clock, random, {config.chaos.max_concurrent},
                                         [] { return true; });
  controller::chaos::SchedulePlan plan = scheduler.Plan(experiments.experiments, {});
  PrintListRow(out, "EXPERIMENT", "STATE", "NEXT RUN", "LAST", "LAST RECOVERY");
  for (const controller::chaos::ExperimentPlan& entry : plan.experiments) {
    std::string next =
        entry.next ? common::FormatRfc3339(common::Timestamp::FromTimePoint(*entry.next)) : "-";
    PrintListRow(out, entry.name, std::string(ScheduleStateName(entry.state)), next, "?", "?");
  }
  return 0;
}

}  // namespace

int ChaosRun(const Config& config, const std::string& name, const ChaosCliDeps& deps,
             std::ostream& out, std::ostream& err) {
  DaemonClient daemon(config, deps);
  common::Result<std::pair<int, json>> started =
      daemon.Call("POST", "/api/v1/chaos/experiments/" + name + "/run");
  if (!started.ok()) {
    err << "rebound: cannot reach the daemon at " << daemon.base() << ": "
        << started.status().message() << "\n";
    return 1;
  }
  auto [status, body] = *started;
  if (status != 202) {
    err << "rebound: the daemon refused to run " << name << " (HTTP " << status
        << "): " << ErrorText(body) << "\n";
    return 1;
  }
  const int64_t id = body["data"].value("id", int64_t{0});
  const std::string path = "/api/v1/chaos/runs/" + std::to_string(id);
  out << "run " << id << " of " << name << " started (" << daemon.base() << path << ")\n";
  size_t printed = 0;
  std::optional<std::chrono::steady_clock::time_point> deadline;
  for (;;) {
    common::Result<std::pair<int, json>> got = daemon.Call("GET", path);
    if (!got.ok()) {
      err << "rebound: lost the daemon while following run " << id << ": " << got.status().message()
          << "\n";
      return 1;
    }
    if (got->first != 200) {
      err << "rebound: cannot read run " << id << " (HTTP " << got->first
          << "): " << ErrorText(got->second) << "\n";
      return 1;
    }
    const json& run = got->second["data"];
    const json& steps = run.value("steps", json::array());
    for (; printed < steps.size(); ++printed) PrintStep(steps[printed], out);
    if (!deadline) deadline = deps.clock.MonotonicNow() + FollowFor(run);
    if (run.value("phase", "") == "done") {
      out << "run " << id << " of " << name << ": " << RunSummary(run) << "\n";
      return run.value("result", "") == "recovered" ? 0 : 1;
    }
    if (deps.clock.MonotonicNow() > *deadline) {
      err << "rebound: run " << id << " has not finished in time; see " << daemon.base() << path
          << "\n";
      return 1;
    }
    deps.sleeper.SleepFor(deps.poll_interval, {});
  }
}

int ChaosList(const Config& config, const ChaosCliDeps& deps, std::ostream& out,
              std::ostream& err) {
  DaemonClient daemon(config, deps);
  common::Result<std::pair<int, json>> got = daemon.Call("GET", "/api/v1/chaos");
  if (!got.ok() || got->first != 200) {
    std::string why = got.ok() ? fmt::format("HTTP {}: {}", got->first, ErrorText(got->second))
                               : got.status().message();
    out << "daemon not reachable at " << daemon.base() << " (" << why
        << "): the schedule from the files, without run history\n";
    return ListFromFiles(config, deps, out, err);
  }
  PrintListRow(out, "EXPERIMENT", "STATE", "NEXT RUN", "LAST", "LAST RECOVERY");
  for (const json& e : got->second["data"].value("experiments", json::array())) {
    std::string last = "-";
    std::string recovery = "-";
    if (e.contains("lastRun") && e["lastRun"].is_object()) {
      const json& run = e["lastRun"];
      last = Text(run, "result", Text(run, "phase"));
      if (run.contains("recoverySeconds")) {
        recovery = fmt::format("{:.1f}s", run["recoverySeconds"].get<double>());
      }
    }
    PrintListRow(out, Text(e, "name"), Text(e, "state"), Text(e, "next"), last, recovery);
  }
  return 0;
}

}  // namespace rebound::app
