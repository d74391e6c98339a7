#include "kube/api_request.h"

#include <fmt/format.h>

#include "common/percent_encoding.h"

namespace rebound::kube {
namespace {

bool NeedsName(Verb verb) { return verb != Verb::kList && verb != Verb::kCreate; }

common::Status CheckSegment(std::string_view what, std::string_view value) {
  if (value == "." || value == "..") {
    return common::InvalidArgument(
        fmt::format("{} \"{}\" is not a valid object name", what, value));
  }
  return common::Status::Ok();
}

}  // namespace

std::string_view VerbName(Verb verb) {
  switch (verb) {
    case Verb::kGet:
      return "get";
    case Verb::kList:
      return "list";
    case Verb::kCreate:
      return "create";
    case Verb::kUpdate:
      return "update";
    case Verb::kPatch:
      return "patch";
    case Verb::kDelete:
      return "delete";
  }
  return "unknown";
}

std::string_view HttpMethod(Verb verb) {
  switch (verb) {
    case Verb::kGet:
    case Verb::kList:
      return "GET";
    case Verb::kCreate:
      return "POST";
    case Verb::kUpdate:
      return "PUT";
    case Verb::kPatch:
      return "PATCH";
    case Verb::kDelete:
      return "DELETE";
  }
  return "GET";
}

ApiRequest ApiRequest::For(Verb verb, const Resource& resource, std::string_view ns,
                           std::string_view name, std::string_view subresource) {
  ApiRequest request;
  request.verb = verb;
  request.resource = resource;
  request.ns = std::string(ns);
  request.name = std::string(name);
  request.subresource = std::string(subresource);
  return request;
}

common::Result<std::string> ApiRequest::PathAndQuery() const {
  std::string what = Describe();
  if (!resource.namespaced && !ns.empty()) {
    return common::InvalidArgument(fmt::format(
        "{}: {} are cluster-scoped; no namespace may be given", what, resource.QualifiedName()));
  }
  if (resource.namespaced && ns.empty() && verb != Verb::kList) {
    return common::InvalidArgument(fmt::format("{}: a namespace is required", what));
  }
  if (NeedsName(verb) == name.empty()) {
    return common::InvalidArgument(
        fmt::format("{}: {}", what, name.empty() ? "a name is required" : "no name may be given"));
  }
  REBOUND_RETURN_IF_ERROR(CheckSegment("namespace", ns));
  REBOUND_RETURN_IF_ERROR(CheckSegment("name", name));

  std::string path = resource.GroupVersionPath();
  if (!ns.empty()) path += "/namespaces/" + common::PercentEncode(ns);
  path += "/";
  path += resource.plural;
  if (!name.empty()) path += "/" + common::PercentEncode(name);
  if (!subresource.empty()) path += "/" + common::PercentEncode(subresource);
  char separator = '?';
  for (const auto& [key, value] : query) {
    path += separator;
    path += common::PercentEncode(key) + "=" + common::PercentEncode(value);
    separator = '&';
  }
  return path;
}

std::string ApiRequest::Describe() const {
  std::string out = fmt::format("{} {}", VerbName(verb), resource.QualifiedName());
  if (!subresource.empty()) out += "/" + subresource;
  if (!name.empty()) out += fmt::format(" \"{}\"", name);
  if (!ns.empty()) {
    out += fmt::format(" in namespace \"{}\"", ns);
  } else if (resource.namespaced && verb == Verb::kList) {
    out += " in all namespaces";
  }
  return out;
}

std::string ApiRequest::RbacResource() const {
  std::string out(resource.plural);
  if (!subresource.empty()) out += "/" + subresource;
  return out;
}

}  // namespace rebound::kube
