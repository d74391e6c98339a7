// Label selectors written as text, as `kubectl -l` and the API's labelSelector query take them
// ("app=checkout,tier in (web,api),!canary"), checked when an experiment is loaded.
//
// The result is the structured LabelSelector (matchExpressions) that
// controller/actions/label_selector.h evaluates, so that the runner filters objects with the
// same code as the disruption guards; that file reads only the structured form, which is why
// the text is parsed here. Accepted: key, !key, key=value, key==value, key!=value,
// key in (v1,v2), key notin (v1,v2); keys are [prefix/]name as Kubernetes allows. The
// comparison operators (<, >), which a LabelSelector cannot express, are refused, and so is
// the empty selector (it would select everything).
//
// Thread-safety: a pure function.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "common/status.h"

namespace rebound::controller::chaos {

// The LabelSelector for `text`: {"matchExpressions": [...]}. InvalidArgument naming the
// 1-based column of the problem and what was expected there.
common::Result<nlohmann::json> ParseLabelSelector(std::string_view text);

}  // namespace rebound::controller::chaos
