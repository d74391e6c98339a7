#include "kube/api_error.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "kube/object.h"

namespace rebound::kube {
namespace {

using common::StatusCode;

constexpr std::string_view kReasonMarker = " (reason ";
constexpr size_t kMaxBodyExcerpt = 200;

// The reason and text client-go gives a response without a Status body.
std::pair<std::string_view, std::string_view> GenericReason(int code) {
  switch (code) {
    case 400:
      return {"BadRequest", "the server rejected our request for an unknown reason"};
    case 401:
      return {"Unauthorized", "the server has asked for the client to provide credentials"};
    case 403:
      return {"Forbidden", "the server does not allow access to the requested resource"};
    case 404:
      return {"NotFound", "the server could not find the requested resource"};
    case 405:
      return {"MethodNotAllowed",
              "the server does not allow this method on the requested resource"};
    case 406:
      return {"NotAcceptable", "the server cannot produce a response in the requested format"};
    case 409:
      return {"Conflict", "the server reported a conflict"};
    case 410:
      return {"Expired", "the requested resource version is no longer available"};
    case 413:
      return {"RequestEntityTooLarge", "the request is too large for the server"};
    case 415:
      return {"UnsupportedMediaType", "the server does not accept the request's content type"};
    case 422:
      return {"Invalid", "the server rejected our request due to an error in our request"};
    case 429:
      return {"TooManyRequests",
              "the server has received too many requests and has asked us to try again later"};
    case 500:
      return {"InternalError", "an error on the server has prevented the request from succeeding"};
    case 503:
      return {"ServiceUnavailable", "the server is currently unable to handle the request"};
    case 504:
      return {"Timeout",
              "the server was unable to return a response in the time allotted, but may "
              "still be processing the request"};
    default:
      return {"Unknown", "the server responded with an unexpected status"};
  }
}

StatusCode CodeFor(int http_status, std::string_view reason) {
  switch (http_status) {
    case 400:
    case 405:
    case 406:
    case 413:
    case 415:
    case 422:
      return StatusCode::kInvalidArgument;
    case 401:
      return StatusCode::kUnauthenticated;
    case 403:
      return StatusCode::kPermissionDenied;
    case 404:
      return StatusCode::kNotFound;
    case 409:
      return reason == "AlreadyExists" ? StatusCode::kAlreadyExists : StatusCode::kConflict;
    case 410:
      return StatusCode::kFailedPrecondition;
    case 429:
      return StatusCode::kResourceExhausted;
    case 504:
      return StatusCode::kDeadlineExceeded;
    default:
      return http_status >= 500 ? StatusCode::kUnavailable : StatusCode::kInternal;
  }
}

// The first bytes of a non-Status body, on one line.
std::string Excerpt(std::string_view body) {
  std::string out(body.substr(0, kMaxBodyExcerpt));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (body.size() > kMaxBodyExcerpt) out += "...";
  return out;
}

std::string RbacHint(const ApiRequest& request) {
  std::string group = request.resource.group.empty()
                          ? "the core API group (\"\")"
                          : fmt::format("API group \"{}\"", request.resource.group);
  std::string scope =
      request.ns.empty() ? "cluster-wide" : fmt::format("in namespace \"{}\"", request.ns);
  std::string binding = request.ns.empty() ? " with a ClusterRole and ClusterRoleBinding" : "";
  return fmt::format(
      "forbidden: cannot {} {}{} {} (RBAC: grant verb \"{}\" on resource \"{}\" in {}{})",
      VerbName(request.verb), request.resource.QualifiedName(),
      request.subresource.empty() ? "" : "/" + request.subresource, scope, VerbName(request.verb),
      request.RbacResource(), group, binding);
}

}  // namespace

common::Status ErrorFromResponse(const ApiRequest& request, int http_status,
                                 std::string_view body) {
  auto [reason, message] = GenericReason(http_status);
  std::string reason_text(reason);
  std::string server_message(message);
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (StringField(parsed, {"kind"}) == "Status") {
    std::string r = StringField(parsed, {"reason"});
    std::string m = StringField(parsed, {"message"});
    if (!r.empty()) reason_text = r;
    if (!m.empty()) server_message = m;
  } else if (!body.empty()) {
    server_message += ": " + Excerpt(body);
  }

  std::string what;
  if (http_status == 401) {
    what = fmt::format(
        "unauthorized: the API server did not accept the credentials for {} (check the token or "
        "client certificate of the kubeconfig user, or the service-account token)",
        request.Describe());
  } else if (http_status == 403) {
    what = RbacHint(request);
  } else {
    what = request.Describe();
  }
  return common::Status(CodeFor(http_status, reason_text),
                        fmt::format("{}: {}{}{}, HTTP {})", what, server_message, kReasonMarker,
                                    reason_text, http_status));
}

std::string KubeErrorReason(const common::Status& status) {
  const std::string& message = status.message();
  if (status.ok() || message.empty() || message.back() != ')') return "";
  size_t start = message.rfind(kReasonMarker);
  if (start == std::string::npos) return "";
  start += kReasonMarker.size();
  size_t comma = message.find(", HTTP ", start);
  if (comma == std::string::npos) return "";
  return message.substr(start, comma - start);
}

}  // namespace rebound::kube
