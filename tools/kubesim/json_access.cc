#include "tools/kubesim/json_access.h"

#include <charconv>

namespace rebound::kubesim {

const json* Find(const json& object, std::string_view pointer) {
  const json* at = &object;
  size_t pos = 0;
  while (pos < pointer.size()) {
    if (pointer[pos] != '/' || !at->is_object()) return nullptr;
    size_t next = pointer.find('/', pos + 1);
    std::string key(pointer.substr(
        pos + 1, next == std::string_view::npos ? std::string_view::npos : next - pos - 1));
    // JSON pointer escapes: "~1" is '/', "~0" is '~'.
    for (size_t i = key.find('~'); i != std::string::npos; i = key.find('~', i + 1)) {
      if (i + 1 < key.size() && (key[i + 1] == '0' || key[i + 1] == '1')) {
        key.replace(i, 2, key[i + 1] == '0' ? "~" : "/");
      }
    }
    auto it = at->find(key);
    if (it == at->end()) return nullptr;
    at = &*it;
    pos = next == std::string_view::npos ? pointer.size() : next;
  }
  return at;
}

std::string StringAt(const json& object, std::string_view pointer, std::string fallback) {
  const json* value = Find(object, pointer);
  return value != nullptr && value->is_string() ? value->get<std::string>() : fallback;
}

int64_t IntAt(const json& object, std::string_view pointer, int64_t fallback) {
  const json* value = Find(object, pointer);
  return value != nullptr && value->is_number_integer() ? value->get<int64_t>() : fallback;
}

bool BoolAt(const json& object, std::string_view pointer, bool fallback) {
  const json* value = Find(object, pointer);
  return value != nullptr && value->is_boolean() ? value->get<bool>() : fallback;
}

json& EnsureObject(json& object, std::string_view pointer) {
  json* at = &object;
  if (!at->is_object()) *at = json::object();
  size_t pos = 0;
  while (pos < pointer.size()) {
    size_t next = pointer.find('/', pos + 1);
    std::string key(pointer.substr(
        pos + 1, next == std::string_view::npos ? std::string_view::npos : next - pos - 1));
    json& child = (*at)[key];
    if (!child.is_object()) child = json::object();
    at = &child;
    pos = next == std::string_view::npos ? pointer.size() : next;
  }
  return *at;
}

std::map<std::string, std::string> StringMapAt(const json& object, std::string_view pointer) {
  std::map<std::string, std::string> out;
  const json* map = Find(object, pointer);
  if (map == nullptr || !map->is_object()) return out;
  for (const auto& [key, value] : map->items()) {
    if (value.is_string()) out[key] = value.get<std::string>();
  }
  return out;
}

std::string NameOf(const json& object) { return StringAt(object, "/metadata/name"); }
std::string NamespaceOf(const json& object) { return StringAt(object, "/metadata/namespace"); }
std::string UidOf(const json& object) { return StringAt(object, "/metadata/uid"); }

uint64_t ResourceVersionOf(const json& object) {
  uint64_t rv = 0;
  return ParseResourceVersion(StringAt(object, "/metadata/resourceVersion"), rv) ? rv : 0;
}

bool ParseResourceVersion(std::string_view text, uint64_t& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace rebound::kubesim
