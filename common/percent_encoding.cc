#include "common/percent_encoding.h"

#include <curl/curl.h>

#include <algorithm>
#include <new>

#include <fmt/format.h>

namespace rebound::common {
namespace {

// curl takes lengths as int and caps the length of what it builds, so long texts go through in
// pieces of this size.
constexpr size_t kMaxPiece = size_t{1} << 20;

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

struct CurlText {
  char* text = nullptr;
  ~CurlText() { curl_free(text); }
};

// curl_easy_unescape: "%XX" becomes the byte; a '%' without two hex digits is kept as is.
std::string Unescape(std::string_view text) {
  std::string out;
  while (!text.empty()) {
    size_t n = std::min(text.size(), kMaxPiece);
    // Never cut an escape in two: the piece ends before a '%' that has not got both digits.
    if (n < text.size()) {
      size_t percent = text.substr(n - 2, 2).rfind('%');
      if (percent != std::string_view::npos) n = n - 2 + percent;
    }
    int length = 0;
    CurlText decoded{curl_easy_unescape(nullptr, text.data(), static_cast<int>(n), &length)};
    if (decoded.text == nullptr) throw std::bad_alloc();
    out.append(decoded.text, static_cast<size_t>(length));
    text.remove_prefix(n);
  }
  return out;
}

}  // namespace

std::string PercentEncode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    size_t n = std::min(text.size(), kMaxPiece);
    // A zero length would make curl measure the text with strlen.
    CurlText encoded{curl_easy_escape(nullptr, text.data(), static_cast<int>(n))};
    if (encoded.text == nullptr) throw std::bad_alloc();
    out += encoded.text;
    text.remove_prefix(n);
  }
  return out;
}

Result<std::string> PercentDecode(std::string_view text) {
  for (size_t i = text.find('%'); i != std::string_view::npos; i = text.find('%', i + 1)) {
    if (i + 2 >= text.size() || !IsHex(text[i + 1]) || !IsHex(text[i + 2])) {
      return InvalidArgument(fmt::format(
          "bad percent-encoding at offset {}: '%' must be followed by two hex digits", i));
    }
  }
  return Unescape(text);
}

std::string FormDecode(std::string_view text) {
  std::string spaced(text);
  std::replace(spaced.begin(), spaced.end(), '+', ' ');
  return Unescape(spaced);
}

}  // namespace rebound::common
