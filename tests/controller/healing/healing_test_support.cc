#include "tests/controller/healing/healing_test_support.h"

#include <prometheus/text_serializer.h>

#include "common/time_format.h"
#include "common/yaml_util.h"
#include "controller/playbook/playbook_loader.h"
#include "kube/resource.h"
#include "tests/support/metric_value.h"

namespace rebound::controller::healing {

HealingTest::HealingTest() {
  actions::RegisterBuiltinActions(actions_);
  intake::Journal::Options options;
  options.state_dir = dir_.path();
  auto journal = intake::Journal::Open(options, clock_);
  EXPECT_TRUE(journal.ok()) << journal.status().ToString();
  if (journal.ok()) journal_ = std::move(*journal);
  auto log = HealLog::Open(dir_.path());
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  if (log.ok()) log_ = std::move(*log);
}

HealingTest::~HealingTest() = default;

std::shared_ptr<const playbook::PlaybookIndex> HealingTest::Playbooks(const std::string& yaml) {
  common::YamlErrors errors("playbooks.yaml");
  playbook::PlaybookSet set;
  if (auto docs = common::ParseYamlDocuments(yaml, errors)) {
    playbook::ParsePlaybookDocuments(*docs, actions_, set, errors);
  }
  for (const common::YamlError& e : errors.Sorted()) ADD_FAILURE() << e.ToString();
  return std::make_shared<playbook::PlaybookIndex>(set.playbooks);
}

std::unique_ptr<Healer> HealingTest::MakeHealer(const std::string& playbooks_yaml,
                                                GuardrailConfig config) {
  guardrails_ = std::make_unique<Guardrails>(std::move(config), clock_);
  deps_ = std::make_unique<HealingDeps>(
      HealingDeps{*journal_, *log_, kube_, &prometheus_, notifier_, http_, clock_, sleeper_,
                  *guardrails_, metrics_, std::chrono::seconds(5), "rebound-0", nullptr});
  return std::make_unique<Healer>(*deps_, Playbooks(playbooks_yaml), healer_options_);
}

intake::Episode HealingTest::Fire(const std::string& fingerprint, intake::LabelSet labels) {
  intake::Alert alert;
  alert.fingerprint = fingerprint;
  alert.labels = std::move(labels);
  alert.annotations = {{"summary", "something is wrong"}};
  alert.starts_at = common::Timestamp::FromTimePoint(clock_.Now() - std::chrono::minutes(2));
  alert.ends_at = common::Timestamp::Zero();
  alert.generator_url = "http://prometheus:9090/graph?g0.expr=up";
  auto appended = journal_->Append({alert}, "rebound", "http://alertmanager:9093");
  EXPECT_TRUE(appended.ok()) << appended.status().ToString();
  intake::EpisodeKey key{fingerprint, common::FormatRfc3339(alert.starts_at)};
  auto episode = journal_->Get(key);
  EXPECT_TRUE(episode.ok()) << episode.status().ToString();
  return episode.ok() ? *episode : intake::Episode();
}

void HealingTest::Resolve(const intake::Episode& episode) {
  intake::Alert alert;
  alert.fingerprint = episode.key.fingerprint;
  alert.status = intake::AlertStatus::kResolved;
  alert.labels = episode.labels;
  alert.starts_at = *common::ParseRfc3339(episode.key.starts_at);
  alert.ends_at = common::Timestamp::FromTimePoint(clock_.Now());
  auto appended = journal_->Append({alert}, "rebound", "http://alertmanager:9093");
  EXPECT_TRUE(appended.ok()) << appended.status().ToString();
}

nlohmann::json HealingTest::Deployment(const std::string& ns, const std::string& name) {
  auto found = store_.Find(kube::kDeployments, ns, name);
  return found.value_or(nlohmann::json());
}

nlohmann::json HealingTest::ReadyDeployment(const std::string& ns, const std::string& name,
                                            int replicas) {
  nlohmann::json container = {{"name", name}, {"image", name + ":1"}};
  nlohmann::json d;
  d["apiVersion"] = "apps/v1";
  d["kind"] = "Deployment";
  d["metadata"] = {{"name", name}, {"namespace", ns}, {"generation", 1}};
  d["spec"]["replicas"] = replicas;
  d["spec"]["selector"]["matchLabels"] = {{"app", name}};
  d["spec"]["template"]["metadata"]["labels"] = {{"app", name}};
  d["spec"]["template"]["spec"]["containers"] = nlohmann::json::array({container});
  d["status"] = {{"observedGeneration", 1},
                 {"replicas", replicas},
                 {"updatedReplicas", replicas},
                 {"readyReplicas", replicas},
                 {"availableReplicas", replicas}};
  return store_.Put(kube::kDeployments, d);
}

std::vector<HealRecord> HealingTest::Records() const {
  auto records = log_->Since(std::chrono::system_clock::time_point());
  EXPECT_TRUE(records.ok()) << records.status().ToString();
  return records.ok() ? *records : std::vector<HealRecord>();
}

std::vector<std::string> HealingTest::Path() const {
  std::vector<std::string> out;
  for (const HealRecord& r : Records()) {
    std::string entry = std::string(HealRecordKindName(r.kind)) + ":" +
                        (r.action.empty() ? "" : r.action + ":") + r.result;
    if (!r.reason.empty()) entry += ":" + r.reason;
    out.push_back(entry);
  }
  return out;
}

intake::EpisodeState HealingTest::StateOf(const intake::Episode& episode) const {
  auto now = journal_->Get(episode.key);
  EXPECT_TRUE(now.ok());
  return now.ok() ? now->state : intake::EpisodeState::kReceived;
}

double HealingTest::Metric(const std::string& name,
                           const std::map<std::string, std::string>& labels) const {
  return rebound::testing::MetricValue(registry_, name, labels).value_or(-1);
}

}  // namespace rebound::controller::healing
