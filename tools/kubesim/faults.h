// Fault injection for the simulated API itself: the next N requests matching a verb, a
// resource and optionally a namespace and a substring of the request body answer 409 Conflict, 429
// with Retry-After, 500, 503 with Retry-After, or hang (no answer until the client gives up or a
// maximum hang time passes). Faults are set from the scenario file or at run time through POST
// /kubesim/v1/faults.
//
// Fault format (YAML in a scenario, the same keys as JSON on the API):
//   verb: patch              # get|list|watch|create|update|patch|delete|deletecollection|*
//   resource: deployments    # plural; "deployments/scale" for a subresource; * for all
//   namespace: shop          # optional
//   bodyContains: restartedAt  # optional: only requests whose body contains this text, e.g.
//                            # a rollout restart's PATCH but not the annotation PATCH before it
//   type: conflict           # conflict|throttle|error|unavailable|hang
//   count: 2                 # how many matching requests fail (default 1)
//   retryAfterSeconds: 1     # throttle and unavailable (default 1)
//   maxHang: 30s             # hang: answer 504 after this long (default 30s)
//
// Thread-safety: every method is thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/yaml_util.h"
#include "tools/kubesim/api_error.h"
#include "tools/kubesim/api_request.h"

namespace rebound::kubesim {

struct FaultSpec {
  enum class Type { kConflict, kThrottle, kError, kUnavailable, kHang };
  std::string verb = "*";
  std::string resource = "*";
  std::string ns;  // "" matches every namespace
  std::string body_contains;  // "" matches every body
  Type type = Type::kError;
  int count = 1;
  int retry_after_seconds = 1;
  std::chrono::milliseconds max_hang{30000};

  bool Matches(const ApiRequest& request, std::string_view body) const;
  nlohmann::json ToJson() const;
};

// Reads one fault from `node` (named `name` in messages); nullopt after adding errors.
std::optional<FaultSpec> ParseFault(const YAML::Node& node, std::string_view name,
                                    common::YamlErrors& errors);

class FaultInjector {
 public:
  explicit FaultInjector(const common::Clock& clock) : clock_(clock) {}

  void Add(FaultSpec fault);
  void Clear();
  // The faults with requests left to fail, in the order they were added.
  std::vector<FaultSpec> Pending() const;
  // How many requests each fault type has failed so far ("conflict", "hang", ...).
  std::map<std::string, uint64_t> InjectedCounts() const;

  // Consumes one use of the first fault matching `request` with `body`; nullopt when none
  // matches.
  std::optional<FaultSpec> Take(const ApiRequest& request, std::string_view body);
  // The answer for a fault taken for `request`. For a hang it first blocks until
  // `fault.max_hang` has passed on the clock or Shutdown() is called.
  ApiError Answer(const FaultSpec& fault, const ApiRequest& request);
  // Ends every hang at once (server shutdown).
  void Shutdown();
  // Blocks until `count` requests hang at once — each has read the clock for its deadline —
  // or `timeout` passes in real time; false on timeout. Lets a test advance a fake clock
  // past a hang knowing that the hang started before.
  bool WaitForHanging(size_t count, std::chrono::milliseconds timeout);

 private:
  const common::Clock& clock_;
  mutable std::mutex mu_;
  std::condition_variable shutdown_cv_;
  std::condition_variable hanging_cv_;
  bool shutdown_ = false;
  size_t hanging_ = 0;
  std::vector<FaultSpec> faults_;
  std::map<std::string, uint64_t> injected_;
};

}  // namespace rebound::kubesim
