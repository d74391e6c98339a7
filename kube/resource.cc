#include "kube/resource.h"

namespace rebound::kube {

std::string Resource::QualifiedName() const {
  std::string out(plural);
  if (!group.empty()) {
    out += '.';
    out += group;
  }
  return out;
}

std::string Resource::ApiVersion() const {
  if (group.empty()) return std::string(version);
  return std::string(group) + "/" + std::string(version);
}

std::string Resource::GroupVersionPath() const {
  if (group.empty()) return "/api/" + std::string(version);
  return "/apis/" + ApiVersion();
}

}  // namespace rebound::kube
