// PlaybookIndex: which playbooks handle an alert (DESIGN.md section 5.2).
//
// Playbooks are tried in the order they were loaded; the first whose matchers all hold wins,
// unless it sets `continue: true`, in which case later matching playbooks are chosen too, up to
// and including the next one without `continue`. Matchers are compiled at load time, and
// playbooks that pin `alertname = "..."` are indexed by that name, so an alert is only tested
// against the playbooks for its alertname plus those that do not pin one: matching stays in
// microseconds with a thousand playbooks.
//
// Thread-safety: immutable after construction; Match may be called from any thread.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "controller/playbook/playbook.h"

namespace rebound::controller::playbook {

class PlaybookIndex {
 public:
  PlaybookIndex() = default;
  explicit PlaybookIndex(std::vector<std::shared_ptr<const Playbook>> playbooks);

  // The playbooks for an alert with `labels`, in load order; empty when none matches.
  std::vector<std::shared_ptr<const Playbook>> Match(
      const std::map<std::string, std::string>& labels) const;

  const std::vector<std::shared_ptr<const Playbook>>& playbooks() const { return playbooks_; }
  // The playbook named `name`, nullptr when there is none.
  std::shared_ptr<const Playbook> Find(std::string_view name) const;

 private:
  std::vector<std::shared_ptr<const Playbook>> playbooks_;
  // Positions in playbooks_, ascending.
  std::map<std::string, std::vector<size_t>, std::less<>> by_alertname_;
  std::vector<size_t> any_alertname_;
};

}  // namespace rebound::controller::playbook
