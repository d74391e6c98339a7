#include "controller/playbook/playbook_index.h"

#include <algorithm>
#include <iterator>
#include <string_view>

namespace rebound::controller::playbook {

PlaybookIndex::PlaybookIndex(std::vector<std::shared_ptr<const Playbook>> playbooks)
    : playbooks_(std::move(playbooks)) {
  for (size_t i = 0; i < playbooks_.size(); ++i) {
    std::optional<std::string_view> alertname = playbooks_[i]->matchers.EqualityValue("alertname");
    if (alertname) {
      by_alertname_[std::string(*alertname)].push_back(i);
    } else {
      any_alertname_.push_back(i);
    }
  }
}

std::vector<std::shared_ptr<const Playbook>> PlaybookIndex::Match(
    const std::map<std::string, std::string>& labels) const {
  std::vector<size_t> candidates = any_alertname_;
  // An absent alertname matches as "", like any label, so `alertname = ""` playbooks apply.
  auto name = labels.find("alertname");
  std::string_view alertname = name == labels.end() ? std::string_view() : name->second;
  if (auto it = by_alertname_.find(alertname); it != by_alertname_.end()) {
    std::vector<size_t> merged;
    merged.reserve(candidates.size() + it->second.size());
    std::merge(candidates.begin(), candidates.end(), it->second.begin(), it->second.end(),
               std::back_inserter(merged));
    candidates = std::move(merged);
  }
  std::vector<std::shared_ptr<const Playbook>> out;
  for (size_t i : candidates) {
    const std::shared_ptr<const Playbook>& playbook = playbooks_[i];
    if (!playbook->matchers.Matches(labels)) continue;
    out.push_back(playbook);
    if (!playbook->continue_matching) break;
  }
  return out;
}

std::shared_ptr<const Playbook> PlaybookIndex::Find(std::string_view name) const {
  for (const auto& playbook : playbooks_) {
    if (playbook->name == name) return playbook;
  }
  return nullptr;
}

}  // namespace rebound::controller::playbook
