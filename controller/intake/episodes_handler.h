// GET /api/v1/episodes: the journal's alert episodes, newest first, as JSON.
//
// Query parameters: state (received | pending | handled | closed), limit (1..10000, default 100).
// Bad parameters answer 400 naming the parameter. The answer is streamed, read from the journal
// a page at a time (common/json_stream.h), so its size does not set the daemon's memory.
// `journal` must outlive the response. Thread-safe (reads only).
#pragma once

#include "common/http_server.h"
#include "controller/intake/journal.h"

namespace rebound::controller::intake {

common::HttpResponse HandleListEpisodes(const Journal& journal,
                                        const common::HttpRequest& request);

}  // namespace rebound::controller::intake
