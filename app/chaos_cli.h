// `rebound chaos run NAME` and `rebound chaos list` (DESIGN.md section 7.2): clients of the
// running daemon's chaos API at the configuration's `listen` address, with the webhook's
// credentials. `run` starts a run (POST /api/v1/chaos/experiments/NAME/run) and follows it
// (GET /api/v1/chaos/runs/ID), printing each step as it happens; `list` prints the schedule
// from GET /api/v1/chaos, or, when the daemon cannot be reached, from the experiment files
// with that noted. Every request has a timeout.
//
// Thread-safety: reentrant.
#pragma once

#include <chrono>
#include <ostream>
#include <string>

#include "app/config.h"
#include "common/clock.h"
#include "common/http_client.h"
#include "common/sleeper.h"

namespace rebound::app {

struct ChaosCliDeps {
  common::HttpClient& http;
  const common::Clock& clock;
  common::Sleeper& sleeper;
  std::chrono::milliseconds request_timeout = std::chrono::seconds(10);
  std::chrono::milliseconds poll_interval = std::chrono::seconds(1);
};

// Exit status: 0 when the run ended `recovered`; 1 when it ended otherwise (failed, aborted,
// skipped), was refused (unknown experiment, already running, paused) or the daemon could not
// be reached or answered an error — each with a message on `err`.
int ChaosRun(const Config& config, const std::string& name, const ChaosCliDeps& deps,
             std::ostream& out, std::ostream& err);

// Exit status: 0 when the schedule was printed (from the daemon or, noted, from the files); 1
// when neither could be read.
int ChaosList(const Config& config, const ChaosCliDeps& deps, std::ostream& out, std::ostream& err);

}  // namespace rebound::app
