// Loading chaos experiments: the `kind: ChaosExperiment` documents the playbook loader found in
// the `playbooks:` files → validated Experiment objects, every problem reported as
// "file:line:col: message" with a hint (DESIGN.md sections 5.3 and 7).
//
// Checked at load time: unknown keys (with the closest known one), the header (apiVersion,
// metadata.name as a DNS-1123 name, unique among experiments), the cron expression, every and
// jitter, the time zone (in the system's tzdata), windows (their days and hours, and that a
// cron schedule fires inside them at all), durations, the target (kind, namespace, exactly one
// of selector or name, selector syntax, pick), the fault (known type, count or percent exactly
// when the fault needs one, percent 100 only with allowTotalOutage), the shape of every
// steady-state query, that expectHealing names a loaded playbook, and abortIf's matchers.
// An experiment with any error is left out.
//
// Thread-safety: reentrant.
#pragma once

#include <memory>
#include <vector>

#include "common/yaml_util.h"
#include "controller/chaos/experiment.h"
#include "controller/playbook/playbook_loader.h"

namespace rebound::controller::chaos {

struct LoadedExperiments {
  std::vector<std::shared_ptr<const Experiment>> experiments;  // in file order
  std::vector<common::YamlError> errors;  // by file as read, in file order within each
};

// Validates set.experiments against the playbooks of `set`.
LoadedExperiments LoadExperiments(const playbook::PlaybookSet& set);

}  // namespace rebound::controller::chaos
