#include "tools/kubesim/api_request.h"

#include <vector>

namespace rebound::kubesim {
namespace {

std::vector<std::string> Segments(std::string_view path) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    if (next > pos) out.emplace_back(path.substr(pos, next - pos));
    pos = next + 1;
  }
  return out;
}

common::Status NoSuchResource() { return common::NotFound("no such resource"); }

}  // namespace

common::Result<ApiRequest> ParseApiRequest(const common::HttpRequest& request) {
  std::vector<std::string> segs = Segments(request.path);
  std::string group;
  size_t at = 0;
  if (segs.size() >= 2 && segs[0] == "api" && segs[1] == "v1") {
    at = 2;
  } else if (segs.size() >= 3 && segs[0] == "apis" && segs[2] == "v1") {
    group = segs[1];
    at = 3;
  } else {
    return NoSuchResource();
  }
  std::vector<std::string> rest(segs.begin() + static_cast<std::ptrdiff_t>(at), segs.end());
  ApiRequest out;
  // namespaces/NS/services/[SCHEME:]NAME[:PORT]/proxy[/PATH]: only GET (and HEAD, served as
  // GET) are simulated.
  if (group.empty() && rest.size() >= 5 && rest[0] == "namespaces" && rest[2] == "services" &&
      rest[4] == "proxy") {
    out.type = &TypeOf(Kind::kService);
    out.ns = rest[1];
    out.name = rest[3];
    out.subresource = "proxy";
    if (request.method != "GET") return common::InvalidArgument(request.method);
    out.verb = "get";
    return out;
  }
  // namespaces/NS/<namespaced resource>[/NAME[/SUB]]
  if (rest.size() >= 3 && rest[0] == "namespaces") {
    const ResourceType* type = FindResourceType(group, rest[2]);
    if (type != nullptr && type->namespaced && rest.size() <= 5) {
      out.type = type;
      out.ns = rest[1];
      if (rest.size() >= 4) out.name = rest[3];
      if (rest.size() == 5) out.subresource = rest[4];
    }
  }
  // <resource>[/NAME[/SUB]] (cluster-scoped), or <resource> across namespaces.
  if (out.type == nullptr && !rest.empty() && rest.size() <= 3) {
    const ResourceType* type = FindResourceType(group, rest[0]);
    if (type == nullptr || (type->namespaced && rest.size() > 1)) return NoSuchResource();
    out.type = type;
    if (rest.size() >= 2) out.name = rest[1];
    if (rest.size() == 3) out.subresource = rest[2];
  }
  if (out.type == nullptr) return NoSuchResource();
  if (!out.subresource.empty() && !((out.subresource == "status" && out.type->has_status) ||
                                    (out.subresource == "scale" && out.type->has_scale))) {
    return NoSuchResource();
  }

  const std::string& method = request.method;
  bool item = !out.name.empty();
  bool watch = request.QueryParam("watch").value_or("") == "true" ||
               request.QueryParam("watch").value_or("") == "1";
  if (method == "GET") {
    out.verb = item ? "get" : watch ? "watch" : "list";
  } else if (method == "POST" && !item) {
    out.verb = "create";
  } else if (method == "PUT" && item) {
    out.verb = "update";
  } else if (method == "PATCH" && item) {
    out.verb = "patch";
  } else if (method == "DELETE" && out.subresource.empty()) {
    out.verb = item ? "delete" : "deletecollection";
  } else {
    return common::InvalidArgument(method);
  }
  return out;
}

}  // namespace rebound::kubesim
