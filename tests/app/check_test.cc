// `rebound check` on configurations whose playbook files hold chaos experiments.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "tests/support/process.h"
#include "tests/support/test_data.h"

namespace rebound::app {
namespace {

using ::testing::HasSubstr;

testing::CommandResult Check(const std::string& config) {
  return testing::RunCommand(testing::BinaryPath("rebound") + " check -c " + config + " 2>&1");
}

TEST(CheckTest, AcceptsTheExampleExperiments) {
  testing::CommandResult result = Check(testing::TestDataPath("chaos/rebound.yaml"));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("OK (1 playbook(s) and 2 experiment(s) in 1 file(s))"));
}

TEST(CheckTest, ReportsAnExperimentErrorWithItsPosition) {
  testing::TempDir dir;
  testing::WriteFile(dir.File("rebound.yaml"),
                     "listen: 127.0.0.1:9464\nstate_dir: /x\nplaybooks: [\"e.yaml\"]\n");
  testing::WriteFile(dir.File("e.yaml"),
                     "apiVersion: rebound.io/v1\n"
                     "kind: ChaosExperiment\n"
                     "metadata: {name: e}\n"
                     "spec:\n"
                     "  schedule: \"0 0 31 2 *\"\n"
                     "  target: {kind: Deployment, namespace: shop, name: checkout}\n"
                     "  fault: {type: scale-to-zero}\n"
                     "  recoverWithin: 5m\n");
  testing::CommandResult result = Check(dir.File("rebound.yaml"));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output, HasSubstr(dir.File("e.yaml") +
                                       ":5:13: \"spec.schedule\": \"0 0 31 2 *\" never fires"));
  EXPECT_THAT(result.output, HasSubstr("1 error(s) in the playbooks and experiments"));
}

// The shipped playbooks and the experiments beside them load with no error, and every shipped
// experiment names a shipped playbook (docs/experiments.md, "Shipped experiments").
TEST(CheckTest, AcceptsTheShippedPlaybooksAndExperiments) {
  testing::TempDir dir;
  testing::WriteFile(dir.File("rebound.yaml"),
                     "listen: 127.0.0.1:9464\nstate_dir: /x\nplaybooks: [\"" +
                         std::string(REBOUND_SOURCE_DIR) + "/playbooks/*.yaml\"]\n");
  // What the folder holds, counted by document kind, so the check must have loaded every one.
  int files = 0, playbooks = 0, experiments = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(REBOUND_SOURCE_DIR) + "/playbooks")) {
    if (entry.path().extension() != ".yaml") continue;
    ++files;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string content = text.str();
    auto count = [&](const std::regex& kind) {
      return static_cast<int>(std::distance(
          std::sregex_iterator(content.begin(), content.end(), kind), std::sregex_iterator()));
    };
    playbooks += count(std::regex("(^|\\n)kind: Playbook\\b"));
    experiments += count(std::regex("(^|\\n)kind: ChaosExperiment\\b"));
  }
  ASSERT_GT(experiments, 0);
  testing::CommandResult result = Check(dir.File("rebound.yaml"));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("OK (" + std::to_string(playbooks) + " playbook(s) and " +
                                       std::to_string(experiments) + " experiment(s) in " +
                                       std::to_string(files) + " file(s))"));
}

}  // namespace
}  // namespace rebound::app
