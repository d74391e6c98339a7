#include "controller/notify/slack_text.h"

#include <algorithm>

namespace rebound::controller::notify {
namespace {

constexpr std::string_view kEllipsis = "…";  // one character

struct CodePoint {
  size_t bytes;
  size_t units;  // UTF-16 code units
};

// The code point that starts at `at`; a byte that cannot start one stands alone.
CodePoint CodePointAt(std::string_view text, size_t at) {
  auto lead = static_cast<unsigned char>(text[at]);
  size_t bytes = 1;
  if ((lead >> 5) == 0x6) {
    bytes = 2;
  } else if ((lead >> 4) == 0xE) {
    bytes = 3;
  } else if ((lead >> 3) == 0x1E) {
    bytes = 4;
  }
  bytes = std::min(bytes, text.size() - at);
  // Only four-byte sequences lie outside the Basic Multilingual Plane (a surrogate pair).
  return CodePoint{bytes, bytes == 4 ? size_t{2} : size_t{1}};
}

// The byte length of the longest prefix of `text` at most `max_units` long.
size_t PrefixBytes(std::string_view text, size_t max_units) {
  size_t at = 0;
  size_t units = 0;
  while (at < text.size()) {
    CodePoint next = CodePointAt(text, at);
    if (units + next.units > max_units) break;
    units += next.units;
    at += next.bytes;
  }
  return at;
}

}  // namespace

size_t SlackLength(std::string_view text) {
  size_t units = 0;
  for (size_t at = 0; at < text.size();) {
    CodePoint next = CodePointAt(text, at);
    units += next.units;
    at += next.bytes;
  }
  return units;
}

std::string TruncatePlainText(std::string_view text, size_t max_chars) {
  if (SlackLength(text) <= max_chars) return std::string(text);
  if (max_chars == 0) return "";
  return std::string(text.substr(0, PrefixBytes(text, max_chars - 1))) + std::string(kEllipsis);
}

std::string EscapeMrkdwn(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string TruncateMrkdwn(std::string_view escaped, size_t max_chars) {
  if (SlackLength(escaped) <= max_chars) return std::string(escaped);
  if (max_chars == 0) return "";
  std::string_view kept = escaped.substr(0, PrefixBytes(escaped, max_chars - 1));
  // In escaped text every '&' starts an entity; one without its ';' was cut through.
  size_t amp = kept.rfind('&');
  if (amp != std::string_view::npos && kept.find(';', amp) == std::string_view::npos) {
    kept = kept.substr(0, amp);
  }
  return std::string(kept) + std::string(kEllipsis);
}

}  // namespace rebound::controller::notify
