// StreamJsonData: a 200 response {"data":[...],"status":"success"} whose array is read and
// sent a page at a time (chunked), so that a large listing never sits in memory whole.
//
// The rows come from `next`, which reads the page after the one it returned last: at most
// `limit` rows and, roughly, `max_bytes` of text (the source stops after the row that reaches
// it); an empty page is the end. The first page is read before answering, so that a failing
// source answers 503 like any other handler; a page that fails later ends the body with
// "status":"error" and the error, still valid JSON. The response holds at most one page and
// `chunk_bytes` of serialised rows (plus one row) at a time.
//
// Thread-safety: the returned response is streamed on one HTTP thread; `next` is called there.
#pragma once

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>
#include <vector>

#include "common/http_server.h"
#include "common/status.h"

namespace rebound::common {

struct JsonStreamOptions {
  size_t limit = 100;              // rows in all, at most
  size_t page_rows = 200;          // rows read per page, at most
  size_t page_bytes = 256 * 1024;  // text read per page, about
  size_t chunk_bytes = 64 * 1024;  // serialised rows gathered before a chunk is sent, about
};

using JsonPageReader =
    std::function<Result<std::vector<nlohmann::json>>(size_t limit, size_t max_bytes)>;

HttpResponse StreamJsonData(JsonPageReader next, JsonStreamOptions options);

// A JsonPageReader over a source read by cursor: `read(rows, after, max_bytes)` returns a
// Result<std::vector<Row>>, the page that follows the row `after` (nullptr: the first page);
// `to_json(row)` renders a row. The reader keeps the last row it returned.
template <typename Row, typename Read, typename ToJson>
JsonPageReader PagesAfter(Read read, ToJson to_json) {
  return [read = std::move(read), to_json = std::move(to_json), last = std::optional<Row>()](
             size_t rows, size_t max_bytes) mutable -> Result<std::vector<nlohmann::json>> {
    Result<std::vector<Row>> page = read(rows, last ? &*last : nullptr, max_bytes);
    if (!page.ok()) return page.status();
    std::vector<nlohmann::json> out;
    out.reserve(page->size());
    for (const Row& row : *page) out.push_back(to_json(row));
    if (!page->empty()) last = std::move(page->back());
    return out;
  };
}

}  // namespace rebound::common
