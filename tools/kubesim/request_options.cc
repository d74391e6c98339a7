#include "tools/kubesim/request_options.h"

namespace rebound::kubesim {
namespace {

std::variant<nlohmann::json, ApiError> Parse(const common::HttpRequest& request) {
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded()) {
    return ApiError::BadRequest("the body of the request could not be decoded as JSON (" +
                                std::to_string(request.body.size()) + " bytes)");
  }
  return body;
}

}  // namespace

std::variant<nlohmann::json, ApiError> JsonBody(const common::HttpRequest& request) {
  std::string_view type = request.Header("Content-Type").value_or("");
  std::string_view media = type.substr(0, type.find(';'));
  if (!media.empty() && media != "application/json" && media != "*/*") {
    return ApiError::UnsupportedMediaType(type);
  }
  return Parse(request);
}

std::variant<nlohmann::json, ApiError> PatchBody(const common::HttpRequest& request) {
  return Parse(request);
}

FieldValidation ValidationOf(const common::HttpRequest& request) {
  return request.QueryParam("fieldValidation").value_or("") == "Strict" ? FieldValidation::kStrict
                                                                        : FieldValidation::kIgnore;
}

bool IsDryRun(const common::HttpRequest& request) {
  return request.QueryParam("dryRun").value_or("") == "All";
}

std::variant<WatchFilter, ApiError> FilterOf(const ApiRequest& api,
                                             const common::HttpRequest& request) {
  WatchFilter filter;
  filter.ns = api.ns;
  auto labels = LabelSelector::Parse(request.QueryParam("labelSelector").value_or(""));
  if (!labels.ok()) return ApiError::BadRequest(labels.status().message());
  auto fields = FieldSelector::Parse(request.QueryParam("fieldSelector").value_or(""));
  if (!fields.ok()) return ApiError::BadRequest(fields.status().message());
  filter.labels = std::move(*labels);
  filter.fields = std::move(*fields);
  return filter;
}

}  // namespace rebound::kubesim
