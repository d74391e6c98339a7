#include "tools/kubesim/api_error.h"

namespace rebound::kubesim {
namespace {

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

nlohmann::json Details(const ResourceType& type, std::string_view name) {
  nlohmann::json details = {{"group", type.group}, {"kind", type.resource}};
  if (!name.empty()) details["name"] = name;
  return details;
}

}  // namespace

nlohmann::json ApiError::ToStatus() const {
  nlohmann::json status = {
      {"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
      {"status", "Failure"}, {"message", message}, {"reason", reason},
      {"code", code}};
  if (!details.is_null()) status["details"] = details;
  return status;
}

common::HttpResponse ApiError::ToResponse() const {
  common::HttpResponse response = common::HttpResponse::Json(code, ToStatus());
  response.headers = headers;
  return response;
}

ApiError ApiError::NotFound(const ResourceType& type, std::string_view name) {
  return {404,
          "NotFound",
          type.QualifiedResource() + " " + Quoted(name) + " not found",
          Details(type, name),
          {}};
}

ApiError ApiError::NoSuchPath() {
  return {404,
          "NotFound",
          "the server could not find the requested resource",
          nlohmann::json::object(),
          {}};
}

ApiError ApiError::Conflict(const ResourceType& type, std::string_view name) {
  return ConflictWithMessage(type, name,
                             "the object has been modified; please apply your changes to the "
                             "latest version and try again");
}

ApiError ApiError::ConflictWithMessage(const ResourceType& type, std::string_view name,
                                       std::string_view why) {
  return {409,
          "Conflict",
          "Operation cannot be fulfilled on " + type.QualifiedResource() + " " + Quoted(name) +
              ": " + std::string(why),
          Details(type, name),
          {}};
}

ApiError ApiError::AlreadyExists(const ResourceType& type, std::string_view name) {
  return {409,
          "AlreadyExists",
          type.QualifiedResource() + " " + Quoted(name) + " already exists",
          Details(type, name),
          {}};
}

ApiError ApiError::Invalid(std::string_view kind_name, std::string_view group,
                           std::string_view kind, std::string_view name,
                           std::vector<FieldCause> causes) {
  std::string message = std::string(kind_name) + " " + Quoted(name) + " is invalid: ";
  nlohmann::json json_causes = nlohmann::json::array();
  std::string list;
  for (const FieldCause& cause : causes) {
    json_causes.push_back(
        {{"reason", cause.reason}, {"message", cause.message}, {"field", cause.field}});
    list += (list.empty() ? "" : ", ") + cause.field + ": " + cause.message;
  }
  message += causes.size() == 1 ? list : "[" + list + "]";
  return {422,
          "Invalid",
          message,
          {{"name", name}, {"group", group}, {"kind", kind}, {"causes", json_causes}},
          {}};
}

ApiError ApiError::BadRequest(std::string_view message) {
  return {400, "BadRequest", std::string(message), nullptr, {}};
}

ApiError ApiError::UnsupportedMediaType(std::string_view content_type) {
  return {415,
          "UnsupportedMediaType",
          "the body of the request was in an unknown format (" + std::string(content_type) +
              ") - accepted media types include: application/json, "
              "application/json-patch+json, application/merge-patch+json, "
              "application/strategic-merge-patch+json",
          nullptr,
          {}};
}

ApiError ApiError::MethodNotAllowed(std::string_view method) {
  return {405,
          "MethodNotAllowed",
          "the server does not allow this method on the requested resource (" +
              std::string(method) + ")",
          nlohmann::json::object(),
          {}};
}

ApiError ApiError::Unauthorized() { return {401, "Unauthorized", "Unauthorized", nullptr, {}}; }

ApiError ApiError::Forbidden(const ResourceType& type, std::string_view name,
                             std::string_view subresource, std::string_view user,
                             std::string_view verb, std::string_view ns) {
  std::string subject = type.QualifiedResource() + (name.empty() ? "" : " " + Quoted(name));
  std::string resource =
      type.resource + (subresource.empty() ? "" : "/" + std::string(subresource));
  std::string message = subject + " is forbidden: User " + Quoted(user) + " cannot " +
                        std::string(verb) + " resource " + Quoted(resource) + " in API group " +
                        Quoted(type.group) +
                        (ns.empty() ? " at the cluster scope" : " in the namespace " + Quoted(ns));
  return {403, "Forbidden", message, Details(type, name), {}};
}

ApiError ApiError::TooManyRequests(int retry_after_seconds) {
  return {429,
          "TooManyRequests",
          "the server has received too many requests and has asked us to try again later",
          {{"retryAfterSeconds", retry_after_seconds}},
          {{"Retry-After", std::to_string(retry_after_seconds)}}};
}

ApiError ApiError::ServiceUnavailable(int retry_after_seconds) {
  return {503,
          "ServiceUnavailable",
          "the server is currently unable to handle the request",
          {{"retryAfterSeconds", retry_after_seconds}},
          {{"Retry-After", std::to_string(retry_after_seconds)}}};
}

ApiError ApiError::Internal(std::string_view message) {
  nlohmann::json causes = nlohmann::json::array();
  causes.push_back({{"message", message}});
  return {500,
          "InternalError",
          "Internal error occurred: " + std::string(message),
          {{"causes", causes}},
          {}};
}

ApiError ApiError::Timeout() {
  return {504,
          "Timeout",
          "Timeout: request did not complete within the allotted timeout",
          nlohmann::json::object(),
          {}};
}

ApiError ApiError::Expired(uint64_t requested, uint64_t oldest) {
  return {410,
          "Expired",
          "too old resource version: " + std::to_string(requested) + " (" + std::to_string(oldest) +
              ")",
          nullptr,
          {}};
}

ApiError ApiError::FromStatus(const common::Status& status, const ResourceType& type,
                              std::string_view name) {
  switch (status.code()) {
    case common::StatusCode::kNotFound:
      return NotFound(type, name);
    case common::StatusCode::kAlreadyExists:
      return AlreadyExists(type, name);
    case common::StatusCode::kConflict:
      return ConflictWithMessage(type, name, status.message());
    case common::StatusCode::kInvalidArgument:
      return BadRequest(status.message());
    default:
      return Internal(status.message());
  }
}

}  // namespace rebound::kubesim
