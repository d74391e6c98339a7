// AlertSource: which alerts are firing now, for a chaos run's `abortIf.firingAlerts` (DESIGN.md
// section 7.1: real trouble means no chaos). AlertmanagerAlerts asks Alertmanager's API v2,
//   GET <alertmanager.url>/api/v2/alerts?active=true&silenced=false&inhibited=false
// with the configured timeout, one attempt per call (the runner asks again at its next poll).
//
// Thread-safety: AlertmanagerAlerts may be called from any number of threads at once (as its
// HttpClient); other implementations say so themselves.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "common/http_client.h"
#include "common/matcher.h"
#include "common/status.h"

namespace rebound::controller::chaos {

using AlertLabels = std::map<std::string, std::string>;

class AlertSource {
 public:
  virtual ~AlertSource() = default;
  // The label sets of the alerts firing now (active, neither silenced nor inhibited).
  // Failure: Unavailable when the source cannot be reached or answers other than 200,
  // DeadlineExceeded on timeout, Internal when the answer cannot be read.
  virtual common::Result<std::vector<AlertLabels>> Firing() = 0;
};

class AlertmanagerAlerts final : public AlertSource {
 public:
  // `base_url` is alertmanager.url ("http://alertmanager:9093", a trailing slash is fine).
  AlertmanagerAlerts(common::HttpClient& http, std::string base_url,
                     std::chrono::milliseconds timeout);
  common::Result<std::vector<AlertLabels>> Firing() override;

 private:
  common::HttpClient& http_;
  std::string url_;
  std::chrono::milliseconds timeout_;
};

// The first of `alerts` that matches any of `abort_if` (an experiment's abortIf.firingAlerts),
// or nullptr when none does.
const AlertLabels* FirstMatching(const std::vector<AlertLabels>& alerts,
                                 const std::vector<common::Matchers>& abort_if);

// `{alertname="X", severity="critical"}`: the text of `labels`, for a run's reason.
std::string DescribeAlert(const AlertLabels& labels);

}  // namespace rebound::controller::chaos
