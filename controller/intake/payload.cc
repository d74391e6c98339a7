#include "controller/intake/payload.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rebound::controller::intake {
namespace {

using common::InvalidArgument;
using common::Status;
using common::Timestamp;
using nlohmann::json;

// A real payload nests four levels (payload > alerts > alert > labels). The bound keeps any
// recursive walk of the DOM (dump(), operator==, a future visitor) far from the stack limit.
constexpr int kMaxDepth = 64;

// Error messages are echoed in JSON answers and logs: keep quoted input short.
constexpr size_t kMaxQuotedBytes = 64;
constexpr size_t kMaxSyntaxDetailBytes = 160;

enum class Presence { kRequired, kOptional };

// `s` as a JSON string literal, cut at a UTF-8 character boundary so that the message stays
// valid UTF-8 (a serializer refuses invalid UTF-8).
std::string Quote(std::string_view s) {
  size_t n = std::min(s.size(), kMaxQuotedBytes);
  while (n > 0 && n < s.size() && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  std::string out =
      json(std::string(s.substr(0, n))).dump(-1, ' ', false, json::error_handler_t::replace);
  if (n < s.size()) out += "...";
  return out;
}

bool IsIdentifier(std::string_view key) {
  if (key.empty() || (key[0] >= '0' && key[0] <= '9')) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// "parent.key", or parent["odd key"] when the key would make the path ambiguous.
std::string ChildPath(std::string_view parent, std::string_view key) {
  std::string path(parent);
  if (IsIdentifier(key)) {
    if (!path.empty()) path += '.';
    path += key;
  } else {
    path += '[';
    path += Quote(key);
    path += ']';
  }
  return path;
}

Status TypeError(std::string_view path, std::string_view expected, const json& value) {
  return InvalidArgument(fmt::format("{}: expected {}, got {}", path, expected, value.type_name()));
}

// nlohmann's own parser is iterative, but the DOM it builds is not safe to walk recursively
// when deep. Counting brackets outside strings matches the parser's view of every valid prefix,
// and the parser stops at the first invalid byte, so this bounds the depth of any DOM it returns.
Status CheckDepth(std::string_view body) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) {
        return InvalidArgument(
            fmt::format("JSON nested deeper than {} levels at byte offset {}", kMaxDepth, i));
      }
    } else if (c == ']' || c == '}') {
      // Unbalanced: a syntax error the parser reports better.
      if (--depth < 0) return Status::Ok();
    }
  }
  return Status::Ok();
}

// nlohmann's message without its "[json.exception...] parse error at line L, column C: "
// prefix, with raw input bytes escaped (it quotes what it last read, which may be invalid UTF-8
// or megabytes long).
std::string SyntaxDetail(std::string_view what) {
  if (size_t bracket = what.find("] "); bracket != std::string_view::npos) {
    what.remove_prefix(bracket + 2);
  }
  if (what.starts_with("parse error")) {
    if (size_t colon = what.find(": "); colon != std::string_view::npos) {
      what.remove_prefix(colon + 2);
    }
  }
  std::string out;
  for (char c : what) {
    if (out.size() >= kMaxSyntaxDetailBytes) {
      out += "...";
      break;
    }
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F) {
      out += c;
    } else {
      out += fmt::format("\\x{:02X}", byte);
    }
  }
  return out;
}

// Applies `read(value, path, out)` to obj[key]. An absent optional field keeps the default in
// `out`; so does null, which is how Go's encoding/json writes a nil map or slice.
template <typename T, typename Reader>
Status ReadField(const json& obj, std::string_view key, std::string_view parent, Presence presence,
                 Reader read, T& out) {
  std::string path = ChildPath(parent, key);
  auto it = obj.find(key);
  if (it == obj.end()) {
    return presence == Presence::kRequired ? InvalidArgument(path + ": missing") : Status::Ok();
  }
  if (presence == Presence::kOptional && it->is_null()) return Status::Ok();
  return read(*it, path, out);
}

Status ReadString(const json& value, const std::string& path, std::string& out) {
  if (!value.is_string()) return TypeError(path, "a string", value);
  out = value.get_ref<const std::string&>();
  return Status::Ok();
}

Status ReadNonEmptyString(const json& value, const std::string& path, std::string& out) {
  REBOUND_RETURN_IF_ERROR(ReadString(value, path, out));
  if (out.empty()) return InvalidArgument(path + ": must not be empty");
  return Status::Ok();
}

Status ReadVersion(const json& value, const std::string& path, std::string& out) {
  REBOUND_RETURN_IF_ERROR(ReadString(value, path, out));
  if (out != "4") return InvalidArgument(path + ": expected \"4\", got " + Quote(out));
  return Status::Ok();
}

Status ReadAlertStatus(const json& value, const std::string& path, AlertStatus& out) {
  if (!value.is_string()) return TypeError(path, "a string", value);
  const auto& text = value.get_ref<const std::string&>();
  if (text == "firing") {
    out = AlertStatus::kFiring;
  } else if (text == "resolved") {
    out = AlertStatus::kResolved;
  } else {
    return InvalidArgument(path + ": expected \"firing\" or \"resolved\", got " + Quote(text));
  }
  return Status::Ok();
}

Status ReadTimestamp(const json& value, const std::string& path, Timestamp& out) {
  if (!value.is_string()) return TypeError(path, "a string", value);
  auto parsed = common::ParseRfc3339(value.get_ref<const std::string&>());
  if (!parsed.ok()) return parsed.status().WithContext(path);
  out = *parsed;
  return Status::Ok();
}

Status ReadLabelSet(const json& value, const std::string& path, LabelSet& out) {
  if (!value.is_object()) return TypeError(path, "an object", value);
  for (const auto& [name, label_value] : value.get_ref<const json::object_t&>()) {
    if (name.empty()) return InvalidArgument(path + ": empty label name");
    if (!label_value.is_string()) return TypeError(ChildPath(path, name), "a string", label_value);
    // Both maps order keys the same way, so every insertion lands at the end: linear overall.
    out.emplace_hint(out.end(), name, label_value.get_ref<const std::string&>());
  }
  return Status::Ok();
}

Status ReadCount(const json& value, const std::string& path, int64_t& out) {
  if (value.is_number_unsigned()) {
    const auto count = value.get<uint64_t>();
    if (count > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return InvalidArgument(fmt::format("{}: {} is out of range", path, count));
    }
    out = static_cast<int64_t>(count);
    return Status::Ok();
  }
  if (value.is_number_integer()) {
    const auto count = value.get<int64_t>();
    if (count < 0) {
      return InvalidArgument(
          fmt::format("{}: expected a non-negative integer, got {}", path, count));
    }
    out = count;
    return Status::Ok();
  }
  return TypeError(path, "a non-negative integer", value);
}

Status ReadAlert(const json& value, const std::string& path, Alert& alert) {
  if (!value.is_object()) return TypeError(path, "an object", value);
  constexpr auto kRequired = Presence::kRequired;
  constexpr auto kOptional = Presence::kOptional;
  alert.ends_at = Timestamp::Zero();
  REBOUND_RETURN_IF_ERROR(
      ReadField(value, "status", path, kRequired, ReadAlertStatus, alert.status));
  REBOUND_RETURN_IF_ERROR(ReadField(value, "labels", path, kRequired, ReadLabelSet, alert.labels));
  REBOUND_RETURN_IF_ERROR(
      ReadField(value, "annotations", path, kOptional, ReadLabelSet, alert.annotations));
  REBOUND_RETURN_IF_ERROR(
      ReadField(value, "startsAt", path, kRequired, ReadTimestamp, alert.starts_at));
  REBOUND_RETURN_IF_ERROR(
      ReadField(value, "endsAt", path, kOptional, ReadTimestamp, alert.ends_at));
  REBOUND_RETURN_IF_ERROR(
      ReadField(value, "generatorURL", path, kOptional, ReadString, alert.generator_url));
  REBOUND_RETURN_IF_ERROR(
      ReadField(value, "fingerprint", path, kRequired, ReadNonEmptyString, alert.fingerprint));
  // Alertmanager hides an end that has not been reached yet; a sender that exposes one must not
  // make a firing alert look scheduled to resolve.
  if (alert.status == AlertStatus::kFiring) alert.ends_at = Timestamp::Zero();
  return Status::Ok();
}

Status ReadAlerts(const json& value, const std::string& path, std::vector<Alert>& out) {
  if (!value.is_array()) return TypeError(path, "an array", value);
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    Alert alert;
    REBOUND_RETURN_IF_ERROR(ReadAlert(value[i], fmt::format("{}[{}]", path, i), alert));
    out.push_back(std::move(alert));
  }
  return Status::Ok();
}

common::Result<json> ParseJson(std::string_view body) {
  REBOUND_RETURN_IF_ERROR(CheckDepth(body));
  try {
    return json::parse(body);
  } catch (const json::parse_error& e) {
    // e.byte counts from 1 and points one past the end for a truncated body.
    const size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    return InvalidArgument(
        fmt::format("invalid JSON at byte offset {}: {}", offset, SyntaxDetail(e.what())));
  } catch (const json::exception& e) {
    // For example out_of_range.406 "number overflow", which carries no position.
    return InvalidArgument(fmt::format("invalid JSON: {}", SyntaxDetail(e.what())));
  }
}

}  // namespace

std::string_view AlertStatusName(AlertStatus status) {
  return status == AlertStatus::kFiring ? "firing" : "resolved";
}

std::string_view Alert::alertname() const {
  auto it = labels.find("alertname");
  return it == labels.end() ? std::string_view() : std::string_view(it->second);
}

common::Result<WebhookPayload> ParseWebhookPayload(std::string_view body) {
  auto doc = ParseJson(body);
  if (!doc.ok()) return doc.status();
  const json& root = *doc;
  if (!root.is_object()) return TypeError("payload", "an object", root);

  constexpr auto kRequired = Presence::kRequired;
  constexpr auto kOptional = Presence::kOptional;
  WebhookPayload payload;
  REBOUND_RETURN_IF_ERROR(ReadField(root, "version", "", kRequired, ReadVersion, payload.version));
  REBOUND_RETURN_IF_ERROR(ReadField(root, "receiver", "", kOptional, ReadString, payload.receiver));
  REBOUND_RETURN_IF_ERROR(
      ReadField(root, "status", "", kOptional, ReadAlertStatus, payload.status));
  REBOUND_RETURN_IF_ERROR(ReadField(root, "alerts", "", kRequired, ReadAlerts, payload.alerts));
  REBOUND_RETURN_IF_ERROR(
      ReadField(root, "groupLabels", "", kOptional, ReadLabelSet, payload.group_labels));
  REBOUND_RETURN_IF_ERROR(
      ReadField(root, "commonLabels", "", kOptional, ReadLabelSet, payload.common_labels));
  REBOUND_RETURN_IF_ERROR(ReadField(root, "commonAnnotations", "", kOptional, ReadLabelSet,
                                    payload.common_annotations));
  REBOUND_RETURN_IF_ERROR(
      ReadField(root, "externalURL", "", kOptional, ReadString, payload.external_url));
  REBOUND_RETURN_IF_ERROR(
      ReadField(root, "groupKey", "", kOptional, ReadString, payload.group_key));
  REBOUND_RETURN_IF_ERROR(
      ReadField(root, "truncatedAlerts", "", kOptional, ReadCount, payload.truncated_alerts));
  return payload;
}

}  // namespace rebound::controller::intake
