#include "controller/chaos/experiment.h"

namespace rebound::controller::chaos {

std::string_view FaultTypeName(FaultType type) {
  switch (type) {
    case FaultType::kPodKill:
      return "pod-kill";
    case FaultType::kScaleToZero:
      return "scale-to-zero";
    case FaultType::kScaleDown:
      return "scale-down";
    case FaultType::kCordonNode:
      return "cordon-node";
  }
  return "unknown";
}

std::optional<FaultType> FaultTypeFromName(std::string_view name) {
  for (FaultType type : {FaultType::kPodKill, FaultType::kScaleToZero, FaultType::kScaleDown,
                         FaultType::kCordonNode}) {
    if (FaultTypeName(type) == name) return type;
  }
  return std::nullopt;
}

bool FaultTakesAmount(FaultType type) {
  return type == FaultType::kPodKill || type == FaultType::kScaleDown;
}

std::string_view TargetKindName(TargetKind kind) {
  switch (kind) {
    case TargetKind::kDeployment:
      return "Deployment";
    case TargetKind::kStatefulSet:
      return "StatefulSet";
    case TargetKind::kNode:
      return "Node";
  }
  return "unknown";
}

std::optional<TargetKind> TargetKindFromName(std::string_view name) {
  for (TargetKind kind : {TargetKind::kDeployment, TargetKind::kStatefulSet, TargetKind::kNode}) {
    if (TargetKindName(kind) == name) return kind;
  }
  return std::nullopt;
}

std::string_view PickName(Pick pick) {
  switch (pick) {
    case Pick::kRandom:
      return "random";
    case Pick::kLeastRecentlyProven:
      return "least-recently-proven";
  }
  return "unknown";
}

std::optional<Pick> PickFromName(std::string_view name) {
  for (Pick pick : {Pick::kRandom, Pick::kLeastRecentlyProven}) {
    if (PickName(pick) == name) return pick;
  }
  return std::nullopt;
}

}  // namespace rebound::controller::chaos
