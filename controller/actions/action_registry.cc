#include <cassert>
#include <utility>

#include "controller/actions/action.h"

namespace rebound::controller::actions {

const kube::Resource* WorkloadResource(std::string_view kind) {
  if (kind == kube::kDeployments.kind) return &kube::kDeployments;
  if (kind == kube::kStatefulSets.kind) return &kube::kStatefulSets;
  return nullptr;
}

const kube::Resource& Target::resource() const {
  const kube::Resource* resource = WorkloadResource(kind);
  assert(resource != nullptr && "Target::resource() of an unsupported kind");
  return resource != nullptr ? *resource : kube::kDeployments;
}

std::string Target::ToString() const { return kind + " " + ns + "/" + name; }

std::optional<Target> Target::Parse(std::string_view text) {
  const size_t space = text.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const size_t slash = text.find('/', space);
  if (slash == std::string_view::npos) return std::nullopt;
  Target target{std::string(text.substr(0, space)),
                std::string(text.substr(space + 1, slash - space - 1)),
                std::string(text.substr(slash + 1))};
  if (WorkloadResource(target.kind) == nullptr || target.ns.empty() || target.name.empty() ||
      target.name.find('/') != std::string::npos) {
    return std::nullopt;
  }
  return target;
}

std::string_view OutcomeName(ActionResult::Outcome outcome) {
  switch (outcome) {
    case ActionResult::Outcome::kDone:
      return "done";
    case ActionResult::Outcome::kDryRun:
      return "dry_run";
    case ActionResult::Outcome::kNoop:
      return "noop";
    case ActionResult::Outcome::kRefused:
      return "refused";
    case ActionResult::Outcome::kFailed:
      return "failed";
  }
  return "unknown";
}

void ActionRegistry::Register(std::string name, std::unique_ptr<ActionFactory> factory) {
  factories_[std::move(name)] = std::move(factory);
}

const ActionFactory* ActionRegistry::Find(std::string_view name) const {
  auto it = factories_.find(name);
  return it == factories_.end() ? nullptr : it->second.get();
}

std::vector<std::string> ActionRegistry::Names() const {
  std::vector<std::string> names;
  names.reserve(factories_.size());
  for (const auto& [name, factory] : factories_) names.push_back(name);
  return names;
}

}  // namespace rebound::controller::actions
