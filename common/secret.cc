#include "common/secret.h"

#include <openssl/crypto.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace rebound::common {
namespace {

void TrimTrailingWhitespace(std::string& s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' ||
                        s.back() == '\t')) {
    s.pop_back();
  }
}

}  // namespace

Result<std::string> ReadSecretFile(const std::string& path) {
  // A folder opens as a stream that reads nothing: say what it is rather than "empty".
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return InvalidArgument("cannot read secret file " + path + ": it is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    std::string message = "cannot read secret file " + path + ": " + std::strerror(err);
    return err == ENOENT ? NotFound(message) : Unavailable(message);
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  std::string value = contents.str();
  TrimTrailingWhitespace(value);
  if (value.empty()) return InvalidArgument("secret file " + path + " is empty");
  return value;
}

Result<std::string> ReadSecretEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return NotFound("environment variable " + name + " is not set");
  std::string text = value;
  TrimTrailingWhitespace(text);
  if (text.empty()) return InvalidArgument("environment variable " + name + " is empty");
  return text;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // Inputs of different lengths are unequal at once, as in Go's subtle.ConstantTimeCompare:
  // that tells a guesser the secret's length, not its contents.
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace rebound::common
