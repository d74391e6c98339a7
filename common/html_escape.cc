#include "common/html_escape.h"

#include <algorithm>
#include <array>
#include <utility>

namespace rebound::common {
namespace {

constexpr std::array<std::pair<char, std::string_view>, 5> kEntities = {{
    {'&', "&amp;"},
    {'<', "&lt;"},
    {'>', "&gt;"},
    {'"', "&quot;"},
    {'\'', "&#39;"},
}};

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto entity = std::find_if(kEntities.begin(), kEntities.end(),
                               [c](const auto& e) { return e.first == c; });
    if (entity == kEntities.end()) {
      out += c;
    } else {
      out += entity->second;
    }
  }
  return out;
}

}  // namespace rebound::common
