// FamilySpec: one metric family Rebound publishes, written down once — name, type, help text
// and label names — and the functions that register it on a registry. Every area class of the
// exporter (intake, healing, notify, anomaly, Kubernetes API, self) defines its families as
// FamilySpecs and lists them (Families()), so that the metrics reference in docs/metrics.md
// can be checked against them even for families that have no series yet (prometheus-cpp
// leaves a family without series out of /metrics).
//
// Thread-safety: FamilySpecs are constants; the Register functions are as thread-safe as
// prometheus::Registry (they may be called from any thread).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_type.h>
#include <prometheus/registry.h>

#include <span>
#include <string_view>

namespace rebound::exporter {

struct FamilySpec {
  std::string_view name;
  prometheus::MetricType type;
  std::string_view help;
  // The label names every series of the family carries (a histogram's `le` aside); none when
  // left out.
  std::span<const std::string_view> labels = {};
};

// Register `spec` on `registry`, or return the family already registered under its name. The
// spec's type must be the one named by the function.
prometheus::Family<prometheus::Counter>& RegisterCounter(prometheus::Registry& registry,
                                                         const FamilySpec& spec);
prometheus::Family<prometheus::Gauge>& RegisterGauge(prometheus::Registry& registry,
                                                     const FamilySpec& spec);
prometheus::Family<prometheus::Histogram>& RegisterHistogram(prometheus::Registry& registry,
                                                             const FamilySpec& spec);

}  // namespace rebound::exporter
