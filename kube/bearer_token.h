// BearerToken: the token sent as "Authorization: Bearer ..." — fixed (a kubeconfig `token`) or
// read from a file (a kubeconfig `tokenFile`, or the in-cluster service-account token).
//
// The kubelet rotates projected service-account tokens by replacing the file (an atomic
// symlink swap), so a file token is re-read whenever the file's identity, size or modification
// time changes; otherwise the cached value is used and each call costs one stat().
//
// Thread-safety: Get() may be called from any number of threads at once.
#pragma once

#include <sys/types.h>

#include <ctime>
#include <memory>
#include <mutex>
#include <string>

#include "common/status.h"

namespace rebound::kube {

class BearerToken {
 public:
  static std::shared_ptr<BearerToken> Fixed(std::string token);
  static std::shared_ptr<BearerToken> FromFile(std::string path);

  // The current token. For a file: its contents without trailing whitespace, re-read when the
  // file changed. Failure (only for a file that was never read successfully): NotFound or
  // Unavailable when it cannot be read, InvalidArgument when empty; the message names the file,
  // never the token. A file that becomes unreadable after a good read keeps giving the last
  // good token (an expired token then earns a 401 that names the cause).
  common::Result<std::string> Get();

  // The file the token is read from; empty for a fixed token.
  const std::string& path() const { return path_; }

 private:
  struct FileIdentity {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = -1;
    timespec modified{};
    friend bool operator==(const FileIdentity& a, const FileIdentity& b) {
      return a.device == b.device && a.inode == b.inode && a.size == b.size &&
             a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec;
    }
  };

  BearerToken(std::string token, std::string path)
      : path_(std::move(path)), token_(std::move(token)) {}

  const std::string path_;
  std::mutex mu_;
  std::string token_;           // guarded by mu_
  FileIdentity read_identity_;  // guarded by mu_: the file as it was when token_ was read
};

}  // namespace rebound::kube
