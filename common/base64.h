// Standard base64 (RFC 4648, with padding), as used by HTTP Basic auth and kubeconfig data
// fields. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace rebound::common {

std::string Base64Encode(std::string_view data);
// InvalidArgument on characters outside the alphabet or a bad length/padding.
Result<std::string> Base64Decode(std::string_view text);

}  // namespace rebound::common
