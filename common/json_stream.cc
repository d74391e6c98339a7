#include "common/json_stream.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

namespace rebound::common {

HttpResponse StreamJsonData(JsonPageReader next, JsonStreamOptions options) {
  const size_t first_rows = std::min(options.limit, options.page_rows);
  Result<std::vector<nlohmann::json>> first = next(first_rows, options.page_bytes);
  if (!first.ok()) return HttpResponse::Error(503, first.status().message());
  HttpResponse response;
  // std::function must be copyable: the state lives behind a shared_ptr.
  auto state = std::make_shared<std::pair<JsonPageReader, std::vector<nlohmann::json>>>(
      std::move(next), std::move(*first));
  response.stream = [state, options](StreamWriter& writer) {
    auto& [read, page] = *state;
    std::string chunk = "{\"data\":[";
    size_t sent = 0;
    std::string tail = "],\"status\":\"success\"}";
    for (;;) {
      for (const nlohmann::json& row : page) {
        if (sent > 0) chunk += ',';
        chunk += row.dump();
        ++sent;
        if (chunk.size() >= options.chunk_bytes) {
          if (!writer.Write(chunk)) return;
          chunk.clear();
        }
      }
      const size_t remaining = options.limit - sent;
      if (page.empty() || remaining == 0) break;
      page.clear();
      Result<std::vector<nlohmann::json>> more =
          read(std::min(remaining, options.page_rows), options.page_bytes);
      if (!more.ok()) {
        tail =
            "],\"status\":\"error\",\"error\":" + nlohmann::json(more.status().message()).dump() +
            "}";
        break;
      }
      page = std::move(*more);
    }
    chunk += tail;
    writer.Write(chunk);
  };
  return response;
}

}  // namespace rebound::common
