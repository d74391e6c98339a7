// Verifier: judges whether a step worked (DESIGN.md section 4). Within the step's deadline it
// polls until every condition holds: the remediation's alert episodes resolved (unless the
// step says `resolved: false`), the workload ready (its rollout finished and every replica
// available: "resolved" alone is no proof, since Alertmanager also resolves alerts when
// Prometheus goes away), and the step's PromQL condition, if any.
//
// Unreachable dependencies do not pass verification: a condition that cannot be evaluated
// counts as not holding, and the last reason is reported when the deadline passes.
//
// Thread-safety: Verify may be called from several threads at once; the dependencies must
// allow that.
#pragma once

#include <chrono>
#include <functional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/sleeper.h"
#include "controller/actions/action.h"
#include "controller/healing/workload_state.h"
#include "controller/intake/journal.h"
#include "controller/playbook/playbook.h"
#include "controller/promql/prometheus_api.h"
#include "kube/kube_client.h"

namespace rebound::controller::healing {

// Why a step was not verified.
enum class VerifyReason {
  kNone,         // it was
  kNotResolved,  // an alert episode still fires (or cannot be read)
  kNotReady,     // the workload is not ready (or cannot be read)
  kQuery,        // verify.query does not hold (or cannot be evaluated)
  kStopped,      // stop requested before verification finished
  kTemplate,     // verify.query cannot be rendered for this episode
};

// "" | "not_resolved" | "not_ready" | "query" | "stopped" | "template" (the heal log's reason)
std::string_view VerifyReasonName(VerifyReason reason);

struct VerifyOutcome {
  bool passed = false;
  VerifyReason reason = VerifyReason::kNone;  // kNone when passed
  std::string message;  // what held and what did not, for people
  std::chrono::milliseconds took{0};
};

class Verifier {
 public:
  struct Deps {
    intake::Journal& journal;
    kube::KubeClient& kube;
    promql::PrometheusApi* prometheus;  // null: no Prometheus configured; queries fail
    const common::Clock& clock;
    common::Sleeper& sleeper;
    std::chrono::milliseconds poll_interval{5000};
  };
  explicit Verifier(Deps deps) : deps_(deps) {}

  // Polls the conditions of `spec` until all hold (passed) or `spec.within` has passed since
  // the call (failed, with the reason of the last unmet condition), or `stop` is requested.
  VerifyOutcome Verify(const playbook::Verify& spec, const actions::Target& target,
                       const std::function<std::vector<intake::EpisodeKey>()>& episodes,
                       const templates::TemplateContext& vars, std::stop_token stop) const;

 private:
  // One evaluation: kNone when everything holds, else the reason and a message.
  std::pair<VerifyReason, std::string> Check(const playbook::Verify& spec,
                                             const actions::Target& target,
                                             const std::vector<intake::EpisodeKey>& episodes,
                                             const std::string& query) const;
  Deps deps_;
};

}  // namespace rebound::controller::healing
