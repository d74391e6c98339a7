// The `webhook` action: POSTs to a URL, for systems that want to hear about an episode (a
// ticketing system, a runbook automation, a chat bridge).
//
// Step keys: `url` (template, required; http or https), `body` (template, optional; default a
// JSON document describing the episode: the alert, the target, the playbook), `timeout` (per
// attempt, default 10s), `headers` (a mapping of names to values, optional; Content-Type
// defaults to application/json). Transport failures, 5xx and 429 are retried a bounded
// number of times with exponential backoff (Retry-After honoured); other answers are final.
// The URL may carry secrets: messages and logs name only its scheme and host. In dry-run
// nothing is sent. Failures: "invalid_url", "http_error" (an answer outside 2xx),
// "unreachable" (no answer), "stopped". Thread-safety: see action.h.
#pragma once

#include <memory>

#include "controller/actions/action.h"

namespace rebound::controller::actions {

std::unique_ptr<ActionFactory> NewWebhookActionFactory();

}  // namespace rebound::controller::actions
