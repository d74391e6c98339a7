#include "controller/playbook/playbook_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace rebound::controller::playbook {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Matcher;
using ::testing::SizeIs;
using ::testing::StartsWith;

const actions::ActionRegistry& Registry() {
  static const actions::ActionRegistry* registry = [] {
    auto* built = new actions::ActionRegistry();
    actions::RegisterBuiltinActions(*built);
    return built;
  }();
  return *registry;
}

struct Parsed {
  PlaybookSet set;
  std::vector<std::string> errors;  // "p.yaml:line:col: message", in file order
};

// Parses `yaml` as the file "p.yaml".
Parsed Parse(const std::string& yaml) {
  Parsed out;
  common::YamlErrors errors("p.yaml");
  if (std::optional<std::vector<YAML::Node>> docs = common::ParseYamlDocuments(yaml, errors)) {
    ParsePlaybookDocuments(*docs, Registry(), out.set, errors);
  }
  for (const common::YamlError& e : errors.Sorted()) out.errors.push_back(e.ToString());
  return out;
}

std::vector<std::string> Errors(const std::string& yaml) { return Parse(yaml).errors; }

// An error at p.yaml:line:column whose message contains each of `parts`.
Matcher<std::string> ErrorAt(int line, int column, std::vector<std::string> parts) {
  std::vector<Matcher<std::string>> all = {
      StartsWith("p.yaml:" + std::to_string(line) + ":" + std::to_string(column) + ": ")};
  for (std::string& part : parts) all.push_back(HasSubstr(std::move(part)));
  return ::testing::AllOfArray(all);
}

// Five lines, so the spec bodies appended in the tests start on line 6.
constexpr char kHeader[] = R"(apiVersion: rebound.io/v1
kind: Playbook
metadata:
  name: p
spec:
)";

std::string WithSpec(const std::string& spec_body) { return kHeader + spec_body; }

constexpr char kTwoPlaybooks[] = R"(apiVersion: rebound.io/v1
kind: Playbook
metadata:
  name: restart-leaking-deployment
spec:
  match:
    - alertname = "ContainerMemoryGrowth"
    - severity =~ "warning|critical"
  continue: true
  target:
    kind: Deployment
    namespace: "{{ labels.namespace }}"
    name: "{{ labels.deployment }}"
  steps:
    - action: restart
      verify: { within: 5m }
    - action: scale
      replicas: "+1"
      max: 10
      verify:
        within: 90s
        resolved: false
        query: 'rate(http_requests_total{namespace="{{ labels.namespace }}",code=~"5.."}[1m]) < 0.1'
    - action: notify
      message: "Could not heal {{ target }}: paging on-call"
  guardrails:
    cooldown: 15m
    maxPerHour: 4
    maxPods: 2
    maxPercent: 50
    minReplicas: 1
  dryRun: true
---
apiVersion: rebound.io/v1
kind: Playbook
metadata:
  name: delete-crashlooping-pod
  labels: {team: sre}
spec:
  match: ['alertname = "KubePodCrashLooping"']
  target: {kind: Pod, namespace: "{{ labels.namespace }}", name: "{{ labels.pod }}"}
  steps:
    - action: delete_pod
)";

TEST(PlaybookLoaderTest, LoadsEveryFieldOfEveryDocument) {
  Parsed parsed = Parse(kTwoPlaybooks);
  ASSERT_THAT(parsed.errors, IsEmpty());
  ASSERT_THAT(parsed.set.playbooks, SizeIs(2));

  const Playbook& leak = *parsed.set.playbooks[0];
  EXPECT_EQ(leak.name, "restart-leaking-deployment");
  EXPECT_EQ(leak.source, "p.yaml:1");
  EXPECT_EQ(leak.matchers.ToString(),
            R"({alertname="ContainerMemoryGrowth",severity=~"warning|critical"})");
  EXPECT_TRUE(leak.continue_matching);
  EXPECT_EQ(leak.target.kind, "Deployment");
  EXPECT_EQ(leak.target.ns.text(), "{{ labels.namespace }}");
  EXPECT_EQ(leak.target.name.text(), "{{ labels.deployment }}");
  ASSERT_THAT(leak.steps, SizeIs(3));

  EXPECT_EQ(leak.steps[0].action, "restart");
  EXPECT_EQ(leak.steps[0].line, 15);
  EXPECT_EQ(leak.steps[0].verify.within, minutes(5));
  EXPECT_TRUE(leak.steps[0].verify.resolved);
  EXPECT_FALSE(leak.steps[0].verify.query.has_value());

  EXPECT_EQ(leak.steps[1].action, "scale");
  EXPECT_EQ(leak.steps[1].line, 17);
  ASSERT_NE(leak.steps[1].impl, nullptr);
  EXPECT_EQ(leak.steps[1].impl->Describe(), "scale +1 (max 10)");
  EXPECT_EQ(leak.steps[1].verify.within, seconds(90));
  EXPECT_FALSE(leak.steps[1].verify.resolved);
  ASSERT_TRUE(leak.steps[1].verify.query.has_value());
  EXPECT_EQ(
      leak.steps[1].verify.query->text(),
      R"(rate(http_requests_total{namespace="{{ labels.namespace }}",code=~"5.."}[1m]) < 0.1)");
  EXPECT_THAT(leak.steps[1].verify.query->variables(), ElementsAre("labels.namespace"));

  EXPECT_EQ(leak.steps[2].action, "notify");
  EXPECT_EQ(leak.steps[2].line, 24);
  EXPECT_EQ(leak.steps[2].impl->Describe(), "notify: Could not heal {{ target }}: paging on-call");

  EXPECT_EQ(leak.guardrails.cooldown, minutes(15));
  EXPECT_EQ(leak.guardrails.max_per_hour, 4);
  EXPECT_EQ(leak.guardrails.max_pods, 2);
  EXPECT_EQ(leak.guardrails.max_percent, 50);
  EXPECT_EQ(leak.guardrails.min_replicas, 1);
  EXPECT_TRUE(leak.dry_run);

  // The second document takes every default.
  const Playbook& crash = *parsed.set.playbooks[1];
  EXPECT_EQ(crash.name, "delete-crashlooping-pod");
  EXPECT_EQ(crash.source, "p.yaml:34");
  EXPECT_EQ(crash.matchers.EqualityValue("alertname"), "KubePodCrashLooping");
  EXPECT_FALSE(crash.continue_matching);
  EXPECT_EQ(crash.target.kind, "Pod");
  EXPECT_EQ(crash.target.name.text(), "{{ labels.pod }}");
  ASSERT_THAT(crash.steps, SizeIs(1));
  EXPECT_EQ(crash.steps[0].action, "delete_pod");
  EXPECT_EQ(crash.steps[0].line, 43);
  EXPECT_EQ(crash.steps[0].verify.within, minutes(5));
  EXPECT_TRUE(crash.steps[0].verify.resolved);
  EXPECT_FALSE(crash.guardrails.cooldown.has_value());
  EXPECT_FALSE(crash.guardrails.max_per_hour.has_value());
  EXPECT_FALSE(crash.guardrails.max_pods.has_value());
  EXPECT_FALSE(crash.guardrails.max_percent.has_value());
  EXPECT_FALSE(crash.guardrails.min_replicas.has_value());
  EXPECT_FALSE(crash.dry_run);
}

TEST(PlaybookLoaderTest, UnknownKeysAtEveryLevelSuggestTheClosestKnownOne) {
  EXPECT_THAT(
      Errors(WithSpec(R"(  match: ['alertname = "A"']
  contnue: true
  target: {kind: Deployment, namespace: shop, nmae: web}
  steps:
    - action: restart
      verfy: {within: 1m}
    - action: scale
      replicas: 2
      verify: {whithin: 1m}
  guardrails: {coldown: 1m}
)")),
      ElementsAre(
          ErrorAt(7, 3, {R"(unknown key "contnue" in spec)", R"((did you mean "continue"?))"}),
          ErrorAt(8, 11, {R"("spec.target.name" is required)"}),
          ErrorAt(8, 47, {R"(unknown key "nmae" in spec.target)", R"((did you mean "name"?))"}),
          ErrorAt(11, 7,
                  {R"(unknown key "verfy" in spec.steps[0])", R"((did you mean "verify"?))"}),
          ErrorAt(
              14, 16,
              {R"(unknown key "whithin" in spec.steps[1].verify)", R"((did you mean "within"?))"}),
          ErrorAt(
              15, 16,
              {R"(unknown key "coldown" in spec.guardrails)", R"((did you mean "cooldown"?))"})));
}

TEST(PlaybookLoaderTest, ReportsEachMissingTopLevelFieldAtTheDocument) {
  const std::vector<std::string> lines = {
      "apiVersion: rebound.io/v1\n", "kind: Playbook\n", "metadata: {name: p}\n",
      "spec: {match: [alertname=A], target: {kind: Pod, namespace: a, name: b}, "
      "steps: [{action: restart}]}\n"};
  const std::vector<std::string> keys = {"apiVersion", "kind", "metadata", "spec"};
  for (size_t missing = 0; missing < keys.size(); ++missing) {
    SCOPED_TRACE(keys[missing]);
    std::string yaml;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i != missing) yaml += lines[i];
    }
    Parsed parsed = Parse(yaml);
    EXPECT_THAT(parsed.errors,
                ElementsAre(ErrorAt(1, 1, {"\"" + keys[missing] + "\" is required"})));
    EXPECT_THAT(parsed.set.playbooks, IsEmpty());
  }
}

TEST(PlaybookLoaderTest, ReportsMissingNameAtTheMetadata) {
  EXPECT_THAT(Errors(R"(apiVersion: rebound.io/v1
kind: Playbook
metadata: {annotations: {owner: sre}}
spec: {match: [alertname=A], target: {kind: Pod, namespace: a, name: b}, steps: [{action: restart}]}
)"),
              ElementsAre(ErrorAt(3, 11, {R"("metadata.name" is required)"})));
}

TEST(PlaybookLoaderTest, ReportsMissingSpecFieldsAtTheSpec) {
  EXPECT_THAT(Errors(WithSpec("  dryRun: false\n")),
              ElementsAre(ErrorAt(6, 3, {R"("spec.match" is required)"}),
                          ErrorAt(6, 3, {R"("spec.target" is required)"}),
                          ErrorAt(6, 3, {R"("spec.steps" is required)"})));
}

TEST(PlaybookLoaderTest, ProblemsInTheSpecAreReportedEvenWhenTheHeaderIsIncomplete) {
  EXPECT_THAT(Errors(R"(apiVersion: rebound.io/v1
metadata: {name: p}
spec:
  match: ['alertname = "A"']
  target: {kind: Pod, namespace: a, name: b}
  steps: [{action: restrat}]
)"),
              ElementsAre(ErrorAt(1, 1, {R"("kind" is required)"}),
                          ErrorAt(6, 20, {R"(unknown action "restrat")"})));
}

TEST(PlaybookLoaderTest, RejectsOtherApiVersionsAndKinds) {
  EXPECT_THAT(
      Errors(R"(apiVersion: rebound.io/v2
kind: Experiment
metadata: {name: p}
spec: {match: [alertname=A], target: {kind: Pod, namespace: a, name: b}, steps: [{action: restart}]}
)"),
      ElementsAre(
          ErrorAt(1, 13,
                  {R"(unsupported apiVersion "rebound.io/v2")", R"((expected "rebound.io/v1"))"}),
          ErrorAt(2, 7, {R"(unsupported kind "Experiment")",
                         R"((expected "Playbook" or "ChaosExperiment"))"})));
}

TEST(PlaybookLoaderTest, SetsChaosExperimentsAsideForTheirOwnLoader) {
  Parsed parsed = Parse(R"(apiVersion: rebound.io/v1
kind: ChaosExperiment
metadata: {name: anything}
spec: {checked: elsewhere}
---
apiVersion: rebound.io/v1
kind: Playbook
metadata: {name: p}
spec: {match: [alertname=A], target: {kind: Pod, namespace: a, name: b}, steps: [{action: restart}]}
)");
  EXPECT_THAT(parsed.errors, IsEmpty());
  EXPECT_THAT(parsed.set.playbooks, SizeIs(1));
  ASSERT_THAT(parsed.set.experiments, SizeIs(1));
  EXPECT_EQ(parsed.set.experiments[0].file, "p.yaml");
  EXPECT_EQ(parsed.set.experiments[0].node["metadata"]["name"].Scalar(), "anything");
}

TEST(PlaybookLoaderTest, ReportsABadMatcherAtItsItemWithTheColumnInsideIt) {
  EXPECT_THAT(Errors(WithSpec(R"(  match:
    - alertname = "A"
    - severity =~ "(critical"
    - '{pod=~"(?<=x)y"}'
    - {team: sre}
  target: {kind: Pod, namespace: a, name: b}
  steps: [{action: restart}]
)")),
              ElementsAre(ErrorAt(8, 7,
                                  {R"(bad matcher "severity =~ "(critical"": column 13: )",
                                   R"(regular expression "(critical": missing ): (critical)",
                                   "Alertmanager syntax"}),
                          ErrorAt(9, 7,
                                  {R"(: column 7: regular expression "(?<=x)y": )",
                                   "(RE2 has no lookbehind"}),
                          ErrorAt(10, 7, {R"("spec.match": expected a string, got a mapping)"})));
}

TEST(PlaybookLoaderTest, RejectsAnEmptyMatchList) {
  EXPECT_THAT(Errors(WithSpec(R"(  match: []
  target: {kind: Pod, namespace: a, name: b}
  steps: [{action: restart}]
)")),
              ElementsAre(ErrorAt(
                  6, 10, {R"("spec.match": expected a non-empty list)", "got a sequence"})));
}

TEST(PlaybookLoaderTest, ReportsAnUnknownActionWithTheClosestName) {
  EXPECT_THAT(Errors(WithSpec(R"(  match: ['alertname = "A"']
  target: {kind: Pod, namespace: a, name: b}
  steps:
    - action: restrat
    - action: reboot
    - verify: {within: 1m}
)")),
              ElementsAre(ErrorAt(9, 15, {R"(unknown action "restrat" (did you mean "restart"?))"}),
                          ErrorAt(10, 15, {R"(unknown action "reboot")"}),
                          ErrorAt(11, 7,
                                  {R"("spec.steps[2].action" is required (one of: )", "delete_pod",
                                   "restart", "scale"})));
}

TEST(PlaybookLoaderTest, ReportsActionParameterErrorsAtTheParameter) {
  EXPECT_THAT(Errors(WithSpec(R"(  match: ['alertname = "A"']
  target: {kind: Deployment, namespace: a, name: b}
  steps:
    - action: scale
      replicas: "+x"
    - action: scale
      replicas: "+1"
    - action: restart
      replicas: 3
)")),
              ElementsAre(ErrorAt(10, 17, {R"("spec.steps[0].replicas": )"}),
                          ErrorAt(12, 17,
                                  {R"("spec.steps[1].max" is required with )",
                                   "so that scaling stays bounded"}),
                          ErrorAt(14, 7, {R"(unknown key "replicas" in spec.steps[2])"})));
}

TEST(PlaybookLoaderTest, ReportsTemplateSyntaxAndUnknownVariablesAtTheValue) {
  EXPECT_THAT(
      Errors(WithSpec(R"(  match: ['alertname = "A"']
  target:
    kind: Deployment
    namespace: "{{ labels.namespace"
    name: "{{ lables.deployment }}"
  steps: [{action: restart}]
)")),
      ElementsAre(ErrorAt(9, 16, {R"("spec.target.namespace": column 1: unterminated "{{")"}),
                  ErrorAt(10, 11,
                          {R"("spec.target.name": column 4: unknown variable)",
                           R"((did you mean "labels.deployment"?))"})));
}

TEST(PlaybookLoaderTest, RejectsTemplatesUsingALabelTheMatchersRequireToBeAbsent) {
  Parsed parsed = Parse(WithSpec(R"(  match:
    - alertname = "A"
    - deployment = ""
  target:
    kind: Deployment
    namespace: shop
    name: "{{ labels.deployment }}"
  steps:
    - action: notify
      message: "{{ labels.deployment }} is down"
      verify: {query: 'up{deployment="{{ labels.deployment }}"} == 1'}
)"));
  EXPECT_THAT(parsed.errors,
              ElementsAre(ErrorAt(12, 11,
                                  {R"("spec.target.name" uses "labels.deployment")",
                                   "requires that label to be absent"}),
                          ErrorAt(15, 16, {R"("spec.steps[0].message" uses "labels.deployment")"}),
                          ErrorAt(16, 23, {R"("spec.steps[0].verify.query" uses)"})));
  EXPECT_THAT(parsed.set.playbooks, IsEmpty());
}

TEST(PlaybookLoaderTest, OnlyMatchersThatAdmitNothingButEmptyMakeALabelUnusable) {
  const std::string target_and_steps =
      R"(  target: {kind: Pod, namespace: a, name: "{{ labels.pod }}"}
  steps: [{action: restart}]
)";
  EXPECT_THAT(Errors(WithSpec("  match: [alertname=A, 'pod !~ \".+\"']\n" + target_and_steps)),
              ElementsAre(ErrorAt(7, 43, {"requires that label to be absent"})));
  for (const std::string matcher : {R"('pod != ""')", R"('pod =~ "web-.*|"')", R"('pod != "x"')"}) {
    SCOPED_TRACE(matcher);
    EXPECT_THAT(Errors(WithSpec("  match: [alertname=A, " + matcher + "]\n" + target_and_steps)),
                IsEmpty());
  }
}

TEST(PlaybookLoaderTest, RejectsTargetVariablesInsideTheTarget) {
  EXPECT_THAT(Errors(WithSpec(R"(  match: ['alertname = "A"']
  target:
    kind: Deployment
    namespace: "{{ target.namespace }}"
    name: "{{ target }}"
  steps: [{action: notify, message: "healing {{ target }}"}]
)")),
              ElementsAre(ErrorAt(9, 16,
                                  {R"("spec.target.namespace" uses "target.namespace")",
                                   "which is what this field defines"}),
                          ErrorAt(10, 11, {R"("spec.target.name" uses "target")"})));
}

TEST(PlaybookLoaderTest, ReportsBadDurationsAtTheValue) {
  EXPECT_THAT(Errors(WithSpec(R"(  match: ['alertname = "A"']
  target: {kind: Pod, namespace: a, name: b}
  steps:
    - action: restart
      verify: {within: 5 minutes}
    - action: restart
      verify: {within: 500ms}
  guardrails:
    cooldown: soon
)")),
              ElementsAre(ErrorAt(10, 24, {R"("spec.steps[0].verify.within": )"}),
                          ErrorAt(12, 24, {R"("spec.steps[1].verify.within": expected a )"}),
                          ErrorAt(14, 15, {R"("spec.guardrails.cooldown": )"})));
}

TEST(PlaybookLoaderTest, ReportsValuesOfTheWrongType) {
  EXPECT_THAT(Errors(WithSpec(R"(  match: ['alertname = "A"']
  continue: yes
  target: {kind: Deploymnet, namespace: shop, name: web}
  steps: [restart]
  guardrails: {maxPercent: 150}
  dryRun: 1
)")),
              ElementsAre(ErrorAt(7, 13, {R"("spec.continue": expected a boolean)"}),
                          ErrorAt(8, 18, {R"("spec.target.kind" must be one of Deployment, )"}),
                          ErrorAt(9, 11, {R"("spec.steps[0]": expected a mapping)"}),
                          ErrorAt(10, 28,
                                  {R"("spec.guardrails.maxPercent": expected a positive )"
                                   R"(integer no larger than 100, got "150")"}),
                          ErrorAt(11, 11, {R"("spec.dryRun": expected a boolean)"})));
  EXPECT_THAT(Errors(WithSpec(R"(  match: ['alertname = "A"']
  target: {kind: Pod, namespace: a, name: b}
  steps: []
)")),
              ElementsAre(ErrorAt(8, 10, {R"("spec.steps": expected a non-empty list)"})));
}

TEST(PlaybookLoaderTest, RejectsADuplicateNameAtTheSecondDefinition) {
  Parsed parsed = Parse(WithSpec(R"(  match: ['alertname = "A"']
  target: {kind: Pod, namespace: a, name: b}
  steps: [{action: restart}]
---
apiVersion: rebound.io/v1
kind: Playbook
metadata:
  name: p
spec:
  match: ['alertname = "B"']
  target: {kind: Pod, namespace: a, name: b}
  steps: [{action: restart}]
)"));
  EXPECT_THAT(
      parsed.errors,
      ElementsAre(ErrorAt(
          13, 9, {R"(playbook "p" is already defined at p.yaml:1)", "names must be unique"})));
  ASSERT_THAT(parsed.set.playbooks, SizeIs(1));
  EXPECT_EQ(parsed.set.playbooks[0]->matchers.EqualityValue("alertname"), "A");
}

TEST(PlaybookLoaderTest, ReportsAYamlSyntaxErrorAtTheParsersPosition) {
  EXPECT_THAT(Errors(R"(apiVersion: rebound.io/v1
kind: Playbook
metadata:
  name: p
spec:
  match: ['alertname = "A"'
  target: {kind: Pod, namespace: a, name: b}
)"),
              ElementsAre(ErrorAt(7, 3, {"YAML syntax error: end of sequence flow not found"})));
}

TEST(PlaybookLoaderTest, ReportsEveryErrorOfEveryDocumentAndKeepsTheValidOnes) {
  Parsed parsed = Parse(WithSpec(R"(  match: ['alertname == "A"']
  target: {kind: Pod, namespace: a, name: b}
  steps: [{action: restart}]
---
apiVersion: rebound.io/v1
kind: Playbook
metadata: {name: q}
spec:
  match: ['alertname = "B"']
  target: {kind: Pod, namespace: a, name: b}
  steps:
    - action: scael
    - action: restart
      verify: {within: never}
---
apiVersion: rebound.io/v1
kind: Playbook
metadata: {name: valid}
spec:
  match: ['alertname = "C"']
  target: {kind: Pod, namespace: a, name: b}
  steps: [{action: restart}]
)"));
  EXPECT_THAT(parsed.errors,
              ElementsAre(ErrorAt(6, 11, {"bad matcher"}),
                          ErrorAt(17, 15, {R"(unknown action "scael" (did you mean "scale"?))"}),
                          ErrorAt(19, 24, {R"("spec.steps[1].verify.within")"})));
  ASSERT_THAT(parsed.set.playbooks, SizeIs(1));
  EXPECT_EQ(parsed.set.playbooks[0]->name, "valid");
}

// Files on disk, for LoadPlaybooks.
class LoadPlaybooksTest : public ::testing::Test {
 protected:
  // Writes a valid playbook per name to `relative` (one document each) and returns its path.
  std::string WritePlaybooks(const std::string& relative, const std::vector<std::string>& names) {
    std::string yaml;
    for (const std::string& name : names) {
      yaml += "---\napiVersion: rebound.io/v1\nkind: Playbook\nmetadata:\n  name: " + name +
              "\nspec:\n  match: [alertname=" + name +
              "]\n  target: {kind: Pod, namespace: a, name: b}\n  steps: [{action: restart}]\n";
    }
    std::string path = dir_.File(relative);
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    rebound::testing::WriteFile(path, yaml);
    return path;
  }

  LoadedPlaybooks Load(const std::vector<std::string>& patterns) {
    return LoadPlaybooks(patterns, dir_.path(), Registry());
  }

  static std::vector<std::string> Names(const PlaybookSet& set) {
    std::vector<std::string> names;
    for (const auto& playbook : set.playbooks) names.push_back(playbook->name);
    return names;
  }

  rebound::testing::TempDir dir_;
};

TEST_F(LoadPlaybooksTest, ReadsTheFilesOfEachPatternInSortedOrder) {
  std::string c = WritePlaybooks("playbooks/c.yaml", {"c1"});
  std::string a = WritePlaybooks("playbooks/a.yaml", {"a1", "a2"});
  std::string b = WritePlaybooks("playbooks/b.yaml", {"b1"});
  std::string first = WritePlaybooks("first/z.yaml", {"z1"});
  WritePlaybooks("playbooks/ignored.yml", {"not-read"});

  LoadedPlaybooks loaded = Load({"first/*.yaml", "playbooks/*.yaml"});
  EXPECT_THAT(loaded.errors, IsEmpty());
  EXPECT_THAT(loaded.set.files, ElementsAre(first, a, b, c));
  EXPECT_THAT(Names(loaded.set), ElementsAre("z1", "a1", "a2", "b1", "c1"));
  EXPECT_EQ(loaded.set.playbooks[1]->source, a + ":2");
}

TEST_F(LoadPlaybooksTest, AcceptsAbsolutePatterns) {
  std::string a = WritePlaybooks("a.yaml", {"a1"});
  LoadedPlaybooks loaded = LoadPlaybooks({dir_.File("*.yaml")}, "/nonexistent", Registry());
  EXPECT_THAT(loaded.errors, IsEmpty());
  EXPECT_THAT(loaded.set.files, ElementsAre(a));
}

TEST_F(LoadPlaybooksTest, AWildcardMatchingNothingIsFine) {
  LoadedPlaybooks loaded = Load({"playbooks/*.yaml", "nowhere/*/x.yaml"});
  EXPECT_THAT(loaded.errors, IsEmpty());
  EXPECT_THAT(loaded.set.files, IsEmpty());
  EXPECT_THAT(loaded.set.playbooks, IsEmpty());
}

TEST_F(LoadPlaybooksTest, ALiteralPathNamingNoFileIsAnError) {
  WritePlaybooks("a.yaml", {"a1"});
  LoadedPlaybooks loaded = Load({"a.yaml", "missing.yaml"});
  ASSERT_THAT(loaded.errors, SizeIs(1));
  EXPECT_EQ(loaded.errors[0].file, dir_.File("missing.yaml"));
  EXPECT_EQ(loaded.errors[0].line, 0);
  EXPECT_THAT(loaded.errors[0].ToString(),
              AllOf(StartsWith(dir_.File("missing.yaml") + ": cannot read file: no such file"),
                    HasSubstr(R"(pattern "missing.yaml")")));
  EXPECT_THAT(Names(loaded.set), ElementsAre("a1"));
}

TEST_F(LoadPlaybooksTest, ReadsAFileMatchedByTwoPatternsOnce) {
  std::string a = WritePlaybooks("playbooks/a.yaml", {"a1"});
  std::string b = WritePlaybooks("playbooks/b.yaml", {"b1"});
  LoadedPlaybooks loaded = Load({"playbooks/b.yaml", "playbooks/*.yaml"});
  EXPECT_THAT(loaded.errors, IsEmpty());
  EXPECT_THAT(loaded.set.files, ElementsAre(b, a));
  EXPECT_THAT(Names(loaded.set), ElementsAre("b1", "a1"));
}

TEST_F(LoadPlaybooksTest, RejectsANameDefinedInTwoFiles) {
  std::string a = WritePlaybooks("a.yaml", {"same"});
  std::string b = WritePlaybooks("b.yaml", {"other", "same"});
  LoadedPlaybooks loaded = Load({"*.yaml"});
  ASSERT_THAT(loaded.errors, SizeIs(1));
  EXPECT_EQ(loaded.errors[0].ToString(),
            b + ":14:9: playbook \"same\" is already defined at " + a + ":2; names must be unique");
  EXPECT_THAT(Names(loaded.set), ElementsAre("same", "other"));
}

TEST_F(LoadPlaybooksTest, ReportsErrorsWithTheirFileAndStillReadsTheOthers) {
  std::string bad = dir_.File("a.yaml");
  rebound::testing::WriteFile(bad, "apiVersion: [\n");
  std::string good = WritePlaybooks("b.yaml", {"b1"});
  LoadedPlaybooks loaded = Load({"*.yaml"});
  ASSERT_THAT(loaded.errors, SizeIs(1));
  EXPECT_EQ(loaded.errors[0].file, bad);
  EXPECT_THAT(loaded.errors[0].message, HasSubstr("YAML syntax error"));
  EXPECT_GT(loaded.errors[0].line, 0);
  EXPECT_THAT(loaded.set.files, ElementsAre(bad, good));
  EXPECT_THAT(Names(loaded.set), ElementsAre("b1"));
}

// ---- spec.when.anomaly ----

constexpr char kGateTargetAndSteps[] = R"(  target: {kind: Deployment, namespace: shop, name: web}
  steps: [{action: restart}]
)";

std::string WithGate(const std::string& when) {
  return WithSpec("  match: ['alertname = \"A\"']\n" + std::string(kGateTargetAndSteps) + when);
}

TEST(PlaybookLoaderTest, LoadsAnAnomalyGate) {
  Parsed parsed = Parse(WithGate(R"(  when:
    anomaly:
      signals:
        memory: 'sum(container_memory_working_set_bytes{namespace="{{ labels.namespace }}"})'
        restarts: 'sum(kube_pod_container_status_restarts_total)'
      lookback: 2h
      step: 1m
      above: 0.995
      onMissingData: act
)"));
  ASSERT_THAT(parsed.errors, IsEmpty());
  ASSERT_THAT(parsed.set.playbooks, SizeIs(1));
  ASSERT_TRUE(parsed.set.playbooks[0]->anomaly_gate.has_value());
  const AnomalyGateSpec& gate = *parsed.set.playbooks[0]->anomaly_gate;
  ASSERT_THAT(gate.signals, SizeIs(2));
  EXPECT_EQ(gate.signals[0].name, "memory");
  EXPECT_THAT(gate.signals[0].query.variables(), ElementsAre("labels.namespace"));
  EXPECT_EQ(gate.signals[1].name, "restarts");
  EXPECT_EQ(gate.lookback, std::chrono::hours(2));
  EXPECT_EQ(gate.step, minutes(1));
  EXPECT_DOUBLE_EQ(gate.above, 0.995);
  EXPECT_EQ(gate.on_missing_data, anomaly::OnMissingData::kAct);
}

TEST(PlaybookLoaderTest, AnomalyGateDefaultsAndAbsence) {
  Parsed gated = Parse(WithGate(R"(  when:
    anomaly:
      signals: {memory: 'sum(x)'}
      above: 0.9
)"));
  ASSERT_THAT(gated.errors, IsEmpty());
  const AnomalyGateSpec& gate = *gated.set.playbooks.at(0)->anomaly_gate;
  EXPECT_EQ(gate.lookback, std::chrono::hours(1));
  EXPECT_FALSE(gate.step.has_value());             // rebound.yaml's anomaly step
  EXPECT_FALSE(gate.on_missing_data.has_value());  // rebound.yaml's default

  Parsed ungated = Parse(WithGate(""));
  ASSERT_THAT(ungated.errors, IsEmpty());
  EXPECT_FALSE(ungated.set.playbooks.at(0)->anomaly_gate.has_value());
}

TEST(PlaybookLoaderTest, ReportsAnomalyGateProblemsAtTheValue) {
  Parsed parsed = Parse(WithGate(R"(  when:
    anomaly:
      signals:
        memory: 'sum(x{namespace="{{ lables.namespace }}"})'
        cpu: ''
      lookback: an hour
      above: 1
      onMissingData: maybe
      treshold: 0.9
)"));
  EXPECT_THAT(
      parsed.errors,
      ElementsAre(ErrorAt(12, 17, {R"("spec.when.anomaly.signals.memory": column 21: unknown )",
                                   R"((did you mean "labels.namespace"?))"}),
                  ErrorAt(13, 14, {R"("spec.when.anomaly.signals.cpu": expected a PromQL query)"}),
                  ErrorAt(14, 17, {R"("spec.when.anomaly.lookback": )"}),
                  ErrorAt(15, 14, {R"("spec.when.anomaly.above": expected a score between 0 )",
                                   R"(and 1 (both excluded), such as 0.99, got "1")"}),
                  ErrorAt(16, 22, {R"("spec.when.anomaly.onMissingData" must be one of act, )"}),
                  ErrorAt(17, 7, {R"(unknown key "treshold" in spec.when.anomaly)"})));
  EXPECT_THAT(parsed.set.playbooks, IsEmpty());
}

TEST(PlaybookLoaderTest, AnomalyGateNeedsSignalsAndAThreshold) {
  EXPECT_THAT(Errors(WithGate("  when: {anomaly: {lookback: 1h}}\n")),
              ElementsAre(ErrorAt(9, 19, {R"("spec.when.anomaly.signals" is required)"}),
                          ErrorAt(9, 19, {R"("spec.when.anomaly.above" is required)"})));
  EXPECT_THAT(Errors(WithGate("  when: {anomaly: {signals: [up], above: 0.9}}\n")),
              ElementsAre(ErrorAt(9, 29, {R"("spec.when.anomaly.signals": expected a mapping )"})));
  EXPECT_THAT(Errors(WithGate("  when: {}\n")),
              ElementsAre(ErrorAt(9, 9, {R"("spec.when.anomaly" is required)"})));
}

TEST(PlaybookLoaderTest, AnomalyGateTakesAtMostTheScorersSignals) {
  std::string signals;
  for (int i = 0; i <= rebound::anomaly::kMaxSignals; ++i) {
    signals += (i == 0 ? "" : ", ") + ("s" + std::to_string(i)) + ": up";
  }
  EXPECT_THAT(Errors(WithGate("  when: {anomaly: {above: 0.9, signals: {" + signals + "}}}\n")),
              ElementsAre(ErrorAt(9, 41, {R"("spec.when.anomaly.signals" has 17 signals; )",
                                          "at most 16"})));
}

TEST(PlaybookLoaderTest, AnomalyGateRangeMustFitPrometheusAndTheWarmUp) {
  EXPECT_THAT(Errors(WithGate(R"(  when:
    anomaly: {signals: {m: up}, above: 0.9, lookback: 1w, step: 30s}
)")),
              ElementsAre(ErrorAt(10, 55, {R"("spec.when.anomaly": lookback 1w at step 30s )",
                                           "gives 20161 points per signal",
                                           "at most 11000: lengthen step"})));
  EXPECT_THAT(Errors(WithGate(R"(  when:
    anomaly: {signals: {m: up}, above: 0.9, lookback: 5m, step: 30s}
)")),
              ElementsAre(ErrorAt(10, 55, {"gives 11 points per signal, fewer than the",
                                           "lengthen lookback or shorten step"})));
  EXPECT_THAT(Errors(WithGate(R"(  when:
    anomaly: {signals: {m: up}, above: 0.9, step: 3m}
)")),
              ElementsAre(ErrorAt(10, 51, {"lookback 1h at step 3m gives 21 points"})));
  // Reported along with the gate's other problems.
  EXPECT_THAT(Errors(WithGate(R"(  when:
    anomaly: {signals: {m: up}, lookback: 1w, step: 30s}
)")),
              ElementsAre(ErrorAt(10, 14, {R"("spec.when.anomaly.above" is required)"}),
                          ErrorAt(10, 43, {"gives 20161 points per signal"})));
}

TEST(PlaybookLoaderTest, RejectsAnomalySignalsUsingALabelTheMatchersRequireToBeAbsent) {
  EXPECT_THAT(Errors(WithSpec(R"(  match: ['alertname = "A"', 'pod = ""']
)" + std::string(kGateTargetAndSteps) + R"(  when:
    anomaly:
      above: 0.9
      signals:
        memory: 'sum(x{pod="{{ labels.pod }}"})'
)")),
              ElementsAre(ErrorAt(13, 17, {R"("spec.when.anomaly.signals.memory" uses )",
                                           "requires that label to be absent"})));
}

}  // namespace
}  // namespace rebound::controller::playbook
