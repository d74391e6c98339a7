#include "controller/chaos/run.h"

#include <array>
#include <cmath>
#include <utility>

#include "common/time_format.h"

namespace rebound::controller::chaos {
namespace {

using common::Result;
using Json = nlohmann::json;
using TimePoint = std::chrono::system_clock::time_point;

// One name table per enum: the names below are the only spelling of each value.
template <typename E, size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

constexpr NameTable<RunResult, 4> kResultNames{{{RunResult::kRecovered, "recovered"},
                                                {RunResult::kFailed, "failed"},
                                                {RunResult::kSkipped, "skipped"},
                                                {RunResult::kAborted, "aborted"}}};
constexpr NameTable<RunPhase, 6> kPhaseNames{{{RunPhase::kPreflight, "preflight"},
                                              {RunPhase::kInject, "inject"},
                                              {RunPhase::kWatch, "watch"},
                                              {RunPhase::kAttribute, "attribute"},
                                              {RunPhase::kRestore, "restore"},
                                              {RunPhase::kDone, "done"}}};
constexpr NameTable<RunTrigger, 2> kTriggerNames{
    {{RunTrigger::kScheduled, "scheduled"}, {RunTrigger::kManual, "manual"}}};

template <typename E, size_t N>
std::string_view NameOf(const NameTable<E, N>& table, E value) {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return "unknown";
}

template <typename E, size_t N>
std::optional<E> ValueOf(const NameTable<E, N>& table, std::string_view name) {
  for (const auto& [e, n] : table) {
    if (n == name) return e;
  }
  return std::nullopt;
}

std::string FormatTime(TimePoint t) {
  return common::FormatRfc3339(common::Timestamp::FromTimePoint(t));
}

// Reading the JSON back: each helper fails with the field's name.
class Reader {
 public:
  explicit Reader(const Json& json) : json_(json) {}

  const Json* Field(std::string_view key) const {
    if (!json_.is_object()) return nullptr;
    auto it = json_.find(key);
    return it == json_.end() || it->is_null() ? nullptr : &*it;
  }
  Result<std::string> String(std::string_view key, bool required = true) const {
    const Json* f = Field(key);
    if (f == nullptr && !required) return std::string();
    if (f == nullptr || !f->is_string()) return Bad(key, "a string");
    return f->get<std::string>();
  }
  Result<int64_t> Int(std::string_view key) const {
    const Json* f = Field(key);
    if (f == nullptr || !f->is_number_integer()) return Bad(key, "an integer");
    return f->get<int64_t>();
  }
  Result<bool> Bool(std::string_view key) const {
    const Json* f = Field(key);
    if (f == nullptr || !f->is_boolean()) return Bad(key, "a boolean");
    return f->get<bool>();
  }
  Result<std::optional<TimePoint>> Time(std::string_view key, bool required = false) const {
    const Json* f = Field(key);
    if (f == nullptr && !required) return std::optional<TimePoint>();
    if (f == nullptr || !f->is_string()) return Bad(key, "an RFC 3339 time");
    auto ts = common::ParseRfc3339(f->get<std::string>());
    if (!ts.ok()) return Bad(key, "an RFC 3339 time");
    return std::optional<TimePoint>(ts->ToTimePoint());
  }
  template <typename E, size_t N>
  Result<E> Enum(std::string_view key, const NameTable<E, N>& table) const {
    auto text = String(key);
    if (!text.ok()) return text.status();
    std::optional<E> value = ValueOf(table, *text);
    if (!value) return Bad(key, "a known name");
    return *value;
  }

  static common::Status Bad(std::string_view key, std::string_view what) {
    return common::InvalidArgument("chaos run: \"" + std::string(key) + "\" is not " +
                                   std::string(what));
  }

 private:
  const Json& json_;
};

#define RUN_JSON_ASSIGN(lhs, expr)    \
  do {                                \
    auto _r = (expr);                 \
    if (!_r.ok()) return _r.status(); \
    lhs = std::move(*_r);             \
  } while (false)

Json FaultToJson(const FaultChoice& fault) {
  Json pods = Json::array();
  for (const ChosenPod& pod : fault.pods) pods.push_back({{"name", pod.name}, {"uid", pod.uid}});
  Json json = {{"type", FaultTypeName(fault.type)},
               {"seed", std::to_string(fault.seed)},
               {"count", fault.count},
               {"pods", pods}};
  if (fault.previous_ready) json["previousReady"] = *fault.previous_ready;
  if (fault.previous_replicas) json["previousReplicas"] = *fault.previous_replicas;
  if (fault.set_replicas) json["setReplicas"] = *fault.set_replicas;
  if (!fault.node.empty()) json["node"] = fault.node;
  return json;
}

Result<FaultChoice> FaultFromJson(const Json& json) {
  Reader r(json);
  FaultChoice fault;
  std::string text;
  RUN_JSON_ASSIGN(text, r.String("type"));
  std::optional<FaultType> type = FaultTypeFromName(text);
  if (!type) return Reader::Bad("fault.type", "a fault type");
  fault.type = *type;
  RUN_JSON_ASSIGN(text, r.String("seed"));
  try {
    size_t used = 0;
    fault.seed = std::stoull(text, &used);
    if (used != text.size()) return Reader::Bad("fault.seed", "a decimal number");
  } catch (const std::exception&) {
    return Reader::Bad("fault.seed", "a decimal number");
  }
  int64_t count = 0;
  RUN_JSON_ASSIGN(count, r.Int("count"));
  fault.count = static_cast<int>(count);
  if (const Json* pods = r.Field("pods"); pods != nullptr && pods->is_array()) {
    for (const Json& pod : *pods) {
      Reader p(pod);
      ChosenPod chosen;
      RUN_JSON_ASSIGN(chosen.name, p.String("name"));
      RUN_JSON_ASSIGN(chosen.uid, p.String("uid", false));
      fault.pods.push_back(std::move(chosen));
    }
  }
  if (r.Field("previousReady") != nullptr) {
    RUN_JSON_ASSIGN(count, r.Int("previousReady"));
    fault.previous_ready = static_cast<int>(count);
  }
  if (r.Field("previousReplicas") != nullptr) {
    RUN_JSON_ASSIGN(count, r.Int("previousReplicas"));
    fault.previous_replicas = static_cast<int>(count);
  }
  if (r.Field("setReplicas") != nullptr) {
    RUN_JSON_ASSIGN(count, r.Int("setReplicas"));
    fault.set_replicas = static_cast<int>(count);
  }
  RUN_JSON_ASSIGN(fault.node, r.String("node", false));
  return fault;
}

}  // namespace

std::string_view RunResultName(RunResult result) { return NameOf(kResultNames, result); }
std::optional<RunResult> RunResultFromName(std::string_view name) {
  return ValueOf(kResultNames, name);
}
std::string_view RunPhaseName(RunPhase phase) { return NameOf(kPhaseNames, phase); }
std::optional<RunPhase> RunPhaseFromName(std::string_view phase) {
  return ValueOf(kPhaseNames, phase);
}
std::string_view RunTriggerName(RunTrigger trigger) { return NameOf(kTriggerNames, trigger); }
std::optional<RunTrigger> RunTriggerFromName(std::string_view trigger) {
  return ValueOf(kTriggerNames, trigger);
}

std::string RunTarget::ToString() const {
  std::string text(TargetKindName(kind));
  text += ' ';
  if (!ns.empty()) text += ns + "/";
  return text + name;
}

std::optional<std::chrono::milliseconds> ChaosRun::recovery_time() const {
  if (!injected_at || !recovered_at) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(*recovered_at - *injected_at);
}

void ChaosRun::Step(TimePoint at, RunPhase next, std::string message) {
  phase = next;
  steps.push_back({at, next, std::move(message)});
}

nlohmann::json RunToJson(const ChaosRun& run) {
  Json json = {{"id", run.id},
               {"experiment", run.experiment},
               {"trigger", RunTriggerName(run.trigger)},
               {"startedAt", FormatTime(run.started_at)},
               {"phase", RunPhaseName(run.phase)},
               {"reason", run.reason},
               {"recoverWithinSeconds", run.recover_within.count() / 1000.0},
               {"restoredByChaos", run.restored_by_chaos},
               {"restoreOwed", run.restore_owed},
               {"restoreAttempts", run.restore_attempts},
               {"dryRun", run.dry_run}};
  if (run.slot) json["slot"] = FormatTime(*run.slot);
  if (run.result) json["result"] = RunResultName(*run.result);
  if (!run.target.empty()) {
    json["target"] = {{"kind", TargetKindName(run.target.kind)}, {"name", run.target.name}};
    if (!run.target.ns.empty()) json["target"]["namespace"] = run.target.ns;
  }
  if (run.fault) json["fault"] = FaultToJson(*run.fault);
  if (run.expect_healing) json["expectHealing"] = *run.expect_healing;
  if (run.injected_at) json["injectedAt"] = FormatTime(*run.injected_at);
  if (run.fault_observed_at) json["faultObservedAt"] = FormatTime(*run.fault_observed_at);
  if (run.recovered_at) json["recoveredAt"] = FormatTime(*run.recovered_at);
  if (auto recovery = run.recovery_time()) json["recoverySeconds"] = recovery->count() / 1000.0;
  Json steps = Json::array();
  for (const RunStep& step : run.steps) {
    steps.push_back({{"at", FormatTime(step.at)},
                     {"phase", RunPhaseName(step.phase)},
                     {"message", step.message}});
  }
  json["steps"] = steps;
  return json;
}

common::Result<ChaosRun> RunFromJson(const nlohmann::json& json) {
  Reader r(json);
  ChaosRun run;
  RUN_JSON_ASSIGN(run.id, r.Int("id"));
  RUN_JSON_ASSIGN(run.experiment, r.String("experiment"));
  RUN_JSON_ASSIGN(run.trigger, r.Enum("trigger", kTriggerNames));
  RUN_JSON_ASSIGN(run.slot, r.Time("slot"));
  std::optional<TimePoint> started;
  RUN_JSON_ASSIGN(started, r.Time("startedAt", true));
  run.started_at = *started;
  RUN_JSON_ASSIGN(run.phase, r.Enum("phase", kPhaseNames));
  if (r.Field("result") != nullptr) {
    RUN_JSON_ASSIGN(run.result, r.Enum("result", kResultNames));
  }
  RUN_JSON_ASSIGN(run.reason, r.String("reason", false));
  if (const Json* target = r.Field("target")) {
    Reader t(*target);
    std::string kind;
    RUN_JSON_ASSIGN(kind, t.String("kind"));
    std::optional<TargetKind> parsed = TargetKindFromName(kind);
    if (!parsed) return Reader::Bad("target.kind", "a target kind");
    run.target.kind = *parsed;
    RUN_JSON_ASSIGN(run.target.ns, t.String("namespace", false));
    RUN_JSON_ASSIGN(run.target.name, t.String("name"));
  }
  if (const Json* fault = r.Field("fault")) {
    RUN_JSON_ASSIGN(run.fault, FaultFromJson(*fault));
  }
  if (r.Field("expectHealing") != nullptr) {
    RUN_JSON_ASSIGN(run.expect_healing, r.String("expectHealing"));
  }
  if (const Json* within = r.Field("recoverWithinSeconds"); within && within->is_number()) {
    run.recover_within =
        std::chrono::milliseconds(static_cast<int64_t>(std::llround(within->get<double>() * 1000)));
  }
  RUN_JSON_ASSIGN(run.injected_at, r.Time("injectedAt"));
  RUN_JSON_ASSIGN(run.fault_observed_at, r.Time("faultObservedAt"));
  RUN_JSON_ASSIGN(run.recovered_at, r.Time("recoveredAt"));
  RUN_JSON_ASSIGN(run.restored_by_chaos, r.Bool("restoredByChaos"));
  if (r.Field("restoreOwed") != nullptr) {
    RUN_JSON_ASSIGN(run.restore_owed, r.Bool("restoreOwed"));
  }
  if (r.Field("restoreAttempts") != nullptr) {
    int64_t attempts = 0;
    RUN_JSON_ASSIGN(attempts, r.Int("restoreAttempts"));
    run.restore_attempts = static_cast<int>(attempts);
  }
  RUN_JSON_ASSIGN(run.dry_run, r.Bool("dryRun"));
  if (const Json* steps = r.Field("steps"); steps != nullptr && steps->is_array()) {
    for (const Json& step : *steps) {
      Reader s(step);
      RunStep parsed;
      std::optional<TimePoint> at;
      RUN_JSON_ASSIGN(at, s.Time("at", true));
      parsed.at = *at;
      RUN_JSON_ASSIGN(parsed.phase, s.Enum("phase", kPhaseNames));
      RUN_JSON_ASSIGN(parsed.message, s.String("message", false));
      run.steps.push_back(std::move(parsed));
    }
  }
  return run;
}

#undef RUN_JSON_ASSIGN

}  // namespace rebound::controller::chaos
