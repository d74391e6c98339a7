#include "app/plan.h"

#include <prometheus/registry.h>
#include <stdlib.h>

#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <system_error>
#include <utility>

#include "common/clock.h"
#include "common/http_client.h"
#include "common/manual_clock.h"
#include "common/sleeper.h"
#include "controller/actions/action.h"
#include "controller/healing/healer.h"
#include "controller/intake/journal.h"
#include "controller/notify/recording_notifier.h"
#include "exporter/heal_metrics.h"

namespace rebound::app {
namespace {

namespace fs = std::filesystem;
using controller::healing::DecisionResult;
using controller::healing::HealRecord;
using controller::intake::Alert;
using controller::intake::IntakeOutcome;
using controller::notify::Notification;

// Waiting in a plan means "then, later": the healer waits for rollouts and retries this often.
constexpr std::chrono::seconds kPollInterval(30);

// A temporary state directory, removed with everything in it when destroyed.
class TempStateDir {
 public:
  static common::Result<std::unique_ptr<TempStateDir>> Create() {
    std::error_code ec;
    fs::path base = fs::temp_directory_path(ec);
    if (ec) base = "/tmp";
    std::string pattern = (base / "rebound-plan-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      return common::Unavailable("cannot create a temporary state directory in " + base.string());
    }
    return std::unique_ptr<TempStateDir>(new TempStateDir(std::move(pattern)));
  }
  ~TempStateDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  explicit TempStateDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// Advances the virtual clock instead of waiting, up to a horizon per alert; past it every wait
// is cut short, so that a rollout that never ends cannot make a plan loop forever.
class VirtualSleeper final : public common::Sleeper {
 public:
  explicit VirtualSleeper(common::ManualClock& clock) : clock_(clock) {}
  bool SleepFor(std::chrono::milliseconds duration, std::stop_token stop) override {
    std::lock_guard lock(mu_);
    if (stop.stop_requested() || slept_ + duration > kPlanHorizon) return false;
    slept_ += duration;
    clock_.Advance(duration);
    return true;
  }
  void StartAlert() {
    std::lock_guard lock(mu_);
    slept_ = std::chrono::milliseconds(0);
  }

 private:
  common::ManualClock& clock_;
  std::mutex mu_;
  std::chrono::milliseconds slept_{0};
};

// Dry-run actions send nothing; should one try, it must not reach the network.
class NoHttpClient final : public common::HttpClient {
 public:
  common::Result<common::HttpClientResponse> Send(const common::HttpClientRequest&) override {
    return common::FailedPrecondition("a plan sends no HTTP requests");
  }
};

// FNV-1a over the sorted labels: stable, and equal for equal label sets.
std::string FingerprintOf(const controller::intake::LabelSet& labels) {
  uint64_t hash = 14695981039346656037ull;
  auto mix = [&](std::string_view text) {
    for (unsigned char c : text) {
      hash ^= c;
      hash *= 1099511628211ull;
    }
    hash ^= 0xff;
    hash *= 1099511628211ull;
  };
  for (const auto& [name, value] : labels) {
    mix(name);
    mix(value);
  }
  char out[17];
  std::snprintf(out, sizeof(out), "%016" PRIx64, hash);
  return out;
}

std::vector<HealRecord> RecordsOf(const controller::healing::HealLog& log,
                                  const controller::intake::EpisodeKey& key) {
  std::vector<HealRecord> out;
  common::Result<std::vector<HealRecord>> all = log.Since(std::chrono::system_clock::time_point());
  if (!all.ok()) return out;
  for (HealRecord& record : *all) {
    if (record.episode == key) out.push_back(std::move(record));
  }
  return out;
}

std::string_view NotificationKindName(Notification::Kind kind) {
  switch (kind) {
    case Notification::Kind::kAction:
      return "action";
    case Notification::Kind::kRefusal:
      return "refusal";
    case Notification::Kind::kOutcome:
      return "outcome";
    case Notification::Kind::kEscalation:
      return "escalation";
    case Notification::Kind::kInfo:
      break;
  }
  return "info";
}

std::string WithDetail(const std::string& result, const std::string& reason,
                       const std::string& message) {
  std::string line = result;
  if (!reason.empty()) line += " (" + reason + ")";
  if (!message.empty()) line += ": " + message;
  return line;
}

void PrintRun(const PlaybookRun& run, std::ostream& out) {
  const HealRecord& decision = run.decision;
  if (run.decided == DecisionResult::kNoPlaybook) {
    out << "  no playbook matches\n";
    return;
  }
  out << "  " << RunHeading(run.playbook, run.target) << "\n";
  // A matched decision has a reason when a gate let it through ("anomaly", with the score).
  if (run.decided == DecisionResult::kRefused || run.decided == DecisionResult::kFolded ||
      !decision.reason.empty()) {
    out << "    " << WithDetail(decision.result, decision.reason, decision.message) << "\n";
  }
  for (const HealRecord& step : run.steps) {
    out << "    " << step.step + 1 << ". " << step.action << ": ";
    if (step.kind == HealRecord::Kind::kVerify) out << "verify ";
    const bool dry_run = step.kind == HealRecord::Kind::kAction &&
                         step.result == controller::actions::OutcomeName(
                                            controller::actions::ActionResult::Outcome::kDryRun);
    out << (dry_run ? step.message : WithDetail(step.result, step.reason, step.message)) << "\n";
  }
  if (run.escalation) {
    out << "    " << WithDetail("escalate", run.escalation->reason, run.escalation->message)
        << "\n";
  }
}

}  // namespace

common::Result<controller::intake::WebhookPayload> ReadPayloadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream body;
  body << in.rdbuf();
  if (!in) return common::Unavailable("cannot read the file");
  return controller::intake::ParseWebhookPayload(body.str());
}

common::Result<Plan> MakePlan(const PlanInput& input) {
  if (input.playbooks == nullptr) return common::InvalidArgument("a plan needs playbooks");
  if (input.actions == nullptr) return common::InvalidArgument("a plan needs the action registry");
  if (input.kube == nullptr) return common::InvalidArgument("a plan needs a Kubernetes client");
  common::Result<std::unique_ptr<TempStateDir>> dir = TempStateDir::Create();
  if (!dir.ok()) return dir.status();
  const std::string& state_dir = (*dir)->path();

  common::ManualClock clock(input.now);
  VirtualSleeper sleeper(clock);
  controller::intake::Journal::Options journal_options;
  journal_options.state_dir = state_dir;
  auto journal = controller::intake::Journal::Open(journal_options, clock);
  if (!journal.ok()) return journal.status().WithContext("plan journal");
  auto log = controller::healing::HealLog::Open(state_dir);
  if (!log.ok()) return log.status().WithContext("plan heal log");

  controller::healing::GuardrailConfig config = input.guardrails;
  config.dry_run = true;
  controller::healing::Guardrails guardrails(std::move(config), clock);
  guardrails.Restore(input.history, *input.actions);
  prometheus::Registry registry;
  exporter::HealMetrics metrics(registry);
  controller::notify::RecordingNotifier notifier;
  NoHttpClient http;
  controller::healing::HealingDeps deps{
      **journal, **log,      *input.kube, input.prometheus, notifier,       http,   clock,
      sleeper,   guardrails, metrics,     kPollInterval,    "rebound-plan", nullptr};
  controller::healing::Healer::Options healer_options;
  healer_options.synchronous = true;
  healer_options.resolve_attempts = 1;  // a plan reports an unreadable target; it does not wait
  controller::healing::Healer healer(deps, input.playbooks, healer_options);

  Plan plan;
  for (const Alert& given : input.alerts) {
    AlertPlan& entry = plan.alerts.emplace_back();
    entry.alert = given;
    if (entry.alert.fingerprint.empty()) entry.alert.fingerprint = FingerprintOf(given.labels);
    auto appended = (*journal)->Append({entry.alert}, input.receiver, input.external_url);
    if (!appended.ok()) return appended.status().WithContext("plan journal");
    entry.intake = appended->front().outcome;
    if (entry.intake != IntakeOutcome::kNew) continue;
    common::Result<controller::intake::Episode> episode = (*journal)->Get(appended->front().key);
    if (!episode.ok()) return episode.status().WithContext("plan journal");
    sleeper.StartAlert();
    healer.Submit(*episode);
    entry.records = RecordsOf(**log, episode->key);
    entry.notifications = notifier.Take();
  }
  return plan;
}

std::vector<PlaybookRun> PlaybookRuns(const AlertPlan& plan) {
  std::vector<PlaybookRun> runs;
  for (const HealRecord& record : plan.records) {
    const bool starts_run = record.kind == HealRecord::Kind::kDecision && record.step < 0;
    if (starts_run || runs.empty()) {
      PlaybookRun& run = runs.emplace_back();
      run.playbook = record.playbook;
      run.target = record.target;
      run.decision = record;
      if (starts_run) {
        run.decided = controller::healing::DecisionResultFromName(record.result);
        continue;
      }
    }
    PlaybookRun& run = runs.back();
    if (record.step >= 0) {
      run.steps.push_back(record);
    } else if (record.kind == HealRecord::Kind::kEscalation) {
      run.escalation = record;
    } else if (record.kind == HealRecord::Kind::kOutcome) {
      run.outcome = controller::healing::RemediationOutcomeFromName(record.result);
    }
  }
  return runs;
}

std::string AlertHeading(const Alert& alert) {
  std::string out(alert.alertname().empty() ? "(no alertname)" : alert.alertname());
  std::string labels;
  for (const auto& [name, value] : alert.labels) {
    if (name == "alertname") continue;
    labels += (labels.empty() ? "" : ", ") + name + "=\"" + value + "\"";
  }
  return out + " {" + labels + "}";
}

std::string RunHeading(const std::string& playbook, const std::string& target) {
  return "playbook " + playbook + (target.empty() ? "" : " → " + target);
}

void PrintPlan(const Plan& plan, std::ostream& out, bool notifications) {
  for (const AlertPlan& alert : plan.alerts) {
    out << AlertHeading(alert.alert) << "\n";
    switch (alert.intake) {
      case IntakeOutcome::kResolved:
        out << "  resolved: nothing to do\n";
        continue;
      case IntakeOutcome::kDuplicate:
        out << "  duplicate of an earlier alert: nothing to do\n";
        continue;
      case IntakeOutcome::kStale:
        out << "  already resolved: nothing to do\n";
        continue;
      case IntakeOutcome::kNew:
        break;
    }
    for (const PlaybookRun& run : PlaybookRuns(alert)) PrintRun(run, out);
    if (!notifications) continue;
    for (const Notification& n : alert.notifications) {
      out << "  slack (" << NotificationKindName(n.kind) << "): " << n.title;
      if (!n.text.empty()) out << " — " << n.text;
      out << "\n";
    }
  }
}

}  // namespace rebound::app
