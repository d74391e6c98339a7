// Exception-free reading and writing of Kubernetes objects held as nlohmann::json.
//
// Objects sent by clients may have any shape; these accessors return the fallback instead of
// throwing when a path is missing or holds another type, and the writer replaces non-objects
// on its way down. Paths are JSON pointers ("/metadata/name").
//
// Thread-safety: pure functions over the values passed in.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace rebound::kubesim {

using nlohmann::json;

// The value at `pointer`, or nullptr when absent.
const json* Find(const json& object, std::string_view pointer);
std::string StringAt(const json& object, std::string_view pointer, std::string fallback = "");
// Integral numbers only (a float or string gives the fallback).
int64_t IntAt(const json& object, std::string_view pointer, int64_t fallback);
bool BoolAt(const json& object, std::string_view pointer, bool fallback);
// The object at `pointer`, creating it (and replacing non-objects) on the way.
json& EnsureObject(json& object, std::string_view pointer);

// The string-to-string map at `pointer` (labels, annotations, matchLabels); non-string
// values are skipped.
std::map<std::string, std::string> StringMapAt(const json& object, std::string_view pointer);

std::string NameOf(const json& object);
std::string NamespaceOf(const json& object);
std::string UidOf(const json& object);
// metadata.resourceVersion as a number; 0 when absent or not a decimal string.
uint64_t ResourceVersionOf(const json& object);

// Parses a decimal resourceVersion; false when `text` is not one.
bool ParseResourceVersion(std::string_view text, uint64_t& out);

}  // namespace rebound::kubesim
