#include "exporter/family.h"

#include <cassert>
#include <string>

namespace rebound::exporter {
namespace {

template <typename T>
prometheus::Family<T>& Register(prometheus::detail::Builder<T> builder,
                                prometheus::Registry& registry, const FamilySpec& spec) {
  return builder.Name(std::string(spec.name)).Help(std::string(spec.help)).Register(registry);
}

}  // namespace

prometheus::Family<prometheus::Counter>& RegisterCounter(prometheus::Registry& registry,
                                                         const FamilySpec& spec) {
  assert(spec.type == prometheus::MetricType::Counter);
  return Register(prometheus::BuildCounter(), registry, spec);
}

prometheus::Family<prometheus::Gauge>& RegisterGauge(prometheus::Registry& registry,
                                                     const FamilySpec& spec) {
  assert(spec.type == prometheus::MetricType::Gauge);
  return Register(prometheus::BuildGauge(), registry, spec);
}

prometheus::Family<prometheus::Histogram>& RegisterHistogram(prometheus::Registry& registry,
                                                             const FamilySpec& spec) {
  assert(spec.type == prometheus::MetricType::Histogram);
  return Register(prometheus::BuildHistogram(), registry, spec);
}

}  // namespace rebound::exporter
