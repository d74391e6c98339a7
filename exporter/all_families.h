// AllFamilies: every metric family Rebound publishes, area by area, whether or not it has
// series yet — the list docs/metrics.md documents (tests/exporter/metrics_reference_test.cc
// holds the two together). A new area class adds its Families() here.
//
// Thread-safety: reentrant.
#pragma once

#include <vector>

#include "exporter/family.h"

namespace rebound::exporter {

std::vector<FamilySpec> AllFamilies();

}  // namespace rebound::exporter
