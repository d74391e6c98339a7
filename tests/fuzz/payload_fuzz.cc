// libFuzzer target for ParseWebhookPayload: the body comes straight from the network.
//
// Besides the sanitizers' own checks, it traps when a result breaks the parser's contract: a
// parsed payload must satisfy what the header promises, and an error must be an InvalidArgument
// whose message is short, valid UTF-8 (the webhook answer echoes it in JSON).
//
// Run: payload_fuzz -max_len=65536 CORPUS_DIR tests/fuzz/corpus/payload

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/time_format.h"
#include "controller/intake/payload.h"

namespace {

using rebound::common::ParseRfc3339;
using rebound::common::StatusCode;
using rebound::controller::intake::Alert;
using rebound::controller::intake::AlertStatus;
using rebound::controller::intake::LabelSet;
using rebound::controller::intake::ParseWebhookPayload;
using rebound::controller::intake::WebhookPayload;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

// RFC 3629 validity (no overlong forms, no surrogates), the rule JSON serializers apply.
bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      if (b0 == 0xE0) lo = 0xA0;
      if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      if (b0 == 0xF0) lo = 0x90;
      if (b0 == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b1 < lo || b1 > hi) return false;
    for (size_t k = 2; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

void CheckLabelSet(const LabelSet& labels) {
  for (const auto& [name, value] : labels) {
    Check(!name.empty());
    Check(IsValidUtf8(name) && IsValidUtf8(value));
  }
}

void CheckTimestamp(rebound::common::Timestamp ts) {
  Check(ts.nanos >= 0 && ts.nanos < 1'000'000'000);
  // Whatever offset the input used, the canonical form must read back as the same instant.
  auto reparsed = ParseRfc3339(rebound::common::FormatRfc3339(ts));
  Check(reparsed.ok() && *reparsed == ts);
}

void CheckPayload(const WebhookPayload& payload) {
  Check(payload.version == "4");
  Check(payload.truncated_alerts >= 0);
  CheckLabelSet(payload.group_labels);
  CheckLabelSet(payload.common_labels);
  CheckLabelSet(payload.common_annotations);
  for (const Alert& alert : payload.alerts) {
    Check(!alert.fingerprint.empty());
    Check(alert.status == AlertStatus::kFiring || alert.status == AlertStatus::kResolved);
    if (alert.status == AlertStatus::kFiring) Check(alert.ends_at.IsZero());
    CheckLabelSet(alert.labels);
    CheckLabelSet(alert.annotations);
    CheckTimestamp(alert.starts_at);
    CheckTimestamp(alert.ends_at);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto result = ParseWebhookPayload(body);
  if (result.ok()) {
    CheckPayload(*result);
  } else {
    const std::string& message = result.status().message();
    Check(result.status().code() == StatusCode::kInvalidArgument);
    Check(!message.empty() && message.size() < 1024);
    Check(IsValidUtf8(message));
  }
  return 0;
}
