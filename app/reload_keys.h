// What a configuration reload (SIGHUP) does with each rebound.yaml key: one table, read by the
// daemon both to warn about changes that wait for a restart and to keep those keys at their
// running values, and saying how every other key is applied.
//
// A key missing from the table would be neither warned about nor applied, so every key of
// rebound.yaml (app/config.h) has a row. Pure data and pure functions; thread-safe.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "app/config.h"

namespace rebound::app {

// How a reload takes a key into use, in the order Daemon::Reload applies them.
enum class ReloadApply {
  kAnomalySignals,    // continuous scoring adds, drops and changes signal sets (or starts)
  kHealing,           // playbooks and chaos experiments loaded again (runs in progress go on
                      // with the experiment they started with), guardrails reconfigured;
                      // invalid playbooks are not taken and the reload counts as failed
  kLogging,           // logging set up again
  kHttpAuth,          // the credentials of the webhook, kill switch, read API and /metrics
                      // replaced (with a warning when the webhook has none)
  kWebhookBodyLimit,  // the webhook route's body limit
  kQueueCapacity,     // the intake queue's capacity
  kRestart,           // read at start only: a change is logged and waits for a restart
};

struct ReloadKey {
  std::string_view key;  // as written in rebound.yaml: "slack.dashboard_url"
  ReloadApply apply;
  // Set for kRestart keys only: whether the key differs between two configs, and copying it
  // from one config to another.
  bool (*differs)(const Config& a, const Config& b);
  void (*copy)(const Config& from, Config& to);
};

// Every key of rebound.yaml, in the order of the configuration reference.
std::span<const ReloadKey> ReloadKeys();

// The kRestart keys whose value differs between `running` and `next`, in table order.
std::vector<std::string_view> RestartRequiredChanges(const Config& running, const Config& next);

// `next` with every kRestart key set back to its value in `running`: the configuration in force
// after a reload.
Config KeepRestartRequired(const Config& running, Config next);

// The ways of applying that some key uses, each once, in enum order (kRestart excluded): what a
// reload runs.
std::vector<ReloadApply> ReloadAppliers();

}  // namespace rebound::app
