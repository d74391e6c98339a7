// Kubernetes LabelSelectors ({"matchLabels": {...}, "matchExpressions": [...]}) as they appear
// in a Deployment's spec.selector or a PodDisruptionBudget's spec.selector: turned into the
// `labelSelector` query of a list, or evaluated against an object's labels. Pure functions,
// thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"

namespace rebound::controller::actions {

// "app=web,tier in (a,b),!canary": the selector in list-query syntax. InvalidArgument for a
// selector that is not an object, an unknown operator, or In/NotIn without values.
common::Result<std::string> SelectorQuery(const nlohmann::json& selector);

// Whether `labels` (a JSON object of strings; null: no labels) satisfy `selector`. As for
// PodDisruptionBudgets in policy/v1: an empty selector ({}) selects everything, a null or
// malformed one nothing.
bool SelectorMatches(const nlohmann::json& selector, const nlohmann::json& labels);

}  // namespace rebound::controller::actions
