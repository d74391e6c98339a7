#include "anomaly/scorer.h"

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numbers>
#include <type_traits>

namespace rebound::anomaly {
namespace {

// Fixed-capacity Eigen types: no allocation per sample, and a known size for MemoryBytes.
using Vec = Eigen::Matrix<double, Eigen::Dynamic, 1, 0, kMaxSignals, 1>;
using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, 0, kMaxSignals, kMaxSignals>;
using Counts = Eigen::Matrix<std::int64_t, Eigen::Dynamic, 1, 0, kMaxSignals, 1>;

// A seasonal profile has at most this many buckets per period, whatever the period's length in
// samples: memory stays bounded and each bucket sees enough samples to be learnt.
constexpr int kMaxSeasonBuckets = 288;
constexpr int kMaxShortWindow = 64;
// The shrunk covariance's inverse is recomputed every this many samples (O(k^3) / 32).
constexpr int kInverseRefresh = 32;
// Residuals and range breaks are capped (in typical deviations) so that a huge but finite value
// keeps every later computation finite.
constexpr double kMaxDeviations = 1e6;
// A range break's score lies within this of 1.
constexpr double kRangeBreakTail = 1e-4;
// Surprise is capped (in nats): past it, every deviation is "impossible" alike.
constexpr double kMaxSurprise = 700;

double Alpha(double halflife) { return 1.0 - std::exp(-std::numbers::ln2 / halflife); }

// -ln P(X >= x) for X chi-squared with `dof` degrees of freedom (integer), accurate in the
// tail, where it matters: the sums are the regularised upper incomplete gamma function's
// closed forms for integer and half-integer shapes.
double ChiSquaredSurprise(double x, int dof) {
  if (!(x > 0)) return 0;
  // Past this, -ln Q exceeds the cap for every dof up to 16 (and the sums below would overflow).
  if (!(x < 2000)) return kMaxSurprise;
  const double h = x / 2;
  double log_q;
  if (dof % 2 == 0) {
    double term = 1, sum = 1;
    for (int i = 1; i < dof / 2; ++i) {
      term *= h / i;
      sum += term;
    }
    log_q = -h + std::log(sum);
  } else {
    const double root = std::sqrt(h);
    double term = root / std::tgamma(1.5), sum = 0;
    for (int i = 1; i <= (dof - 1) / 2; ++i) {
      sum += term;
      term *= h / (i + 0.5);
    }
    const double q = std::erfc(root) + std::exp(-h) * sum;
    log_q = q > 1e-300 ? std::log(q) : -h;
  }
  return std::clamp(-log_q, 0.0, kMaxSurprise);
}

double NormalCdf(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }

}  // namespace

struct Scorer::State {
  ScorerOptions options;
  int k = 1;
  int buckets = 0;  // seasonal buckets per period, 0 without seasonality
  double alpha_level = 0, alpha_scale = 0, alpha_cov = 0, alpha_long = 0;

  // Per signal: expected value, typical absolute deviation, the range ever seen, and how many
  // values were learnt.
  Vec level, scale, low, high;
  Vec season_level, season_scale;  // the seasonal model's own level and deviation
  Eigen::Matrix<std::uint64_t, Eigen::Dynamic, 1, 0, kMaxSignals, 1> count;
  // Per signal and model (plain, seasonal): residuals in a row beyond the clip, signed by
  // their side (re-anchoring).
  Counts run, season_run;
  // Per signal: the previous value, the length of the current run of identical values, and
  // the longest run that has ended (flatline rule).
  Vec last;
  Counts flat_run, flat_longest;
  Eigen::ArrayXXd seasonal;  // buckets x k: the profile's deviation from the level per bucket

  // Joint behaviour of the standardised residuals.
  Mat covariance, inverse;
  int since_inverse = 0;

  // The history of the recent surprise ("anomaly likelihood").
  double long_mean = 0, long_var = 0;
  std::array<double, kMaxShortWindow> recent{};
  int recent_next = 0, recent_size = 0;
  double recent_sum = 0;

  std::uint64_t samples = 0;  // samples learnt
  std::uint64_t ticks = 0;    // samples seen, skipped ones included: the position in the season
  double score = 0;
  Vec shares;
  int top = -1;

  void Reset() {
    level = Vec::Zero(k);
    scale = Vec::Zero(k);
    low = Vec::Zero(k);
    high = Vec::Zero(k);
    season_level = Vec::Zero(k);
    season_scale = Vec::Zero(k);
    count.setZero(k);
    run.setZero(k);
    season_run.setZero(k);
    last = Vec::Zero(k);
    flat_run.setZero(k);
    flat_longest.setZero(k);
    seasonal = Eigen::ArrayXXd::Zero(buckets, k);
    covariance = Mat::Identity(k, k);
    inverse = Mat::Identity(k, k);
    shares = Vec::Zero(k);
  }

  double Update(std::span<const double> sample);

  // Whether the state is one Update can have produced: every learnt number finite, and the
  // likelihood stage's statistics of values in [0, 1] within [0, 1] (a check of restored state:
  // a huge value there would overflow and make every later score NaN).
  bool Valid() const {
    const bool vectors = level.allFinite() && scale.allFinite() && low.allFinite() &&
                         high.allFinite() && last.allFinite() && season_level.allFinite() &&
                         season_scale.allFinite() && (flat_run.array() >= 0).all() &&
                         (flat_longest.array() >= 0).all() && seasonal.allFinite() &&
                         covariance.allFinite() && inverse.allFinite() && shares.allFinite();
    auto unit = [](double v) { return v >= 0 && v <= 1; };
    return vectors && unit(long_mean) && unit(long_var) && unit(score) && recent_sum >= 0 &&
           recent_sum <= recent_size + 1e-6 && std::all_of(recent.begin(), recent.end(), unit);
  }

 private:
  // Learns signal j's value x and returns its standardised residual; raises `excess` to how far
  // x lies beyond the signal's range when the range rule applies.
  double Residual(int j, double x, double& excess);
  // One expected-value model (level, typical deviation, run of residuals beyond the clip,
  // optional seasonal bucket): learns x, the signal's n-th value, and returns its standardised
  // residual before learning.
  double Track(double& lev, double& typical, std::int64_t& beyond_clip, double* season, double x,
               std::uint64_t n) const;
  // The flatline rule: learns signal j's n-th value x and returns whether it makes a run of
  // identical values a new record (see ScorerOptions::Tuning::flatline).
  bool Flatline(int j, double x, std::uint64_t n);
  // A constant signal has no spread: the floor keeps z finite, and any change then counts as
  // the large deviation it is.
  static double Spread(double typical, double lev) {
    return std::max(typical, 1e-9 * std::max(1.0, std::abs(lev)));
  }
  // Shares of the evidence: of the distance, or of the range breaks (weighted by distance)
  // when there are any.
  void Attribute(const Vec& z, const Vec& weighted, const Vec& breaks);
  // The likelihood stage: how unusual the recent average surprise is against its history.
  double Likelihood(double surprise);
};

double Scorer::State::Track(double& lev, double& typical, std::int64_t& beyond_clip, double* season,
                            double x, std::uint64_t n) const {
  const ScorerOptions::Tuning& tuning = options.tuning;
  const double residual = x - (lev + (season ? *season : 0.0));
  const double spread = Spread(typical, lev);
  // Learning sees the residual clipped, so one outlier moves neither the level nor the spread
  // much, while a lasting shift is followed within a few half-lives.
  const double bound = tuning.clip * spread;
  const double clipped = std::clamp(residual, -bound, bound);
  const double warm = 1.0 / static_cast<double>(n);
  // Re-anchoring: a whole short window beyond the clip on one side is a new level, not a run of
  // outliers; creeping towards it at the clip would leave every sample until then (hundreds on
  // a flat signal, whose spread must regrow from its floor) an alarm.
  const int side = tuning.reanchor == 0 ? 0 : residual > bound ? 1 : residual < -bound ? -1 : 0;
  beyond_clip = side == 0 ? 0 : beyond_clip * side > 0 ? beyond_clip + side : side;
  if (std::abs(beyond_clip) >= tuning.short_window) {
    lev += residual;
    beyond_clip = 0;
  } else {
    lev += std::max(alpha_level, warm) * clipped;
  }
  typical +=
      std::max(alpha_scale, warm) * ((n == 2 ? std::abs(residual) : std::abs(clipped)) - typical);
  if (season) {
    // Additive Holt-Winters: the bucket learns what the level leaves, one visit per period,
    // averaging the first periods equally and then weighting the newest by season_rate.
    const double visits = static_cast<double>(ticks / options.season + 1);
    *season += std::max(tuning.season_rate, 1.0 / visits) * (x - lev - *season);
  }
  return n > 2 ? residual / spread : 0.0;
}

bool Scorer::State::Flatline(int j, double x, std::uint64_t n) {
  if (n > 1 && x == last(j)) {
    ++flat_run(j);
  } else {
    flat_longest(j) = std::max(flat_longest(j), flat_run(j));
    flat_run(j) = 1;
  }
  last(j) = x;
  // Only a run that started after warm-up: a signal constant from its start is ordinary.
  const auto started = static_cast<std::int64_t>(n) - flat_run(j) + 1;
  const std::int64_t record =
      std::max<std::int64_t>(options.tuning.short_window, flat_longest(j) + 1);
  return options.tuning.flatline == 1 && started > options.warmup && flat_run(j) == record;
}

double Scorer::State::Residual(int j, double x, double& excess) {
  const ScorerOptions::Tuning& tuning = options.tuning;
  const std::uint64_t n = ++count(j);
  if (Flatline(j, x, n)) excess = std::max(excess, 0.0);
  if (n == 1) {
    level(j) = season_level(j) = low(j) = high(j) = x;
    return 0;
  }
  // The range rule, in units of the signal's typical deviation widened by a fraction of the
  // range (a record beaten by a hair is no news for a spiky series).
  const double unit = Spread(scale(j), level(j)) + tuning.range_width * (high(j) - low(j));
  const double beyond = std::max(x - high(j), low(j) - x) / unit;
  if (tuning.range_margin >= 0 && n > static_cast<std::uint64_t>(options.warmup) &&
      beyond > tuning.range_margin)
    excess = std::max(excess, beyond);
  low(j) = std::min(low(j), x);
  high(j) = std::max(high(j), x);

  const double z = Track(level(j), scale(j), run(j), nullptr, x, n);
  if (buckets == 0) return z;
  // The seasonal model runs alongside and is used once two periods have been seen, for as long
  // as it predicts clearly better than the plain one: most signals have no daily pattern, and a
  // profile learnt on noise only adds noise.
  const auto period = static_cast<std::uint64_t>(options.season);
  double& bucket = seasonal((ticks % period) * buckets / period, j);
  const double z_seasonal = Track(season_level(j), season_scale(j), season_run(j), &bucket, x, n);
  const bool seasonal_wins = ticks >= 2 * period && season_scale(j) < tuning.season_gain * scale(j);
  return seasonal_wins ? z_seasonal : z;
}

void Scorer::State::Attribute(const Vec& z, const Vec& weighted, const Vec& breaks) {
  // A signal's share of the distance is z_j times its row of inverse * z, negatives dropped.
  shares = breaks.sum() > 0 ? breaks : Vec(z.cwiseProduct(weighted).cwiseMax(0.0));
  const double total = shares.sum();
  top = -1;
  if (total > 0) {
    shares /= total;
    shares.maxCoeff(&top);
  }
}

double Scorer::State::Likelihood(double surprise) {
  // Averaging a few samples turns one noisy point into weak evidence and a sustained change
  // into strong evidence; comparing with the history discounts series that are always noisy.
  const int window = options.tuning.short_window;
  if (recent_size == window) {
    recent_sum -= recent[recent_next];
  } else {
    ++recent_size;
  }
  recent[recent_next] = surprise;
  recent_sum += surprise;
  recent_next = (recent_next + 1) % window;
  const double recent_mean = recent_sum / recent_size;

  const double deviation = recent_mean - long_mean;
  const double likelihood = NormalCdf(deviation / std::sqrt(std::max(long_var, 1e-12)));
  const double a_long = std::max(alpha_long, 1.0 / static_cast<double>(samples));
  long_mean += a_long * deviation;
  long_var += a_long * (deviation * deviation - long_var);
  return likelihood;
}

double Scorer::State::Update(std::span<const double> sample) {
  const ScorerOptions::Tuning& tuning = options.tuning;
  Vec z = Vec::Zero(k), breaks = Vec::Zero(k);
  std::array<bool, kMaxSignals> present{};
  int observed = 0;
  double excess = -1;  // the largest range break of this sample, -1 for none
  for (int j = 0; j < k; ++j) {
    if (!std::isfinite(sample[j])) continue;
    present[j] = true;
    ++observed;
    double beyond = -1;
    z(j) = std::clamp(Residual(j, sample[j], beyond), -kMaxDeviations, kMaxDeviations);
    beyond = std::min(beyond, kMaxDeviations);
    if (beyond >= 0) breaks(j) = 1 + beyond;  // a break's weight grows with its distance
    excess = std::max(excess, beyond);
  }
  ++ticks;
  if (observed == 0) return score;
  ++samples;

  // Mahalanobis distance of the residuals under their covariance shrunk towards the identity
  // (for k = 1: z squared over the residuals' own variance), as a tail probability.
  if (since_inverse-- <= 0) {
    const Mat shrunk = (1 - tuning.shrinkage) * covariance + tuning.shrinkage * Mat::Identity(k, k);
    inverse = shrunk.llt().solve(Mat::Identity(k, k));
    since_inverse = kInverseRefresh;
  }
  const Vec weighted = inverse * z;
  const double distance = std::max(0.0, z.dot(weighted));
  // Only pairs of signals both present learn: a missing signal's variance and correlations stay
  // as they were.
  const Vec clipped = z.cwiseMax(-tuning.clip).cwiseMin(tuning.clip);
  for (int a = 0; a < k; ++a) {
    if (!present[a]) continue;
    for (int b = 0; b < k; ++b) {
      if (present[b]) covariance(a, b) += alpha_cov * (clipped(a) * clipped(b) - covariance(a, b));
    }
  }
  Attribute(z, weighted, breaks);

  // How unusual this sample is, in [0, 1]: 1 - P(a distance at least this large), with one
  // degree of freedom per signal present.
  const double unusual = -std::expm1(-ChiSquaredSurprise(distance, observed));
  const double likelihood = Likelihood(unusual);
  if (samples < static_cast<std::uint64_t>(options.warmup)) {
    score = 0;
  } else {
    // A value beyond anything the signal ever showed is as unusual as it gets: it scores above
    // 1 - kRangeBreakTail, the further beyond the higher.
    score = excess >= 0 ? 1 - kRangeBreakTail / (1 + tuning.range_excess * excess) : likelihood;
  }
  return score;
}

common::Result<Scorer> Scorer::Create(const ScorerOptions& options) {
  const ScorerOptions::Tuning& t = options.tuning;
  if (options.signals < 1 || options.signals > kMaxSignals)
    return common::InvalidArgument("signals must be between 1 and 16, not " +
                                   std::to_string(options.signals));
  if (options.season < 0) return common::InvalidArgument("season must not be negative");
  if (options.warmup < 2) return common::InvalidArgument("warmup must be at least 2 samples");
  if (!(t.level_halflife > 0 && t.scale_halflife > 0 && t.covariance_halflife > 0 &&
        t.long_halflife > 0))
    return common::InvalidArgument("half-lives must be positive");
  if (!(t.season_rate > 0 && t.season_rate <= 1))
    return common::InvalidArgument("season_rate must be in (0, 1]");
  if (!(t.season_gain > 0 && t.season_gain <= 1))
    return common::InvalidArgument("season_gain must be in (0, 1]");
  if (!(t.range_excess >= 0)) return common::InvalidArgument("range_excess must not be negative");
  if (!(t.range_width >= 0)) return common::InvalidArgument("range_width must not be negative");
  if (!(t.clip > 0)) return common::InvalidArgument("clip must be positive");
  if (!(t.shrinkage > 0 && t.shrinkage <= 1))
    return common::InvalidArgument("shrinkage must be in (0, 1]");
  if (t.short_window < 1 || t.short_window > kMaxShortWindow)
    return common::InvalidArgument("short_window must be between 1 and 64");
  for (int component : {t.reanchor, t.flatline}) {
    if (component != 0 && component != 1)
      return common::InvalidArgument("reanchor and flatline must be 0 or 1");
  }

  auto state = std::make_unique<State>();
  state->options = options;
  state->k = options.signals;
  state->buckets = std::min(options.season, kMaxSeasonBuckets);
  state->alpha_level = Alpha(t.level_halflife);
  state->alpha_scale = Alpha(t.scale_halflife);
  state->alpha_cov = Alpha(t.covariance_halflife);
  state->alpha_long = Alpha(t.long_halflife);
  state->Reset();
  return Scorer(std::move(state));
}

Scorer::Scorer(std::unique_ptr<State> state) : state_(std::move(state)) {}
Scorer::Scorer(Scorer&&) noexcept = default;
Scorer& Scorer::operator=(Scorer&&) noexcept = default;
Scorer::Scorer(const Scorer& other) : state_(std::make_unique<State>(*other.state_)) {}
Scorer& Scorer::operator=(const Scorer& other) {
  if (this != &other) state_ = std::make_unique<State>(*other.state_);
  return *this;
}
Scorer::~Scorer() = default;

double Scorer::Update(std::span<const double> sample) {
  assert(static_cast<int>(sample.size()) == state_->k);
  if (static_cast<int>(sample.size()) != state_->k) return 0;
  return state_->Update(sample);
}

double Scorer::score() const { return state_->score; }
std::span<const double> Scorer::contributions() const {
  return std::span<const double>(state_->shares.data(), static_cast<std::size_t>(state_->k));
}
int Scorer::top_signal() const { return state_->top; }
std::size_t Scorer::samples() const { return state_->samples; }
bool Scorer::warm() const {
  return state_->samples >= static_cast<std::uint64_t>(state_->options.warmup);
}
const ScorerOptions& Scorer::options() const { return state_->options; }

std::size_t Scorer::MemoryBytes() const {
  return sizeof(Scorer) + sizeof(State) +
         static_cast<std::size_t>(state_->seasonal.size()) * sizeof(double);
}

// Serialised form: a magic and version, the options, then every field of State in a fixed
// order, native byte order (the state moves between restarts of one build, not machines).
namespace {

constexpr char kMagic[8] = {'R', 'B', 'A', 'N', 'O', 'M', '0', '4'};

class Writer {
 public:
  template <typename T>
  void Put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    bytes_.append(reinterpret_cast<const char*>(&value), sizeof(T));
  }
  void PutDoubles(const double* data, std::size_t n) {
    if (n == 0) return;  // an empty matrix may have no storage at all
    bytes_.append(reinterpret_cast<const char*>(data), n * sizeof(double));
  }
  std::string Take() { return std::move(bytes_); }

 private:
  std::string bytes_;
};

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  template <typename T>
  bool Get(T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (bytes_.size() < sizeof(T)) return false;
    std::memcpy(&value, bytes_.data(), sizeof(T));
    bytes_.remove_prefix(sizeof(T));
    return true;
  }
  bool GetDoubles(double* data, std::size_t n) {
    if (n == 0) return true;  // an empty matrix may have no storage at all
    if (bytes_.size() < n * sizeof(double)) return false;
    std::memcpy(data, bytes_.data(), n * sizeof(double));
    bytes_.remove_prefix(n * sizeof(double));
    return true;
  }
  bool done() const { return bytes_.empty(); }

 private:
  std::string_view bytes_;
};

// Visits every field of the learnt state in the serialised order; `io` is a Writer or Reader.
template <typename IO, typename S>
bool VisitState(IO& io, S& s) {
  auto doubles = [&io](auto& m) {
    if constexpr (std::is_same_v<IO, Writer>) {
      io.PutDoubles(m.data(), static_cast<std::size_t>(m.size()));
      return true;
    } else {
      return io.GetDoubles(m.data(), static_cast<std::size_t>(m.size()));
    }
  };
  auto scalar = [&io](auto& v) {
    if constexpr (std::is_same_v<IO, Writer>) {
      io.Put(v);
      return true;
    } else {
      return io.Get(v);
    }
  };
  bool ok = doubles(s.level) && doubles(s.scale) && doubles(s.low) && doubles(s.high) &&
            doubles(s.season_level) && doubles(s.season_scale) && doubles(s.seasonal) &&
            doubles(s.covariance) && doubles(s.inverse) && doubles(s.shares);
  ok = ok && doubles(s.last);
  for (int j = 0; ok && j < s.k; ++j) {
    ok = scalar(s.count(j)) && scalar(s.run(j)) && scalar(s.season_run(j)) &&
         scalar(s.flat_run(j)) && scalar(s.flat_longest(j));
  }
  return ok && scalar(s.since_inverse) && scalar(s.long_mean) && scalar(s.long_var) &&
         scalar(s.recent) && scalar(s.recent_next) && scalar(s.recent_size) &&
         scalar(s.recent_sum) && scalar(s.samples) && scalar(s.ticks) && scalar(s.score) &&
         scalar(s.top);
}

}  // namespace

std::string Scorer::Serialize() const {
  Writer writer;
  writer.Put(kMagic);
  writer.Put(state_->options);
  VisitState(writer, *state_);
  return writer.Take();
}

common::Result<Scorer> Scorer::Deserialize(std::string_view bytes) {
  Reader reader(bytes);
  char magic[sizeof(kMagic)];
  ScorerOptions options;
  if (!reader.Get(magic) || std::memcmp(magic, kMagic, sizeof(kMagic)) != 0)
    return common::InvalidArgument("not a serialised anomaly scorer of this version");
  if (!reader.Get(options)) return common::InvalidArgument("serialised scorer is truncated");
  auto scorer = Create(options);
  if (!scorer.ok()) return scorer.status().WithContext("serialised scorer has bad options");
  State& state = *scorer->state_;
  if (!VisitState(reader, state) || !reader.done())
    return common::InvalidArgument("serialised scorer is truncated or has trailing bytes");
  if (state.recent_size < 0 || state.recent_size > state.options.tuning.short_window ||
      state.recent_next < 0 || state.recent_next >= state.options.tuning.short_window ||
      state.top < -1 || state.top >= state.k || !state.Valid())
    return common::InvalidArgument("serialised scorer is corrupted");
  return scorer;
}

}  // namespace rebound::anomaly
