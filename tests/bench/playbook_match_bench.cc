// PlaybookIndex::Match with 1,000 playbooks (DESIGN.md section 5.2: "must stay in
// microseconds"). The playbooks are loaded from generated YAML through the real loader and
// action registry: 950 pin an alertname, and every 20th matches alertnames by regex only, so each
// alert is also tried against those 50 in load order.
//
// Run by hand (not a ctest test): build/tests/playbook_match_bench
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "controller/actions/action.h"
#include "controller/playbook/playbook_index.h"
#include "controller/playbook/playbook_loader.h"

namespace rebound::controller::playbook {
namespace {

constexpr int kPlaybooks = 1000;
constexpr int kRegexEvery = 20;

std::string GeneratedYaml() {
  std::string yaml;
  for (int i = 0; i < kPlaybooks; ++i) {
    const std::string n = std::to_string(i);
    const std::string match =
        i % kRegexEvery == 0
            ? "    - alertname =~ \"Batch" + n + "(Failed|Slow)\"\n    - namespace =~ \"team-.*\"\n"
            : "    - alertname = \"Alert" + n + "\"\n    - severity =~ \"warning|critical\"\n";
    yaml += "---\napiVersion: rebound.io/v1\nkind: Playbook\nmetadata:\n  name: playbook-" + n +
            "\nspec:\n  match:\n" + match +
            "  target:\n    kind: Deployment\n    namespace: \"{{ labels.namespace }}\"\n"
            "    name: \"{{ labels.deployment }}\"\n"
            "  steps:\n    - action: restart\n      verify: { within: 5m }\n";
  }
  return yaml;
}

const PlaybookIndex& Index() {
  static const PlaybookIndex* index = [] {
    actions::ActionRegistry registry;
    actions::RegisterBuiltinActions(registry);
    common::YamlErrors errors("generated.yaml");
    PlaybookSet set;
    if (auto docs = common::ParseYamlDocuments(GeneratedYaml(), errors)) {
      ParsePlaybookDocuments(*docs, registry, set, errors);
    }
    if (!errors.empty() || set.playbooks.size() != kPlaybooks) {
      std::fprintf(stderr, "generated playbooks do not load: %s\n",
                   errors.empty() ? "wrong count" : errors.Sorted()[0].ToString().c_str());
      std::abort();
    }
    return new PlaybookIndex(std::move(set.playbooks));
  }();
  return *index;
}

// Matches `labels` repeatedly; fails the run unless the expected playbook (or none) is chosen.
void RunMatch(benchmark::State& state, const std::map<std::string, std::string>& labels,
              const std::string& expected) {
  const PlaybookIndex& index = Index();
  for (auto _ : state) {
    auto matched = index.Match(labels);
    benchmark::DoNotOptimize(matched);
  }
  auto matched = index.Match(labels);
  const std::string got = matched.empty() ? "" : matched[0]->name;
  if (matched.size() > 1 || got != expected) {
    state.SkipWithError(("matched \"" + got + "\", expected \"" + expected + "\"").c_str());
  }
}

void BM_MatchIndexedHit(benchmark::State& state) {
  RunMatch(state,
           {{"alertname", "Alert777"},
            {"severity", "critical"},
            {"namespace", "shop"},
            {"deployment", "cart"}},
           "playbook-777");
}
BENCHMARK(BM_MatchIndexedHit);

void BM_MatchMiss(benchmark::State& state) {
  RunMatch(state, {{"alertname", "NoSuchAlert"}, {"severity", "critical"}, {"namespace", "shop"}},
           "");
}
BENCHMARK(BM_MatchMiss);

void BM_MatchRegexOnly(benchmark::State& state) {
  RunMatch(state, {{"alertname", "Batch980Slow"}, {"namespace", "team-data"}}, "playbook-980");
}
BENCHMARK(BM_MatchRegexOnly);

}  // namespace
}  // namespace rebound::controller::playbook

BENCHMARK_MAIN();
