#include "app/replay.h"

#include "app/plan.h"
#include "controller/actions/action.h"
#include "controller/playbook/playbook_loader.h"
#include "kube/memory_kube_client.h"
#include "kube/read_only_kube_client.h"

namespace rebound::app {

int RunReplay(const ReplayOptions& options, std::ostream& out, std::ostream& err) {
  common::Result<controller::intake::WebhookPayload> payload =
      ReadPayloadFile(options.payload_file);
  if (!payload.ok()) {
    err << options.payload_file << ": " << payload.status().message() << "\n";
    return 2;
  }

  controller::actions::ActionRegistry registry;
  controller::actions::RegisterBuiltinActions(registry);
  controller::playbook::LoadedPlaybooks loaded =
      controller::playbook::LoadPlaybooks(options.playbook_patterns, options.base_dir, registry);
  for (const common::YamlError& e : loaded.errors) err << e.ToString() << "\n";
  if (!loaded.errors.empty()) return 2;

  kube::MemoryKubeStore empty_cluster;
  kube::MemoryKubeClient memory(empty_cluster);
  kube::ReadOnlyKubeClient read_only(options.kube != nullptr ? *options.kube : memory);
  common::SystemClock system_clock;
  const common::Clock& clock = options.clock != nullptr ? *options.clock : system_clock;

  PlanInput input;
  input.playbooks =
      std::make_shared<controller::playbook::PlaybookIndex>(std::move(loaded.set.playbooks));
  input.actions = &registry;
  input.alerts = payload->alerts;
  input.kube = &read_only;
  input.prometheus = options.prometheus;
  input.guardrails = options.guardrails;
  input.history = options.history;
  input.now = clock.Now();
  input.receiver = payload->receiver;
  input.external_url = payload->external_url;
  common::Result<Plan> plan = MakePlan(input);
  if (!plan.ok()) {
    err << "rebound replay: cannot make the plan: " << plan.status().ToString() << "\n";
    return 1;
  }

  out << "Replay of " << options.payload_file << ": " << payload->alerts.size() << " alert"
      << (payload->alerts.size() == 1 ? "" : "s") << " for receiver " << payload->receiver << ", "
      << input.playbooks->playbooks().size() << " playbooks. Dry run: nothing is changed.\n";
  if (options.kube == nullptr) {
    out << "No Kubernetes cluster is configured: planning against an empty cluster.\n";
  }
  if (options.prometheus == nullptr) out << "No Prometheus is configured.\n";
  out << "\n";
  PrintPlan(*plan, out, true);
  return 0;
}

}  // namespace rebound::app
