// Notifier: how the controller tells people what it did (Slack today; more sinks later).
//
// Notify() never blocks healing and never fails the caller: an implementation queues the
// message and delivers it on its own thread, counting what it could not deliver. Messages about
// one alert episode share `thread_key`, so a sink can group them (Slack: the same text prefix).
//
// Thread-safety: Notify may be called from any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rebound::controller::notify {

struct Notification {
  enum class Kind {
    kAction,      // a step acted (or, in dry-run, would have)
    kRefusal,     // a guardrail or a pre-step check stopped a remediation
    kOutcome,     // the remediation ended: healed, or not
    kEscalation,  // Rebound gives up: a person must look
    kInfo,        // the notify action's own message, and anything else
  };
  struct Link {
    std::string text;
    std::string url;
  };

  Kind kind = Kind::kInfo;
  std::string thread_key;  // "<alertname> <namespace>/<name>": same for one episode's messages
  std::string title;       // one line: "Restarted Deployment shop/web"
  std::string text;        // the why: "KubePodCrashLooping fired; playbook restart-crashlooping"
  std::vector<std::pair<std::string, std::string>> fields;  // ("Target", "shop/web"), ...
  std::vector<Link> links;  // generatorURL, Alertmanager silence link, dashboard
  bool success = true;      // colours the message: false for refusals, failures, escalations
  bool drill = false;       // caused by a chaos run
  bool dry_run = false;     // nothing was changed
  std::optional<std::chrono::milliseconds> time_to_heal;  // set on a successful kOutcome
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  // Queues `notification` for delivery; returns at once.
  virtual void Notify(Notification notification) = 0;
};

}  // namespace rebound::controller::notify
