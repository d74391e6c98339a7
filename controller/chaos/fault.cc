#include "controller/chaos/fault.h"

#include <algorithm>
#include <charconv>
#include <numeric>
#include <optional>
#include <random>

#include "controller/actions/action_support.h"
#include "controller/actions/label_selector.h"
#include "kube/object.h"

namespace rebound::controller::chaos {
namespace {

using actions::JsonAt;

// Whether `toleration` (of a pod spec) tolerates `taint` (of a node), as the scheduler judges.
bool Tolerates(const nlohmann::json& toleration, const nlohmann::json& taint) {
  const nlohmann::json& effect = JsonAt(toleration, {"effect"});
  if (effect.is_string() && !effect.get<std::string>().empty() &&
      effect != JsonAt(taint, {"effect"})) {
    return false;
  }
  const nlohmann::json& key = JsonAt(toleration, {"key"});
  const bool any_key = !key.is_string() || key.get<std::string>().empty();
  if (JsonAt(toleration, {"operator"}) == "Exists") return any_key || key == JsonAt(taint, {"key"});
  // Equal (the default): same key and value; a taint without a value equals "".
  const nlohmann::json& value = JsonAt(taint, {"value"});
  const std::string taint_value = value.is_string() ? value.get<std::string>() : "";
  const nlohmann::json& wanted = JsonAt(toleration, {"value"});
  return !any_key && key == JsonAt(taint, {"key"}) &&
         (wanted.is_string() ? wanted.get<std::string>() : "") == taint_value;
}

// `text` as a whole decimal integer (as the scheduler parses Gt and Lt operands).
std::optional<int64_t> ParseInteger(const nlohmann::json& text) {
  if (!text.is_string()) return std::nullopt;
  const std::string& s = text.get_ref<const std::string&>();
  int64_t value = 0;
  auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (error != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// Whether one NodeSelectorRequirement holds for `subject`: the node's labels (matchExpressions)
// or {"metadata.name": name} (matchFields). In, NotIn, Exists and DoesNotExist mean what they
// mean in a label selector, so the label selector's evaluation judges them; Gt and Lt compare
// the label, read as an integer, with the single value. A malformed requirement holds for no
// node, as the API server would not have accepted it.
bool RequirementHolds(const nlohmann::json& requirement, const nlohmann::json& subject) {
  const nlohmann::json& op = JsonAt(requirement, {"operator"});
  if (op != "Gt" && op != "Lt") {
    return actions::SelectorMatches({{"matchExpressions", nlohmann::json::array({requirement})}},
                                    subject);
  }
  const nlohmann::json& values = JsonAt(requirement, {"values"});
  const nlohmann::json& key = JsonAt(requirement, {"key"});
  if (!values.is_array() || values.size() != 1 || !key.is_string()) return false;
  const std::optional<int64_t> bound = ParseInteger(values[0]);
  const std::optional<int64_t> label = ParseInteger(JsonAt(subject, {key.get<std::string>()}));
  if (!bound || !label) return false;
  return op == "Gt" ? *label > *bound : *label < *bound;
}

// Whether every requirement of `requirements` (a JSON array, or absent) holds for `subject`;
// `count` adds how many there were. False for a value that is not an array.
bool AllHold(const nlohmann::json& requirements, const nlohmann::json& subject, size_t& count) {
  if (requirements.is_null()) return true;
  if (!requirements.is_array()) return false;
  count += requirements.size();
  return std::all_of(requirements.begin(), requirements.end(),
                     [&](const nlohmann::json& r) { return RequirementHolds(r, subject); });
}

// Whether `node` matches one NodeSelectorTerm: its matchExpressions (on the node's labels) and
// matchFields (on metadata.name, with In or NotIn only) all hold. A term without requirements
// matches no node.
bool TermMatches(const nlohmann::json& term, const nlohmann::json& node) {
  const nlohmann::json& fields = JsonAt(term, {"matchFields"});
  if (fields.is_array()) {
    for (const nlohmann::json& field : fields) {
      const nlohmann::json& op = JsonAt(field, {"operator"});
      if (JsonAt(field, {"key"}) != "metadata.name" || (op != "In" && op != "NotIn")) return false;
    }
  }
  size_t count = 0;
  return AllHold(JsonAt(term, {"matchExpressions"}), JsonAt(node, {"metadata", "labels"}), count) &&
         AllHold(fields, {{"metadata.name", kube::ObjectName(node)}}, count) && count > 0;
}

// Whether the pod's required node affinity lets it on `node`: its nodeSelectorTerms are ORed.
// No required node affinity: any node.
bool NodeAffinityAllows(const nlohmann::json& pod_spec, const nlohmann::json& node) {
  const nlohmann::json& required = JsonAt(
      pod_spec, {"affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"});
  if (required.is_null()) return true;
  const nlohmann::json& terms = JsonAt(required, {"nodeSelectorTerms"});
  if (!terms.is_array()) return false;
  return std::any_of(terms.begin(), terms.end(),
                     [&](const nlohmann::json& term) { return TermMatches(term, node); });
}

}  // namespace

int FaultAmount(const Fault& fault, int total) {
  if (total <= 0) return 0;
  int amount = 0;
  if (fault.count) {
    amount = *fault.count;
  } else if (fault.percent) {
    amount = (total * *fault.percent + 99) / 100;  // rounded up
  }
  return std::clamp(amount, 0, total);
}

std::vector<size_t> SeededSample(size_t n, size_t k, uint64_t seed) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::mt19937_64 engine(seed);
  k = std::min(k, n);
  for (size_t i = 0; i < k; ++i) {
    // The draw's modulo bias is at most n / 2^64: irrelevant for a few hundred pods, and the
    // arithmetic is the same everywhere (std::uniform_int_distribution is not).
    const size_t j = i + static_cast<size_t>(engine() % (n - i));
    std::swap(order[i], order[j]);
  }
  order.resize(k);
  return order;
}

bool PodReady(const nlohmann::json& pod) {
  return actions::IsReady(pod) && actions::JsonAt(pod, {"metadata", "deletionTimestamp"}).is_null();
}

std::string BlastRadiusRefusal(int ready, int taken, bool allow_total_outage) {
  if (ready <= 0) return "no ready pod to take";
  if (taken >= ready && !allow_total_outage) {
    return "would leave no ready pod of " + std::to_string(ready) + " (allowTotalOutage is false)";
  }
  return "";
}

bool NodeSchedulable(const nlohmann::json& node) {
  return actions::IsReady(node) && JsonAt(node, {"spec", "unschedulable"}) != true;
}

bool PodFitsNode(const nlohmann::json& pod_spec, const nlohmann::json& node) {
  const nlohmann::json& selector = JsonAt(pod_spec, {"nodeSelector"});
  if (selector.is_object()) {
    const nlohmann::json& labels = JsonAt(node, {"metadata", "labels"});
    for (auto it = selector.begin(); it != selector.end(); ++it) {
      if (JsonAt(labels, {it.key()}) != it.value()) return false;
    }
  }
  if (!NodeAffinityAllows(pod_spec, node)) return false;
  const nlohmann::json& taints = JsonAt(node, {"spec", "taints"});
  if (!taints.is_array()) return true;
  const nlohmann::json& tolerations = JsonAt(pod_spec, {"tolerations"});
  for (const nlohmann::json& taint : taints) {
    const nlohmann::json& effect = JsonAt(taint, {"effect"});
    if (effect != "NoSchedule" && effect != "NoExecute") continue;
    const bool tolerated =
        tolerations.is_array() &&
        std::any_of(tolerations.begin(), tolerations.end(),
                    [&](const nlohmann::json& t) { return Tolerates(t, taint); });
    if (!tolerated) return false;
  }
  return true;
}

std::string CordonRefusal(const std::vector<nlohmann::json>& nodes, const std::string& node,
                          const nlohmann::json* pod_spec, bool allow_total_outage) {
  if (allow_total_outage) return "";
  int others = 0;
  int fitting = 0;
  for (const nlohmann::json& other : nodes) {
    if (kube::ObjectName(other) == node || !NodeSchedulable(other)) continue;
    ++others;
    if (pod_spec != nullptr && PodFitsNode(*pod_spec, other)) ++fitting;
  }
  if (others == 0) {
    return "cordoning node " + node + " would leave no schedulable Ready node " +
           "(allowTotalOutage is false)";
  }
  if (pod_spec != nullptr && fitting == 0) {
    return "cordoning node " + node + " would leave the workload's pods no schedulable node " +
           "(allowTotalOutage is false)";
  }
  return "";
}

}  // namespace rebound::controller::chaos
