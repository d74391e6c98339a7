#include "app/kube_api_observer.h"

#include <string>

namespace rebound::app {

void KubeApiObserver::OnAttempt(const kube::RequestAttempt& attempt) {
  std::string code = attempt.status      ? std::to_string(*attempt.status)
                     : attempt.timed_out ? "timeout"
                                         : "error";
  metrics_.Observe(attempt.verb, attempt.resource, code, attempt.elapsed);
}

}  // namespace rebound::app
