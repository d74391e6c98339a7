#include "controller/chaos/promql_shape.h"

#include <cctype>
#include <string>
#include <vector>

namespace rebound::controller::chaos {
namespace {

common::Status At(size_t index, const std::string& what) {
  return common::InvalidArgument("column " + std::to_string(index + 1) + ": " + what);
}

char Closer(char open) { return open == '(' ? ')' : open == '[' ? ']' : '}'; }

}  // namespace

common::Status CheckPromqlShape(std::string_view query) {
  struct Open {
    char bracket;
    size_t index;
  };
  std::vector<Open> open;
  bool blank = true;
  for (size_t i = 0; i < query.size(); ++i) {
    const char c = query[i];
    if (c == '#') {
      while (i < query.size() && query[i] != '\n') ++i;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    blank = false;
    if (c == '"' || c == '\'' || c == '`') {
      const size_t start = i;
      for (++i; i < query.size() && query[i] != c; ++i) {
        if (query[i] == '\\' && c != '`') ++i;
      }
      if (i >= query.size())
        return At(start, std::string("string opened here is not closed with ") + c);
    } else if (c == '(' || c == '[' || c == '{') {
      open.push_back({c, i});
    } else if (c == ')' || c == ']' || c == '}') {
      if (open.empty()) return At(i, std::string("\"") + c + "\" closes nothing");
      if (Closer(open.back().bracket) != c) {
        return At(i, std::string("\"") + c + "\" closes \"" + open.back().bracket +
                         "\" of column " + std::to_string(open.back().index + 1));
      }
      open.pop_back();
    }
  }
  if (blank) return common::InvalidArgument("expected a PromQL expression, got nothing");
  if (!open.empty()) {
    return At(open.back().index, std::string("\"") + open.back().bracket +
                                     "\" is never closed with \"" + Closer(open.back().bracket) +
                                     "\"");
  }
  return common::Status::Ok();
}

}  // namespace rebound::controller::chaos
