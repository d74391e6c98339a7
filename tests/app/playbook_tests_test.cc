#include "app/playbook_tests.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "tests/support/process.h"

namespace rebound::app {
namespace {

using ::testing::HasSubstr;

const std::string kTestData = std::string(REBOUND_SOURCE_DIR) + "/tests/app/testdata";

struct Outcome {
  int code = -1;
  std::string out;
  std::string err;
};

Outcome RunTests(const std::vector<std::string>& files) {
  std::ostringstream out;
  std::ostringstream err;
  Outcome run;
  run.code = RunPlaybookTests(files, out, err);
  run.out = out.str();
  run.err = err.str();
  return run;
}

class PlaybookTestsTest : public ::testing::Test {
 protected:
  // Writes a test file into the temporary folder; its playbooks come from testdata.
  std::string Write(const std::string& name, const std::string& body) {
    const std::string path = dir_.File(name);
    testing::WriteFile(path, "playbooks: [ " + kTestData + "/crashloop.yaml ]\n" + body);
    return path;
  }

  rebound::testing::TempDir dir_;
};

constexpr char kWebCluster[] = R"(
    cluster:
      - apiVersion: apps/v1
        kind: Deployment
        metadata: { name: web, namespace: shop }
        spec:
          replicas: 3
          selector: { matchLabels: { app: web } }
          template: { metadata: { labels: { app: web } } }
        status: { replicas: 3, readyReplicas: 3, updatedReplicas: 3, availableReplicas: 3 }
)";

TEST_F(PlaybookTestsTest, TheShippedExampleFilePasses) {
  Outcome run = RunTests({kTestData + "/crashloop_test.yaml"});
  EXPECT_EQ(run.code, 0) << run.out << run.err;
  EXPECT_EQ(run.err, "");
  EXPECT_THAT(run.out, HasSubstr("  PASS  a restart five minutes ago holds the next one back"));
  EXPECT_THAT(run.out, HasSubstr("\n5 tests: 5 passed, 0 failed\n"));
  EXPECT_THAT(run.out, ::testing::Not(HasSubstr("FAIL")));
}

TEST_F(PlaybookTestsTest, AMismatchPrintsADiffAndThePlan) {
  const std::string file = Write("wrong_test.yaml", std::string(R"(tests:
  - name: expects a rollback that cannot happen
    alerts:
      - labels: { alertname: KubePodCrashLooping, namespace: shop, deployment: web }
)") + kWebCluster + R"(
    expect:
      - playbook: crashloop
        target: Deployment shop/web
        steps: [ restart, rollback ]
  - name: passes
    alerts:
      - labels: { alertname: Other }
    expect: [ { unmatched: true } ]
)");

  Outcome run = RunTests({file});

  EXPECT_EQ(run.code, 1) << run.err;
  EXPECT_THAT(
      run.out,
      HasSubstr("  FAIL  expects a rollback that cannot happen\n"
                "        --- expected\n"
                "        +++ got\n"
                "         alert 1: KubePodCrashLooping {deployment=\"web\", "
                "namespace=\"shop\"}\n"
                "           playbook crashloop → Deployment shop/web\n"
                "             1. restart: dry_run\n"
                "        -    2. rollback: dry_run\n"
                "        +    2. rollback: failed\n"
                "        +    3. notify: dry_run\n"
                "        plan:\n"
                "          KubePodCrashLooping {deployment=\"web\", namespace=\"shop\"}\n"));
  EXPECT_THAT(run.out, HasSubstr("          slack (action): Dry run: would restart"));
  EXPECT_THAT(run.out, HasSubstr("  PASS  passes\n"));
  EXPECT_THAT(run.out, HasSubstr("2 tests: 1 passed, 1 failed\n"));
}

TEST_F(PlaybookTestsTest, UnstatedTargetsAndReasonsAreNotCompared) {
  const std::string file = Write("loose_test.yaml", std::string(R"(tests:
  - name: refusal without its playbook, steps without reasons
    alerts:
      - labels: { alertname: KubePodCrashLooping, namespace: shop, deployment: web }
      - labels: { alertname: KubePodCrashLooping, namespace: shop, deployment: api }
)") + kWebCluster + R"(
    expect:
      - playbook: crashloop
        steps: [ restart, { rollback: failed }, notify ]
      - refused: target_not_found
)");
  Outcome run = RunTests({file});
  EXPECT_EQ(run.code, 0) << run.out << run.err;
}

TEST_F(PlaybookTestsTest, AWrongRefusalReasonFails) {
  const std::string file = Write("refusal_test.yaml", std::string(R"(tests:
  - name: the cap, not the cooldown
    alerts:
      - labels: { alertname: KubePodCrashLooping, namespace: shop, deployment: web }
)") + kWebCluster + R"(
    guardrails: { max_actions_per_hour: 0 }
    expect:
      - refused: cooldown
)");
  Outcome run = RunTests({file});
  EXPECT_EQ(run.code, 1) << run.err;
  EXPECT_THAT(run.out, HasSubstr("        -  refused (cooldown)\n"
                                 "        +  refused (max_per_hour)\n"));
}

TEST_F(PlaybookTestsTest, BadTestFilesAreReportedWithPositions) {
  const std::string file = Write("bad_test.yaml", R"(tests:
  - name: many mistakes
    alert:
      - labels: { alertname: KubePodCrashLooping }
    cluster:
      - apiVersion: apps/v1
        kind: Deploymnet
        metadata: { name: web, namespace: shop }
    series:
      'up': high
    history:
      - { target: web, outcome: unhealed, ago: 5m }
    expect:
      - playbook: crashloop
        steps: [ rollbak, "restart: exploded" ]
)");

  Outcome run = RunTests({file});

  EXPECT_EQ(run.code, 2);
  EXPECT_THAT(run.err, HasSubstr(file + ":4:5: unknown key \"alert\" in tests[0] (did you mean "
                                        "\"alerts\"?)\n"));
  EXPECT_THAT(run.err, HasSubstr(file + ":3:5: \"tests[0]\": give either \"alerts\" or "
                                        "\"payload\"\n"));
  EXPECT_THAT(run.err, HasSubstr(file + ":8:15: unknown kind \"Deploymnet\" (did you mean "
                                        "\"Deployment\"?)\n"));
  EXPECT_THAT(run.err, HasSubstr(file + ":11:13: series \"up\": expected a number"));
  EXPECT_THAT(run.err, HasSubstr(file + ":13:19: \"history.target\": expected \"Kind "
                                        "namespace/name\""));
  EXPECT_THAT(run.err, HasSubstr(file + ":16:18: unknown action \"rollbak\" (did you mean "
                                        "\"rollback\"?)\n"));
  EXPECT_THAT(run.err, HasSubstr(file + ":16:27: unknown step result \"exploded\""));
  EXPECT_EQ(run.out, "0 tests: 0 passed, 0 failed; some test files have errors\n");
}

TEST_F(PlaybookTestsTest, ExpectationsMustCoverEveryAlert) {
  const std::string file = Write("count_test.yaml", R"(tests:
  - name: two alerts, one expectation
    alerts:
      - labels: { alertname: A }
      - labels: { alertname: B }
    expect:
      - unmatched: true
)");
  Outcome run = RunTests({file});
  EXPECT_EQ(run.code, 2);
  EXPECT_THAT(run.err, HasSubstr(file + ":8:7: \"tests[0].expect\" has 1 entries for 2 alerts"));
}

TEST_F(PlaybookTestsTest, PlaybookErrorsAndMissingFilesMakeTheFileBad) {
  testing::WriteFile(dir_.File("broken.yaml"), R"(apiVersion: rebound.io/v1
kind: Playbook
metadata: { name: broken }
spec:
  match: [ 'alertname = "X"' ]
  target: { kind: Deployment, namespace: a, name: b }
  steps: [ { action: restrat } ]
)");
  testing::WriteFile(dir_.File("uses_broken.yaml"), R"(playbooks: [ broken.yaml ]
tests: []
)");
  Outcome run = RunTests({dir_.File("uses_broken.yaml"), dir_.File("missing.yaml")});
  EXPECT_EQ(run.code, 2);
  EXPECT_THAT(run.err, HasSubstr(dir_.File("broken.yaml") + ":7:"));
  EXPECT_THAT(run.err, HasSubstr("restrat"));
  EXPECT_THAT(run.err, HasSubstr(dir_.File("missing.yaml") + ": cannot read file"));
}

TEST_F(PlaybookTestsTest, PayloadsAreReadRelativeToTheTestFile) {
  testing::WriteFile(dir_.File("bad.json"), R"({"version": "4", "alerts": [{}]})");
  const std::string file = Write("payload_test.yaml", R"(tests:
  - name: a broken payload
    payload: bad.json
    expect: []
)");
  Outcome run = RunTests({file});
  EXPECT_EQ(run.code, 2);
  EXPECT_THAT(run.err, HasSubstr(file + ":4:14: \"tests[0].payload\": " + dir_.File("bad.json") +
                                 ": alerts[0].status: missing\n"));
}

constexpr char kGatedPlaybook[] = R"(apiVersion: rebound.io/v1
kind: Playbook
metadata: { name: gated }
spec:
  match: [ 'alertname = "MemoryGrowth"' ]
  target: { kind: Deployment, namespace: "{{ labels.namespace }}", name: "{{ labels.deployment }}" }
  when:
    anomaly:
      signals: { memory: 'mem{deployment="{{ target.name }}"}' }
      above: 0.99
  steps: [ { action: restart } ]
)";

TEST_F(PlaybookTestsTest, AnomalySignalsAreAnsweredFromSeriesHistories) {
  testing::WriteFile(dir_.File("gated.yaml"), kGatedPlaybook);
  const std::string alert = R"(
    alerts:
      - labels: { alertname: MemoryGrowth, namespace: shop, deployment: web }
)";
  const std::string file = dir_.File("gated_test.yaml");
  testing::WriteFile(file, "playbooks: [ gated.yaml ]\ntests:\n" +
                               ("  - name: a leak after a flat hour passes the gate" + alert +
                                kWebCluster + R"(
    series: { 'mem{deployment="web"}': "100+0x100 100+50x20" }
    expect: [ { playbook: gated, steps: [ restart ] } ]
  - name: memory as it has been all hour is refused
)" + alert + kWebCluster + R"(
    series: { 'mem{deployment="web"}': "100x120" }
    expect: [ { refused: anomaly } ]
  - name: one value is no history, and no score skips by default
)" + alert + kWebCluster + R"(
    series: { 'mem{deployment="web"}': 100 }
    expect: [ { playbook: gated, steps: [ restart ] } ]
)"));
  Outcome run = RunTests({file});
  EXPECT_EQ(run.code, 1) << run.err;
  EXPECT_THAT(run.out, HasSubstr("  PASS  a leak after a flat hour passes the gate\n"));
  EXPECT_THAT(run.out, HasSubstr("  PASS  memory as it has been all hour is refused\n"));
  EXPECT_THAT(run.out, HasSubstr("  FAIL  one value is no history, and no score skips by default"));
  // The plan shows why: the refusal with the gate's explanation.
  EXPECT_THAT(run.out, HasSubstr("refused (anomaly): no anomaly score (cannot read the signals: "
                                 "signal memory: the test gives one value for "
                                 "mem{deployment=\"web\"}; a range query needs a history"));
}

TEST_F(PlaybookTestsTest, AGatePassIsShownInThePlan) {
  testing::WriteFile(dir_.File("gated.yaml"), kGatedPlaybook);
  const std::string file = dir_.File("pass_test.yaml");
  testing::WriteFile(file, std::string(R"(playbooks: [ gated.yaml ]
tests:
  - name: expects too much, to see the plan
    alerts:
      - labels: { alertname: MemoryGrowth, namespace: shop, deployment: web }
)") + kWebCluster + R"(
    series: { 'mem{deployment="web"}': "100+0x100 100+50x20" }
    expect: [ { playbook: gated, steps: [ restart, restart ] } ]
)");
  Outcome run = RunTests({file});
  EXPECT_EQ(run.code, 1) << run.err;
  EXPECT_THAT(run.out, HasSubstr("      matched (anomaly): starting playbook gated on Deployment "
                                 "shop/web (dry run); anomaly score 1"));
  EXPECT_THAT(run.out, HasSubstr("(top signal memory) is above 0.99\n"));
}

TEST_F(PlaybookTestsTest, NoFilesIsAUsageError) {
  Outcome run = RunTests({});
  EXPECT_EQ(run.code, 2);
  EXPECT_THAT(run.err, HasSubstr("no test files given"));
}

}  // namespace
}  // namespace rebound::app
