// The discovery documents kubectl reads before anything else: /version, legacy discovery
// (/api, /apis, /api/v1, /apis/G/V), aggregated discovery (apidiscovery.k8s.io/v2, served when
// the Accept header asks for it, with the exact Content-Type kubectl requires), and the
// skeleton OpenAPI v3 that `kubectl create -f` needs (KUBESIM.md sections 1 and 2).
//
// Thread-safety: pure functions of the resource table.
#pragma once

#include <optional>
#include <string_view>

#include "common/http_server.h"

namespace rebound::kubesim {

// GET /version: v1.32.4, so gcloud's kubectl dispatcher runs its 1.32 kubectl.
common::HttpResponse VersionResponse();

// Answers a discovery path (/api, /api/v1, /apis, /apis/G, /apis/G/V); nullopt when `path` is
// not one. `accept` picks the aggregated or the legacy form; `server_address` is "HOST:PORT".
std::optional<common::HttpResponse> DiscoveryResponse(std::string_view path,
                                                      std::string_view accept,
                                                      std::string_view server_address);

// Answers /openapi/v3 and /openapi/v3/<group-version>; nullopt for other paths (including
// /openapi/v2, which kubesim does not serve).
std::optional<common::HttpResponse> OpenApiResponse(std::string_view path);

}  // namespace rebound::kubesim
