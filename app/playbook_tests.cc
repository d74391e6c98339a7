#include "app/playbook_tests.h"

#include "app/config.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>

#include "app/plan.h"
#include "app/series_values.h"
#include "common/time_format.h"
#include "common/yaml_util.h"
#include "controller/actions/action.h"
#include "controller/playbook/playbook_loader.h"
#include "kube/memory_kube_client.h"
#include "kube/object.h"
#include "kube/resource.h"

namespace rebound::app {
namespace {

namespace fs = std::filesystem;
using common::StrictMap;
using common::YamlErrors;
using controller::healing::DecisionResult;
using controller::healing::HealRecord;
using controller::intake::Alert;
using controller::intake::IntakeOutcome;
using std::chrono::milliseconds;

// Tests run at a fixed time unless they say otherwise, so that they give the same result on
// every run.
constexpr std::chrono::sys_days kDefaultNow{std::chrono::year{2026} / 1 / 1};

const kube::Resource* const kClusterResources[] = {
    &kube::kDeployments, &kube::kStatefulSets, &kube::kReplicaSets,
    &kube::kPods,        &kube::kNodes,        &kube::kPodDisruptionBudgets,
};

constexpr std::string_view kStepResults[] = {"dry_run", "noop",    "refused",
                                             "failed",  "skipped", "waiting"};

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string Trim(std::string_view s) {
  const size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return "";
  return std::string(s.substr(begin, s.find_last_not_of(" \t") - begin + 1));
}

// ---- The test file, as read ----

struct ExpectedStep {
  std::string action;
  std::string result;
  std::string reason;  // "": not checked
};

struct ExpectedRun {
  enum class Kind { kMatched, kRefused, kUnmatched, kResolved };
  Kind kind = Kind::kMatched;
  std::string playbook;  // "": not checked (refusals only)
  std::string target;    // "": not checked
  std::string reason;    // of a refusal
  std::vector<ExpectedStep> steps;
};

// What a query answers in a test: one value (instant queries), or a history of values one
// step apart, the last at `now` (range queries: anomaly signals). NaN: no point there.
struct TestSeries {
  bool history = false;
  std::vector<double> values;  // empty: the query returns nothing
};

struct TestCase {
  std::string name;
  std::vector<Alert> alerts;
  std::string external_url;
  std::vector<std::pair<kube::Resource, nlohmann::json>> cluster;
  std::map<std::string, TestSeries> series;
  controller::healing::GuardrailConfig guardrails;
  std::vector<HealRecord> history;
  std::chrono::system_clock::time_point now = kDefaultNow;
  std::vector<std::vector<ExpectedRun>> expect;  // per alert, per playbook
};

struct TestFile {
  std::shared_ptr<const controller::playbook::PlaybookIndex> playbooks;
  std::vector<TestCase> tests;
};

// ---- Reading YAML values ----

// A plain scalar as YAML 1.2's core schema types it; quoted scalars stay strings.
nlohmann::json ScalarToJson(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;
  if (text == "null" || text == "Null" || text == "NULL" || text == "~") return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  const char* end = text.data() + text.size();
  int64_t integer = 0;
  if (auto [at, ec] = std::from_chars(text.data(), end, integer); ec == std::errc() && at == end) {
    return integer;
  }
  double number = 0;
  const bool numeric = text.find_first_of("0123456789") != std::string::npos;
  if (auto [at, ec] = std::from_chars(text.data(), end, number);
      numeric && ec == std::errc() && at == end) {
    return number;
  }
  return text;
}

nlohmann::json ToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return ScalarToJson(node);
    case YAML::NodeType::Sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const YAML::Node& item : node) out.push_back(ToJson(item));
      return out;
    }
    case YAML::NodeType::Map: {
      nlohmann::json out = nlohmann::json::object();
      for (auto it = node.begin(); it != node.end(); ++it) {
        out[it->first.Scalar()] = ToJson(it->second);
      }
      return out;
    }
    default:
      return nullptr;
  }
}

std::optional<controller::intake::LabelSet> ReadStringMap(const YAML::Node& node,
                                                          const std::string& name,
                                                          YamlErrors& errors) {
  if (!node.IsMap()) {
    errors.Add(node, Quote(name) + ": expected a mapping of names to strings, got " +
                         common::DescribeYaml(node));
    return std::nullopt;
  }
  controller::intake::LabelSet out;
  bool ok = true;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
    std::optional<std::string> value = common::YamlString(it->second, name + "." + key, errors);
    if (key.empty() || !value) {
      if (key.empty()) errors.Add(it->first, Quote(name) + ": expected a name");
      ok = false;
      continue;
    }
    out[key] = *value;
  }
  return ok ? std::optional(std::move(out)) : std::nullopt;
}

std::vector<YAML::Node> Items(const StrictMap& map, std::string_view key) {
  std::vector<YAML::Node> out;
  std::optional<YAML::Node> node = map.Find(key);
  if (!node) return out;
  if (!node->IsSequence()) {
    map.errors().Add(
        *node, Quote(map.Qualified(key)) + ": expected a list, got " + common::DescribeYaml(*node));
    return out;
  }
  for (const YAML::Node& item : *node) out.push_back(item);
  return out;
}

// ---- Reading one test ----

class TestParser {
 public:
  TestParser(const fs::path& dir, std::vector<std::string> actions, YamlErrors& errors)
      : dir_(dir), actions_(std::move(actions)), errors_(errors) {}

  std::optional<TestCase> Parse(const YAML::Node& node, size_t index) {
    const size_t errors_before = errors_.size();
    const std::string where = "tests[" + std::to_string(index) + "]";
    StrictMap test(node, where,
                   {"name", "alerts", "payload", "cluster", "series", "guardrails", "history",
                    "now", "expect"},
                   errors_);
    TestCase out;
    test.Require("name");
    out.name = test.String("name").value_or(where);
    if (auto now = test.String("now")) {
      common::Result<common::Timestamp> parsed = common::ParseRfc3339(*now);
      if (parsed.ok()) {
        out.now = parsed->ToTimePoint();
      } else {
        errors_.Add(*test.Find("now"),
                    Quote(test.Qualified("now")) + ": " + parsed.status().message());
      }
    }
    if (test.Has("alerts") == test.Has("payload")) {
      errors_.Add(test.mark(), Quote(where) + ": give either \"alerts\" or \"payload\"");
    } else if (test.Has("alerts")) {
      for (const YAML::Node& alert : Items(test, "alerts")) ParseAlert(alert, out);
    } else {
      ParsePayload(*test.Find("payload"), test.Qualified("payload"), out);
    }
    for (const YAML::Node& object : Items(test, "cluster")) ParseObject(object, out);
    if (std::optional<YAML::Node> series = test.Find("series")) ParseSeries(*series, out);
    // rebound.yaml's guardrail keys; dry_run is accepted but moot: plans are always dry runs.
    ParseGuardrailConfig(test.Child("guardrails", GuardrailKeys()), out.guardrails);
    for (const YAML::Node& entry : Items(test, "history")) ParseHistory(entry, out);
    if (test.Require("expect")) {
      std::vector<YAML::Node> expect = Items(test, "expect");
      for (const YAML::Node& entry : expect) out.expect.push_back(ParseExpectation(entry));
      if (errors_.size() == errors_before && expect.size() != out.alerts.size()) {
        errors_.Add(*test.Find("expect"), Quote(test.Qualified("expect")) + " has " +
                                              std::to_string(expect.size()) + " entries for " +
                                              std::to_string(out.alerts.size()) +
                                              " alerts: give one per alert, in order");
      }
    }
    if (errors_.size() != errors_before) return std::nullopt;
    return out;
  }

 private:
  void ParseAlert(const YAML::Node& node, TestCase& test) {
    StrictMap map(node, "alert", {"labels", "annotations", "startsAt"}, errors_);
    Alert alert;
    alert.starts_at = common::Timestamp::FromTimePoint(test.now);
    alert.ends_at = common::Timestamp::Zero();
    if (map.Require("labels")) {
      alert.labels = ReadStringMap(*map.Find("labels"), "labels", errors_).value_or(alert.labels);
    }
    if (std::optional<YAML::Node> annotations = map.Find("annotations")) {
      alert.annotations =
          ReadStringMap(*annotations, "annotations", errors_).value_or(alert.annotations);
    }
    if (auto starts_at = map.String("startsAt")) {
      common::Result<common::Timestamp> parsed = common::ParseRfc3339(*starts_at);
      if (parsed.ok()) {
        alert.starts_at = *parsed;
      } else {
        errors_.Add(*map.Find("startsAt"), "\"startsAt\": " + parsed.status().message());
      }
    }
    test.alerts.push_back(std::move(alert));
  }

  void ParsePayload(const YAML::Node& node, const std::string& name, TestCase& test) {
    std::optional<std::string> file = common::YamlString(node, name, errors_);
    if (!file) return;
    const std::string path = (dir_ / *file).string();
    common::Result<controller::intake::WebhookPayload> payload = ReadPayloadFile(path);
    if (!payload.ok()) {
      errors_.Add(node, Quote(name) + ": " + path + ": " + payload.status().message());
      return;
    }
    test.alerts = payload->alerts;
    test.external_url = payload->external_url;
  }

  void ParseObject(const YAML::Node& node, TestCase& test) {
    StrictMap object(node, "cluster object", {"apiVersion", "kind", "metadata", "spec", "status"},
                     errors_);
    if (!object.Require("kind") || !object.Require("metadata")) return;
    std::optional<std::string> kind = object.String("kind");
    if (!kind) return;
    const kube::Resource* resource = nullptr;
    std::vector<std::string> kinds;
    for (const kube::Resource* r : kClusterResources) {
      kinds.emplace_back(r->kind);
      if (r->kind == *kind) resource = r;
    }
    if (resource == nullptr) {
      std::string hint = common::ClosestMatch(*kind, kinds);
      errors_.Add(*object.Find("kind"),
                  "unknown kind " + Quote(*kind) +
                      (hint.empty() ? "" : " (did you mean " + Quote(hint) + "?)"));
      return;
    }
    if (auto api_version = object.String("apiVersion");
        api_version && *api_version != resource->ApiVersion()) {
      errors_.Add(*object.Find("apiVersion"), "a " + *kind + " has apiVersion " +
                                                  resource->ApiVersion() + ", not " + *api_version);
    }
    nlohmann::json json = ToJson(node);
    const std::string name = kube::StringField(json, {"metadata", "name"});
    const std::string ns = kube::StringField(json, {"metadata", "namespace"});
    if (name.empty()) errors_.Add(*object.Find("metadata"), "\"metadata.name\" is required");
    if (resource->namespaced == ns.empty()) {
      errors_.Add(*object.Find("metadata"),
                  resource->namespaced ? "\"metadata.namespace\" is required for a " + *kind
                                       : "a " + *kind + " has no namespace");
    }
    test.cluster.emplace_back(*resource, std::move(json));
  }

  void ParseSeries(const YAML::Node& series, TestCase& test) {
    if (!series.IsMap()) {
      errors_.Add(series, "\"series\": expected a mapping of queries to values, got " +
                              common::DescribeYaml(series));
      return;
    }
    for (auto it = series.begin(); it != series.end(); ++it) {
      const std::string query = it->first.Scalar();
      const YAML::Node node = it->second;  // a copy: it-> yields a temporary
      const nlohmann::json value = node.IsScalar() ? ScalarToJson(node) : nlohmann::json();
      if (node.IsNull() || (node.IsScalar() && value.is_null())) {
        test.series[query] = TestSeries();  // the query returns no samples
        continue;
      }
      if (value.is_number()) {
        test.series[query] = TestSeries{false, {value.get<double>()}};
        continue;
      }
      common::Result<std::vector<double>> values =
          value.is_string() ? ParseSeriesValues(value.get<std::string>())
                            : common::InvalidArgument("got " + common::DescribeYaml(node));
      if (values.ok()) {
        test.series[query] = TestSeries{true, std::move(*values)};
      } else {
        errors_.Add(node, "series " + Quote(query) +
                              ": expected a number, ~ for no samples, or a history such as "
                              "\"100+0x60 100+5x10\"; " +
                              values.status().message());
      }
    }
  }

  void ParseHistory(const YAML::Node& node, TestCase& test) {
    StrictMap entry(node, "history", {"playbook", "target", "action", "outcome", "ago"}, errors_);
    HealRecord record;
    entry.Require("target");
    entry.Require("ago");
    record.target = entry.String("target").value_or("");
    if (!record.target.empty() && (record.target.find(' ') == std::string::npos ||
                                   record.target.find('/') == std::string::npos)) {
      errors_.Add(*entry.Find("target"),
                  "\"history.target\": expected \"Kind namespace/name\" such as "
                  "\"Deployment shop/web\", got " +
                      Quote(record.target));
    }
    if (auto ago = entry.Duration("ago", milliseconds(0))) record.at = test.now - *ago;
    if (entry.Has("action") == entry.Has("outcome")) {
      errors_.Add(entry.mark(),
                  "a history entry has either \"action\" (with \"playbook\") or "
                  "\"outcome\"");
      return;
    }
    if (entry.Has("action")) {
      entry.Require("playbook");
      record.kind = HealRecord::Kind::kAction;
      record.playbook = entry.String("playbook").value_or("");
      record.action = entry.String("action").value_or("");
      record.result = "done";
    } else {
      record.kind = HealRecord::Kind::kOutcome;
      record.playbook = entry.String("playbook").value_or("");
      record.result = entry.Enum("outcome", {"healed", "unhealed"}).value_or("");
    }
    test.history.push_back(std::move(record));
  }

  std::vector<ExpectedRun> ParseExpectation(const YAML::Node& node) {
    std::vector<ExpectedRun> runs;
    if (node.IsSequence()) {
      for (const YAML::Node& run : node) runs.push_back(ParseRun(run));
    } else {
      runs.push_back(ParseRun(node));
    }
    return runs;
  }

  ExpectedRun ParseRun(const YAML::Node& node) {
    StrictMap map(node, "expect",
                  {"playbook", "target", "steps", "refused", "unmatched", "resolved"}, errors_);
    ExpectedRun run;
    run.playbook = map.String("playbook").value_or("");
    run.target = map.String("target").value_or("");
    const bool unmatched = map.Bool("unmatched").value_or(false);
    const bool resolved = map.Bool("resolved").value_or(false);
    const int kinds = unmatched + resolved + map.Has("refused") + map.Has("steps");
    if (kinds != 1) {
      errors_.Add(map.mark(),
                  "an expectation has exactly one of \"steps\" (with \"playbook\"), "
                  "\"refused\", \"unmatched: true\" or \"resolved: true\"");
      return run;
    }
    if (unmatched || resolved) {
      run.kind = unmatched ? ExpectedRun::Kind::kUnmatched : ExpectedRun::Kind::kResolved;
      if (map.Has("playbook") || map.Has("target")) {
        errors_.Add(map.mark(), "\"playbook\" and \"target\" do not go with " +
                                    std::string(unmatched ? "\"unmatched\"" : "\"resolved\""));
      }
    } else if (map.Has("refused")) {
      run.kind = ExpectedRun::Kind::kRefused;
      run.reason = map.String("refused").value_or("");
    } else {
      map.Require("playbook");
      for (const YAML::Node& step : Items(map, "steps")) {
        if (std::optional<ExpectedStep> parsed = ParseStep(step)) run.steps.push_back(*parsed);
      }
    }
    return run;
  }

  // "restart", "rollback: failed", "rollback: failed (no_previous_revision)", or the same as a
  // one-key mapping (what `- rollback: failed` is in YAML).
  std::optional<ExpectedStep> ParseStep(const YAML::Node& node) {
    std::string action;
    std::string result = "dry_run";
    if (node.IsScalar()) {
      const std::string& text = node.Scalar();
      const size_t colon = text.find(':');
      action = Trim(text.substr(0, colon));
      if (colon != std::string::npos) result = Trim(text.substr(colon + 1));
    } else if (node.IsMap() && node.size() == 1 && node.begin()->first.IsScalar() &&
               node.begin()->second.IsScalar()) {
      action = Trim(node.begin()->first.Scalar());
      result = Trim(node.begin()->second.Scalar());
    } else {
      errors_.Add(node,
                  "a step is \"action\" or \"action: result\", got " + common::DescribeYaml(node));
      return std::nullopt;
    }
    ExpectedStep step;
    step.action = action;
    if (const size_t open = result.find('('); open != std::string::npos && result.back() == ')') {
      step.reason = Trim(result.substr(open + 1, result.size() - open - 2));
      result = Trim(result.substr(0, open));
    }
    step.result = result;
    bool ok = true;
    if (std::find(actions_.begin(), actions_.end(), action) == actions_.end()) {
      std::string hint = common::ClosestMatch(action, actions_);
      errors_.Add(node, "unknown action " + Quote(action) +
                            (hint.empty() ? "" : " (did you mean " + Quote(hint) + "?)"));
      ok = false;
    }
    if (std::find(std::begin(kStepResults), std::end(kStepResults), result) ==
        std::end(kStepResults)) {
      errors_.Add(node, "unknown step result " + Quote(result) +
                            " (one of dry_run, noop, refused, failed, skipped, waiting)");
      ok = false;
    }
    return ok ? std::optional(step) : std::nullopt;
  }

  const fs::path dir_;
  const std::vector<std::string> actions_;
  YamlErrors& errors_;
};

// Reads `path` and the playbooks it names; nullopt after writing every problem to `err`.
std::optional<TestFile> LoadTestFile(const std::string& path,
                                     const controller::actions::ActionRegistry& registry,
                                     std::ostream& err) {
  YamlErrors errors(path);
  std::optional<TestFile> out;
  std::optional<YAML::Node> root = common::LoadYamlFile(path, errors);
  std::vector<common::YamlError> playbook_errors;
  if (root) {
    const fs::path dir = fs::path(path).parent_path();
    StrictMap top(*root, "", {"playbooks", "tests"}, errors);
    top.Require("playbooks");
    top.Require("tests");
    TestFile file;
    if (auto patterns = top.StringList("playbooks")) {
      controller::playbook::LoadedPlaybooks loaded = controller::playbook::LoadPlaybooks(
          *patterns, dir.empty() ? "." : dir.string(), registry);
      playbook_errors = std::move(loaded.errors);
      file.playbooks =
          std::make_shared<controller::playbook::PlaybookIndex>(std::move(loaded.set.playbooks));
    }
    TestParser parser(dir, registry.Names(), errors);
    std::vector<YAML::Node> tests = Items(top, "tests");
    for (size_t i = 0; i < tests.size(); ++i) {
      if (std::optional<TestCase> test = parser.Parse(tests[i], i)) file.tests.push_back(*test);
    }
    out = std::move(file);
  }
  for (const common::YamlError& e : errors.Sorted()) err << e.ToString() << "\n";
  for (const common::YamlError& e : playbook_errors) err << e.ToString() << "\n";
  if (!errors.empty() || !playbook_errors.empty()) return std::nullopt;
  return out;
}

// ---- Running one test ----

// Answers queries with the test's `series`: instant queries with the (last) value, range
// queries with a history, its last value at the end of the range.
class SeriesPrometheus final : public controller::promql::PrometheusApi {
 public:
  explicit SeriesPrometheus(const std::map<std::string, TestSeries>& series) : series_(series) {}

  common::Result<controller::promql::QueryResult> InstantQuery(
      std::string_view query, std::optional<controller::promql::TimePoint>) override {
    common::Result<const TestSeries*> series = Find(query);
    if (!series.ok()) return series.status();
    controller::promql::Vector vector;
    if (!(*series)->values.empty() && !std::isnan((*series)->values.back())) {
      controller::promql::Sample sample;
      sample.value = (*series)->values.back();
      vector.push_back(sample);
    }
    controller::promql::QueryResult result;
    result.value = vector;
    return result;
  }
  common::Result<controller::promql::RangeQueryResult> RangeQuery(
      std::string_view query, controller::promql::TimePoint start,
      controller::promql::TimePoint end, milliseconds step) override {
    common::Result<const TestSeries*> series = Find(query);
    if (!series.ok()) return series.status();
    const std::vector<double>& values = (*series)->values;
    if (!(*series)->history) {
      return common::InvalidArgument("the test gives one value for " + std::string(query) +
                                     "; a range query needs a history such as "
                                     "\"100+0x60 100+5x10\"");
    }
    controller::promql::Series out;
    for (size_t i = 0; i < values.size(); ++i) {
      const controller::promql::TimePoint at =
          end - static_cast<int64_t>(values.size() - 1 - i) * step;
      if (at >= start && !std::isnan(values[i])) out.points.push_back({at, values[i]});
    }
    controller::promql::RangeQueryResult result;
    if (!out.points.empty()) result.matrix.push_back(std::move(out));
    return result;
  }

 private:
  common::Result<const TestSeries*> Find(std::string_view query) const {
    auto it = series_.find(std::string(query));
    if (it == series_.end()) {
      return common::Unavailable("the test gives no series for " + std::string(query));
    }
    return &it->second;
  }

  const std::map<std::string, TestSeries>& series_;
};

// The plans as compared: one line per alert, per playbook and per step, showing only what the
// expectation states (so that an unstated target or reason never differs).
std::string StepLine(const std::string& action, int number, const std::string& result,
                     const std::string& reason) {
  return "    " + std::to_string(number) + ". " + action + ": " + result +
         (reason.empty() ? "" : " (" + reason + ")");
}

void AddExpected(const ExpectedRun& run, std::vector<std::string>& lines) {
  switch (run.kind) {
    case ExpectedRun::Kind::kUnmatched:
      lines.push_back("  no playbook matches");
      return;
    case ExpectedRun::Kind::kResolved:
      lines.push_back("  resolved: nothing to do");
      return;
    case ExpectedRun::Kind::kRefused:
      if (run.playbook.empty()) {
        lines.push_back("  refused (" + run.reason + ")");
      } else {
        lines.push_back("  " + RunHeading(run.playbook, run.target));
        lines.push_back("    refused (" + run.reason + ")");
      }
      return;
    case ExpectedRun::Kind::kMatched:
      lines.push_back("  " + RunHeading(run.playbook, run.target));
      for (size_t i = 0; i < run.steps.size(); ++i) {
        const ExpectedStep& s = run.steps[i];
        lines.push_back(StepLine(s.action, static_cast<int>(i) + 1, s.result, s.reason));
      }
      return;
  }
}

void AddActual(const PlaybookRun& run, const ExpectedRun* hint, std::vector<std::string>& lines) {
  if (run.decided == DecisionResult::kNoPlaybook) {
    lines.push_back("  no playbook matches");
    return;
  }
  const std::string target = hint == nullptr || !hint->target.empty() ? run.target : "";
  const bool heading =
      hint == nullptr || hint->kind != ExpectedRun::Kind::kRefused || !hint->playbook.empty();
  if (heading) lines.push_back("  " + RunHeading(run.playbook, target));
  if (run.decided == DecisionResult::kRefused || run.decided == DecisionResult::kFolded) {
    lines.push_back((heading ? "    " : "  ") + run.decision.result +
                    (run.decision.reason.empty() ? "" : " (" + run.decision.reason + ")"));
  }
  for (size_t i = 0; i < run.steps.size(); ++i) {
    const HealRecord& step = run.steps[i];
    const ExpectedStep* expected =
        hint != nullptr && i < hint->steps.size() ? &hint->steps[i] : nullptr;
    const bool with_reason = expected == nullptr || !expected->reason.empty();
    lines.push_back(StepLine(step.action, static_cast<int>(i) + 1, step.result,
                             with_reason ? step.reason : ""));
  }
}

void Compare(const TestCase& test, const Plan& plan, std::vector<std::string>& expected,
             std::vector<std::string>& actual) {
  for (size_t i = 0; i < plan.alerts.size(); ++i) {
    const AlertPlan& alert = plan.alerts[i];
    const std::string heading = "alert " + std::to_string(i + 1) + ": " + AlertHeading(alert.alert);
    expected.push_back(heading);
    actual.push_back(heading);
    const std::vector<ExpectedRun>& hints = test.expect[i];
    for (const ExpectedRun& run : hints) AddExpected(run, expected);
    switch (alert.intake) {
      case IntakeOutcome::kResolved:
        actual.push_back("  resolved: nothing to do");
        continue;
      case IntakeOutcome::kDuplicate:
        actual.push_back("  duplicate: nothing to do");
        continue;
      case IntakeOutcome::kStale:
        actual.push_back("  stale: nothing to do");
        continue;
      case IntakeOutcome::kNew:
        break;
    }
    std::vector<PlaybookRun> runs = PlaybookRuns(alert);
    for (size_t r = 0; r < runs.size(); ++r) {
      AddActual(runs[r], r < hints.size() ? &hints[r] : nullptr, actual);
    }
  }
}

// A line diff (longest common subsequence): " " both, "-" only expected, "+" only got.
std::vector<std::string> Diff(const std::vector<std::string>& expected,
                              const std::vector<std::string>& actual) {
  const size_t n = expected.size();
  const size_t m = actual.size();
  std::vector<std::vector<size_t>> common(n + 1, std::vector<size_t>(m + 1, 0));
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      common[i][j] = expected[i] == actual[j] ? common[i + 1][j + 1] + 1
                                              : std::max(common[i + 1][j], common[i][j + 1]);
    }
  }
  std::vector<std::string> out;
  size_t i = 0;
  size_t j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && expected[i] == actual[j]) {
      out.push_back(" " + expected[i++]);
      ++j;
    } else if (i < n && (j == m || common[i + 1][j] >= common[i][j + 1])) {
      out.push_back("-" + expected[i++]);
    } else {
      out.push_back("+" + actual[j++]);
    }
  }
  return out;
}

void WriteIndented(const std::string& text, const std::string& indent, std::ostream& out) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) out << indent << line << "\n";
}

bool RunTest(const TestFile& file, const TestCase& test,
             const controller::actions::ActionRegistry& registry, std::ostream& out) {
  kube::MemoryKubeStore store;
  for (const auto& [resource, object] : test.cluster) store.Put(resource, object);
  kube::MemoryKubeClient kube(store);
  SeriesPrometheus prometheus(test.series);
  PlanInput input;
  input.playbooks = file.playbooks;
  input.actions = &registry;
  input.alerts = test.alerts;
  input.kube = &kube;
  input.prometheus = &prometheus;
  input.guardrails = test.guardrails;
  input.history = test.history;
  input.now = test.now;
  input.external_url = test.external_url;
  common::Result<Plan> plan = MakePlan(input);
  if (!plan.ok()) {
    out << "  FAIL  " << test.name << "\n        cannot make the plan: " << plan.status().ToString()
        << "\n";
    return false;
  }
  std::vector<std::string> expected;
  std::vector<std::string> actual;
  Compare(test, *plan, expected, actual);
  if (expected == actual) {
    out << "  PASS  " << test.name << "\n";
    return true;
  }
  out << "  FAIL  " << test.name << "\n        --- expected\n        +++ got\n";
  for (const std::string& line : Diff(expected, actual)) out << "        " << line << "\n";
  std::ostringstream rendered;
  PrintPlan(*plan, rendered, true);
  out << "        plan:\n";
  WriteIndented(rendered.str(), "          ", out);
  return false;
}

}  // namespace

int RunPlaybookTests(const std::vector<std::string>& files, std::ostream& out, std::ostream& err) {
  if (files.empty()) {
    err << "rebound test: no test files given\n";
    return 2;
  }
  controller::actions::ActionRegistry registry;
  controller::actions::RegisterBuiltinActions(registry);
  bool bad_file = false;
  int passed = 0;
  int failed = 0;
  for (const std::string& path : files) {
    std::optional<TestFile> file = LoadTestFile(path, registry, err);
    if (!file) {
      bad_file = true;
      continue;
    }
    out << path << "\n";
    for (const TestCase& test : file->tests) {
      (RunTest(*file, test, registry, out) ? passed : failed)++;
    }
  }
  out << passed + failed << " tests: " << passed << " passed, " << failed << " failed";
  if (bad_file) out << "; some test files have errors";
  out << "\n";
  if (bad_file) return 2;
  return failed > 0 ? 1 : 0;
}

}  // namespace rebound::app
