// Reading the metrics reference (docs/metrics.md) and a /metrics body into the same shape, so
// that tests can hold what Rebound serves against what the reference documents.
//
// Thread-safety: reentrant.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace rebound::testing {

// A metric family as documented or served: its type as the text format names it ("counter",
// "gauge", "histogram", ...) and its label names (a histogram's `le` aside).
struct FamilyShape {
  std::string type;
  std::set<std::string> labels;
  bool operator==(const FamilyShape&) const = default;
};
using FamilyShapes = std::map<std::string, FamilyShape>;  // by family name

// docs/metrics.md of the source tree.
std::string MetricsReferencePath();

// The families in the tables of a metrics reference: every table row whose first cell is one
// backticked `name` or `name{label,...}`, with the type in the second cell. A name documented
// twice is reported in `errors`.
FamilyShapes DocumentedFamilies(const std::string& markdown, std::vector<std::string>* errors);

// The families of a Prometheus text-format body: one per `# TYPE` line, with the label names of
// its series (`_bucket`, `_sum` and `_count` series count towards their histogram). Unparsable
// series lines are reported in `errors`.
FamilyShapes ServedFamilies(const std::string& text, std::vector<std::string>* errors);

// What differs between `want` and `got`, one line per family, named after the two sides
// (e.g. "docs/metrics.md" and "/metrics"); empty when they are equal. With `only_got`, families
// of `want` missing from `got` are not differences (`got` may show a subset).
std::vector<std::string> FamilyDifferences(const FamilyShapes& want, const std::string& want_name,
                                           const FamilyShapes& got, const std::string& got_name,
                                           bool only_got = false);

}  // namespace rebound::testing
