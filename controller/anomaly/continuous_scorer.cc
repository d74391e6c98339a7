#include "controller/anomaly/continuous_scorer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <utility>

#include "common/duration.h"

namespace rebound::controller::anomaly {
namespace {

const std::array<std::string, 2> kGroupBy = {"namespace", "workload"};

// `t` rounded down to a multiple of `step` since the epoch.
promql::TimePoint AlignDown(promql::TimePoint t, std::chrono::milliseconds step) {
  auto ms = std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch());
  return promql::TimePoint(ms - ms % step);
}

}  // namespace

ContinuousScorer::ContinuousScorer(Deps deps, std::chrono::milliseconds step,
                                   std::vector<SignalSet> sets)
    : deps_(deps), step_(step), metrics_(deps.registry) {
  ApplySets(std::move(sets));
}

ContinuousScorer::~ContinuousScorer() { Stop(); }

void ContinuousScorer::Start() {
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
}

void ContinuousScorer::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

void ContinuousScorer::Run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    Tick();
    if (!deps_.sleeper.SleepFor(step_, stop)) return;
  }
}

void ContinuousScorer::SetSets(std::vector<SignalSet> sets) {
  std::lock_guard lock(mu_);
  pending_ = std::move(sets);
}

ContinuousScorer::SetState ContinuousScorer::MakeState(SignalSet set) const {
  common::Result<rebound::anomaly::Scorer> prototype =
      rebound::anomaly::Scorer::Create(ScorerOptionsFor(set, step_));
  std::string signature = Signature(set, step_);
  return SetState{std::move(set), std::move(signature), std::move(prototype), {}, false};
}

void ContinuousScorer::ApplySets(std::vector<SignalSet> sets) {
  std::map<std::string, SetState> next;
  for (SignalSet& set : sets) {
    std::string name = set.name;
    metrics_.AddSignalSet(name);
    SetState state = MakeState(std::move(set));
    auto old = sets_.find(name);
    if (old != sets_.end() && old->second.signature == state.signature) {
      state.workloads = std::move(old->second.workloads);
      state.failing = old->second.failing;
      sets_.erase(old);
    }
    next.emplace(std::move(name), std::move(state));
  }
  // What is left was removed or changed: its scorers learnt something else.
  for (auto& [name, state] : sets_) {
    for (auto& [key, workload] : state.workloads) Forget(name, key, workload);
  }
  sets_ = std::move(next);
}

void ContinuousScorer::Restore(promql::TimePoint now) {
  if (deps_.store == nullptr) return;
  common::Result<std::vector<SavedScorer>> saved = deps_.store->LoadAll();
  if (!saved.ok()) {
    spdlog::error("anomaly: cannot restore scorer state, scoring starts afresh: {}",
                  saved.status().message());
    return;
  }
  size_t restored = 0;
  size_t discarded = 0;
  for (SavedScorer& s : *saved) {
    auto set = sets_.find(s.key.set);
    if (set == sets_.end() || set->second.signature != s.signature ||
        now - s.scored_at > set->second.set.lookback) {
      ++discarded;
      forgotten_.push_back(std::move(s.key));
      continue;
    }
    common::Result<rebound::anomaly::Scorer> scorer =
        rebound::anomaly::Scorer::Deserialize(s.state);
    if (!scorer.ok()) {
      spdlog::warn("anomaly: discarding the saved scorer of {}/{} in signal set {}: {}",
                   s.key.namespace_name, s.key.workload, s.key.set, scorer.status().message());
      ++discarded;
      forgotten_.push_back(std::move(s.key));
      continue;
    }
    prometheus::Gauge& gauge = metrics_.Score(s.key.set, s.key.namespace_name, s.key.workload);
    gauge.Set(scorer->score());
    set->second.workloads.emplace(GroupKey{s.key.namespace_name, s.key.workload},
                                  Workload{std::move(*scorer), s.scored_at, &gauge, false});
    ++restored;
  }
  if (restored > 0 || discarded > 0) {
    spdlog::info("anomaly: restored {} saved scorer(s); discarded {} stale or unusable one(s)",
                 restored, discarded);
  }
}

void ContinuousScorer::Tick() {
  const promql::TimePoint now = AlignDown(deps_.clock.Now(), step_);
  if (!restored_) {
    Restore(now);
    restored_ = true;
  }
  std::optional<std::vector<SignalSet>> pending;
  {
    std::lock_guard lock(mu_);
    pending.swap(pending_);
  }
  if (pending) ApplySets(std::move(*pending));
  for (auto& [name, state] : sets_) TickSet(state, now);
  Persist();
}

common::Result<std::map<GroupKey, SignalHistory>> ContinuousScorer::Fetch(const SetState& state,
                                                                          promql::TimePoint start,
                                                                          promql::TimePoint end) {
  return FetchSignalHistories(deps_.prometheus, state.set.queries, start, end, step_, kGroupBy);
}

void ContinuousScorer::TickSet(SetState& state, promql::TimePoint end) {
  const promql::TimePoint fresh_start = end - step_ * (state.set.lookback / step_);
  promql::TimePoint start = fresh_start;
  if (!state.workloads.empty()) {
    auto oldest = std::min_element(
        state.workloads.begin(), state.workloads.end(),
        [](const auto& a, const auto& b) { return a.second.scored_at < b.second.scored_at; });
    start = std::max(fresh_start, oldest->second.scored_at + step_);
  }
  if (start > end) return;  // every workload has learnt this step already
  if (!state.prototype.ok()) return Evaluated(state, state.prototype.status());

  common::Result<std::map<GroupKey, SignalHistory>> recent = Fetch(state, start, end);
  if (!recent.ok()) return Evaluated(state, recent.status());
  // Workloads seen for the first time are warmed with the whole lookback.
  std::optional<std::map<GroupKey, SignalHistory>> warm;
  const bool any_new = std::any_of(recent->begin(), recent->end(), [&](const auto& entry) {
    return !state.workloads.contains(entry.first);
  });
  if (any_new && start > fresh_start) {
    common::Result<std::map<GroupKey, SignalHistory>> full = Fetch(state, fresh_start, end);
    if (!full.ok()) return Evaluated(state, full.status());
    warm = std::move(*full);
  }
  Evaluated(state, common::Status::Ok());

  for (const auto& [key, history] : *recent) {
    auto it = state.workloads.find(key);
    if (it == state.workloads.end()) {
      prometheus::Gauge& gauge = metrics_.Score(state.set.name, key[0], key[1]);
      it = state.workloads.emplace(key, Workload{*state.prototype, {}, &gauge, false}).first;
      const SignalHistory* learn = &history;
      if (warm) {
        auto full = warm->find(key);
        if (full != warm->end()) learn = &full->second;
      }
      Learn(it->second, *learn, 0);
      continue;
    }
    const auto& times = history.times;
    auto from = std::upper_bound(times.begin(), times.end(), it->second.scored_at);
    Learn(it->second, history, static_cast<size_t>(from - times.begin()));
  }

  for (auto it = state.workloads.begin(); it != state.workloads.end();) {
    if (end - it->second.scored_at > state.set.lookback) {
      Forget(state.set.name, it->first, it->second);
      it = state.workloads.erase(it);
    } else {
      ++it;
    }
  }
}

void ContinuousScorer::Learn(Workload& workload, const SignalHistory& history, size_t from) {
  if (from >= history.times.size()) return;
  SignalScore score = ScoreHistory(workload.scorer, history, from);
  workload.scored_at = history.times.back();
  workload.gauge->Set(score.score);
  workload.dirty = true;
}

void ContinuousScorer::Evaluated(SetState& state, const common::Status& status) {
  metrics_.Evaluated(state.set.name, status.ok());
  if (!status.ok() && !state.failing) {
    spdlog::error(
        "anomaly: cannot evaluate signal set {} (retrying every {}; scores keep their "
        "last values): {}",
        state.set.name, common::FormatDuration(step_), status.ToString());
  } else if (status.ok() && state.failing) {
    spdlog::info("anomaly: signal set {} is evaluated again", state.set.name);
  }
  state.failing = !status.ok();
}

void ContinuousScorer::Forget(const std::string& set, const GroupKey& key, Workload& workload) {
  metrics_.RemoveScore(*workload.gauge);
  forgotten_.push_back({set, key[0], key[1]});
}

void ContinuousScorer::Persist() {
  if (deps_.store == nullptr) return;
  if (!forgotten_.empty()) {
    common::Status deleted = deps_.store->Delete(forgotten_);
    if (deleted.ok()) forgotten_.clear();
    Stored(deleted, "delete");
  }
  std::vector<SavedScorer> changed;
  for (const auto& [name, state] : sets_) {
    for (const auto& [key, workload] : state.workloads) {
      if (!workload.dirty) continue;
      changed.push_back({{name, key[0], key[1]},
                         state.signature,
                         workload.scored_at,
                         workload.scorer.Serialize()});
    }
  }
  if (changed.empty()) return;
  common::Status saved = deps_.store->Save(changed);
  if (saved.ok()) {
    for (auto& [name, state] : sets_) {
      for (auto& [key, workload] : state.workloads) workload.dirty = false;
    }
  }
  Stored(saved, "save");
}

void ContinuousScorer::Stored(const common::Status& status, std::string_view what) {
  if (!status.ok() && !store_failing_) {
    spdlog::error("anomaly: cannot {} scorer state (retrying every {}): {}", what,
                  common::FormatDuration(step_), status.message());
  } else if (status.ok() && store_failing_) {
    spdlog::info("anomaly: scorer state is saved again");
  }
  store_failing_ = !status.ok();
}

}  // namespace rebound::controller::anomaly
