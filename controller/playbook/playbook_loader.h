// Loading playbooks: YAML files → validated Playbook objects, with every problem reported as
// "file:line:col: message" and a hint (DESIGN.md section 5.3).
//
// Files come from glob patterns (rebound.yaml `playbooks`), relative to the config's folder.
// Each file holds any number of `kind: Playbook` documents; `kind: ChaosExperiment` documents
// may sit among them and are kept as read, for controller/chaos/experiment_loader.h (which
// needs the playbooks to check an experiment's expectHealing). Everything is checked at load time
// that can be: unknown keys (with the closest known one), matcher syntax, action names and
// their parameters, template syntax and variables, durations, a missing target, duplicate
// names, a template that uses a label the playbook's own matchers require to be empty, and an
// anomaly gate outside the scorer's and Prometheus' limits (signals, threshold, points).
// A set with any error is not used (the daemon refuses to start, or keeps its previous set).
//
// Thread-safety: the functions are reentrant; the registry is only read.
#pragma once

#include <yaml-cpp/yaml.h>

#include <memory>
#include <string>
#include <vector>

#include "common/yaml_util.h"
#include "controller/actions/action.h"
#include "controller/playbook/playbook.h"

namespace rebound::controller::playbook {

// A document of kind ChaosExperiment, as read from `file`.
struct ExperimentDocument {
  std::string file;
  YAML::Node node;
};

struct PlaybookSet {
  std::vector<std::shared_ptr<const Playbook>> playbooks;  // in file order
  std::vector<std::string> files;                          // every file read
  std::vector<ExperimentDocument> experiments;             // in file order, not yet checked
};

struct LoadedPlaybooks {
  PlaybookSet set;
  std::vector<common::YamlError> errors;  // empty when the set is usable
};

// Reads every file the `patterns` match (sorted within each pattern; relative patterns are
// resolved against `base_dir`). A pattern without wildcards that names no file is an error; a
// wildcard pattern matching nothing is not (an empty folder is a valid configuration).
LoadedPlaybooks LoadPlaybooks(const std::vector<std::string>& patterns,
                              const std::string& base_dir,
                              const actions::ActionRegistry& registry);

// Adds the playbooks of `documents` (from the file errors.file()) to `set`, reporting problems
// into `errors`. Documents with errors are left out; ChaosExperiment documents go to
// set.experiments unchecked.
void ParsePlaybookDocuments(const std::vector<YAML::Node>& documents,
                            const actions::ActionRegistry& registry, PlaybookSet& set,
                            common::YamlErrors& errors);

}  // namespace rebound::controller::playbook
