// Secrets (tokens, passwords, webhook URLs): read from a file or an environment variable,
// compared in constant time, never logged. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace rebound::common {

// The contents of `path` without trailing whitespace. NotFound / Unavailable when unreadable,
// InvalidArgument when empty. Messages name the file, never its contents.
Result<std::string> ReadSecretFile(const std::string& path);

// The value of environment variable `name`; NotFound when unset, InvalidArgument when empty.
Result<std::string> ReadSecretEnv(const std::string& name);

// Equality whose running time depends only on the lengths, not on where the inputs differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace rebound::common
