#include "kube/bearer_token.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "common/secret.h"

namespace rebound::kube {

std::shared_ptr<BearerToken> BearerToken::Fixed(std::string token) {
  return std::shared_ptr<BearerToken>(new BearerToken(std::move(token), ""));
}

std::shared_ptr<BearerToken> BearerToken::FromFile(std::string path) {
  return std::shared_ptr<BearerToken>(new BearerToken("", std::move(path)));
}

common::Result<std::string> BearerToken::Get() {
  std::lock_guard lock(mu_);
  if (path_.empty()) return token_;

  struct stat st {};
  if (stat(path_.c_str(), &st) != 0) {
    if (!token_.empty()) return token_;
    std::string message = "cannot read token file " + path_ + ": " + std::strerror(errno);
    return errno == ENOENT ? common::NotFound(message) : common::Unavailable(message);
  }
  FileIdentity now{st.st_dev, st.st_ino, st.st_size, st.st_mtim};
  if (!token_.empty() && now == read_identity_) return token_;

  common::Result<std::string> contents = common::ReadSecretFile(path_);
  if (!contents.ok()) {
    if (!token_.empty()) return token_;
    return contents.status();
  }
  token_ = std::move(contents).value();
  read_identity_ = now;
  return token_;
}

}  // namespace rebound::kube
