// Scorer: Rebound's streaming anomaly scorer (DESIGN.md section 6).
//
// Fed one sample vector at a time (k signals of one workload, k = 1..16, taken at a fixed
// step), it answers how unusual the latest behaviour is against the workload's own history: a
// score in [0, 1] (probability-like; 0.5 is ordinary, values near 1 are rare) and each
// signal's share of it. The method, and the NAB measurements it was chosen on, are described
// in docs/anomaly.md.
//
// Robustness: a NaN (missing) value is skipped and changes nothing of that signal's state; a
// constant signal scores as ordinary (0.5, no division by zero) until it changes, and then high;
// a level shift scores high and is then learnt as the new normal; a signal that gets stuck on
// one value (a run of identical values longer than any before) scores high once; with `season`
// set, a daily (or any) period is learnt and used once two periods of history show it.
//
// Pure computation: no I/O, no clock, no allocation per sample. State survives restarts
// through Serialize/Deserialize, and the same inputs always give the same scores.
// Thread-safety: none; use one Scorer per thread (or guard it).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace rebound::anomaly {

inline constexpr int kMaxSignals = 16;

struct ScorerOptions {
  // k, the number of signals in each sample (1..kMaxSignals).
  int signals = 1;
  // Samples per seasonal period (e.g. 2880 for a day at a 30 s step); 0 learns no seasonality.
  int season = 0;
  // Samples seen before any score above 0 is given (at least 2).
  int warmup = 30;

  // The method's constants (docs/anomaly.md). The defaults are the ones chosen on the NAB
  // development split; they are options so that the NAB runner can measure alternatives.
  struct Tuning {
    double level_halflife = 60;  // samples: how fast the expected value follows the data
    double scale_halflife = 48;  // samples: how fast the typical deviation follows
    double season_rate = 0.2;    // weight of the newest period in the seasonal profile
    // The seasonal model is used while its typical deviation is below this fraction of the
    // plain model's.
    double season_gain = 0.8;
    double clip = 4;                   // learning sees residuals clipped at this many deviations
    double covariance_halflife = 200;  // samples: the signals' joint behaviour
    double shrinkage = 0.2;            // weight of the identity in the shrunk covariance
    double long_halflife = 3000;       // samples: the history recent surprise is compared with
    int short_window = 10;             // samples averaged as "recent behaviour" (1..64)
    // A break's distance beyond the range is measured in typical deviations plus this fraction
    // of the range's width: a spiky series, whose range is wide, must beat its record by more
    // than a quiet one for the break to count as far.
    double range_width = 0.2;
    // A value beyond the signal's whole history by more than this distance scores near 1;
    // negative turns the rule off.
    double range_margin = 0;
    // How fast a range break's score approaches 1 with its distance beyond the range.
    double range_excess = 200;
    // Components, 1 on and 0 off (docs/anomaly.md, ablations).
    // Re-anchoring: after short_window residuals in a row beyond `clip` deviations on the same
    // side, the expected value jumps to the new value instead of creeping towards it. Off by
    // default: it makes a step on a flat signal alarm for about 20 samples instead of hundreds,
    // but lowered the cross-validated NAB score (noise-free periodic series alarm at every step).
    int reanchor = 0;
    // Flatline rule: a run of identical values, started after warm-up, that becomes longer than
    // both short_window and any run the signal showed before scores like a range break.
    int flatline = 1;
  } tuning;
};

class Scorer {
 public:
  // InvalidArgument for options out of range.
  static common::Result<Scorer> Create(const ScorerOptions& options);

  Scorer(Scorer&&) noexcept;
  Scorer& operator=(Scorer&&) noexcept;
  Scorer(const Scorer&);
  Scorer& operator=(const Scorer&);
  ~Scorer();

  // Learns one sample and returns its score in [0, 1]. `sample` has one value per signal, in
  // the order of the options; NaN or infinity means "missing". A sample with every value
  // missing is skipped: it returns the previous score and changes nothing but the position in
  // the season (time still passed). A sample of the wrong size is a programming error
  // (asserted) and is scored 0 in release builds.
  double Update(std::span<const double> sample);

  // The score of the last Update (0 before any).
  double score() const;
  // Each signal's share of the last score's evidence, in [0, 1], summing to 1 when any
  // signal deviated and all 0 otherwise; missing signals have 0.
  std::span<const double> contributions() const;
  // The index of the signal with the largest contribution, or -1 when none deviated.
  int top_signal() const;
  // Samples learnt so far (skipped ones not counted), and whether the warm-up is over.
  std::size_t samples() const;
  bool warm() const;

  const ScorerOptions& options() const;

  // A self-describing binary form of the whole state; Deserialize(Serialize()) scores the
  // next samples exactly as this scorer would. Deserialize: InvalidArgument for bytes that are
  // not a serialised scorer of this version (truncated, corrupted, from another version).
  std::string Serialize() const;
  static common::Result<Scorer> Deserialize(std::string_view bytes);

  // Bytes this scorer holds, its own object included.
  std::size_t MemoryBytes() const;

 private:
  struct State;
  explicit Scorer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace rebound::anomaly
