// WebhookHandler: POST /webhook/alertmanager (DESIGN.md section 3).
//
// Order of checks: authentication (401) and content type (415) on the headers alone, before
// the body is read; then the body limit (413, enforced by the HTTP server); then the payload
// (400 naming the field); then admission (503 when the queue has no room). An accepted batch
// is journaled durably before the 200, and its new or resolved episodes are handed to the
// worker; when the journal cannot commit it (a failed write or sync, a full disk) the answer is
// 503, and Alertmanager sends the notification again. Both 503s carry Retry-After. Nothing of a
// rejected request is recorded or acted on.
//
// Thread-safety: Handle/CheckHeaders run concurrently on HTTP threads; SetAuth may be called
// at any time (config reload) and applies to the next request.
#pragma once

#include <optional>

#include "common/http_auth.h"
#include "common/http_server.h"
#include "controller/intake/journal.h"
#include "controller/intake/work_queue.h"
#include "exporter/intake_metrics.h"

namespace rebound::controller::intake {

// Credentials the webhook accepts. All empty: no authentication.
using WebhookAuth = common::HttpCredentials;

class WebhookHandler {
 public:
  WebhookHandler(Journal& journal, WorkQueue& queue, exporter::IntakeMetrics& metrics);

  void SetAuth(WebhookAuth auth);

  // 401 or 415 when the headers alone disqualify the request; nullopt otherwise.
  std::optional<common::HttpResponse> CheckHeaders(const common::HttpRequest& request) const;
  common::HttpResponse Handle(const common::HttpRequest& request);

  // Whether `request` carries the configured credentials (always, when none are configured).
  // Also guards the other state-changing endpoints (the kill switch).
  bool Authenticated(const common::HttpRequest& request) const;

 private:
  Journal& journal_;
  WorkQueue& queue_;
  exporter::IntakeMetrics& metrics_;
  common::CredentialCheck auth_;
};

}  // namespace rebound::controller::intake
