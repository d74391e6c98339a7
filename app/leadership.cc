#include "app/leadership.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "kube/object.h"
#include "kube/resource.h"

namespace rebound::app {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

}  // namespace

PodIdentity PodIdentity::FromEnvironment() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return {Env("POD_NAME"), Env("POD_NAMESPACE"),
          std::string(*host != '\0' ? host : "localhost") + "_" + std::to_string(getpid())};
}

common::Result<std::optional<kube::LeaderElectionConfig>> ResolveLeaderElection(
    const Config::LeaderElection& config, const PodIdentity& pod) {
  if (!config.enabled.value_or(!pod.pod_name.empty())) {
    return std::optional<kube::LeaderElectionConfig>();
  }
  kube::LeaderElectionConfig out;
  out.lease_name = config.lease_name;
  out.lease_namespace = config.lease_namespace.empty() ? pod.pod_namespace : config.lease_namespace;
  if (out.lease_namespace.empty()) {
    return common::InvalidArgument(
        "leader election needs the Lease's namespace: set leader_election.namespace or "
        "POD_NAMESPACE");
  }
  out.identity = pod.pod_name.empty() ? pod.fallback : pod.pod_name;
  out.lease_duration = config.lease_duration;
  out.renew_deadline = config.renew_deadline;
  out.retry_period = config.retry_period;
  return std::optional<kube::LeaderElectionConfig>(std::move(out));
}

bool LeaderState::IsLeader() const {
  std::lock_guard lock(mu_);
  if (alone_) return true;
  return leading_ && elector_ != nullptr && elector_->IsLeader();
}

bool LeaderState::known() const {
  std::lock_guard lock(mu_);
  return alone_ || known_;
}

std::string LeaderState::holder() const {
  std::lock_guard lock(mu_);
  return holder_;
}

nlohmann::json LeaderState::ToJson() const {
  bool leader = IsLeader();
  std::lock_guard lock(mu_);
  return {{"is_leader", leader}, {"holder", holder_}, {"lease", lease_}};
}

common::Result<std::unique_ptr<Leadership>> Leadership::Create(Deps deps,
                                                               kube::LeaderElectionConfig config,
                                                               std::string pod_name,
                                                               std::string pod_namespace) {
  std::unique_ptr<Leadership> leadership(
      new Leadership(std::move(deps), std::move(pod_name), std::move(pod_namespace)));
  Leadership* self = leadership.get();
  kube::LeaderCallbacks callbacks;
  callbacks.on_started_leading = [self] { self->OnStartedLeading(); };
  callbacks.on_stopped_leading = [self] { self->OnStoppedLeading(); };
  callbacks.on_new_leader = [self](const std::string& identity) {
    spdlog::info("leadership: the lease is now held by {}", identity);
    std::lock_guard lock(self->deps_.state.mu_);
    self->deps_.state.holder_ = identity;
  };
  const std::string lease = config.lease_namespace + "/" + config.lease_name;
  self->retry_period_ = config.retry_period;
  common::Result<std::unique_ptr<kube::LeaderElector>> elector = kube::LeaderElector::Create(
      *self->deps_.kube, self->deps_.clock, std::move(config), std::move(callbacks));
  if (!elector.ok()) return elector.status();
  self->elector_ = std::move(*elector);
  {
    std::lock_guard lock(self->deps_.state.mu_);
    self->deps_.state.alone_ = false;
    self->deps_.state.lease_ = lease;
    self->deps_.state.elector_ = self->elector_.get();
  }
  self->deps_.gauge.Set(0);
  return leadership;
}

common::Result<std::unique_ptr<Leadership>> Leadership::ForDaemon(
    const Config& config, const PodIdentity& pod, const ClientDeps& client_deps,
    prometheus::Gauge& gauge, LeaderState& state, std::function<void()> lead,
    std::function<void()> stand_by) {
  common::Result<std::optional<kube::LeaderElectionConfig>> election =
      ResolveLeaderElection(config.leader_election, pod);
  if (!election.ok()) return election.status();
  if (!election->has_value()) {
    {
      std::lock_guard lock(state.mu_);
      state.alone_ = true;
      state.holder_ = pod.pod_name.empty() ? pod.fallback : pod.pod_name;
    }
    gauge.Set(1);
    spdlog::info("leadership: leader election is off; this process acts");
    return std::unique_ptr<Leadership>();
  }
  // A round is at most two requests (read, then write); both end before the lease could
  // expire for another replica once the renew deadline has passed.
  kube::KubeClientOptions options;
  options.request_timeout =
      std::max(std::chrono::milliseconds(100),
               ((*election)->lease_duration - (*election)->renew_deadline) / 2);
  options.retry.max_attempts = 1;
  std::string kube_state;
  std::unique_ptr<kube::KubeClient> kube =
      MakeKubeClient(config, client_deps, &kube_state, options);
  if (!kube) {
    return common::FailedPrecondition("leader election needs the Kubernetes API, which is " +
                                      kube_state);
  }
  spdlog::info(
      "leadership: competing for lease {}/{} as {} (lease {}ms, renew deadline {}ms, "
      "retry every {}ms)",
      (*election)->lease_namespace, (*election)->lease_name, (*election)->identity,
      (*election)->lease_duration.count(), (*election)->renew_deadline.count(),
      (*election)->retry_period.count());
  return Create(Deps{std::move(kube), client_deps.clock, client_deps.sleeper, gauge, state,
                     std::move(lead), std::move(stand_by)},
                std::move(**election), pod.pod_name, pod.pod_namespace);
}

Leadership::Leadership(Deps deps, std::string pod_name, std::string pod_namespace)
    : deps_(std::move(deps)),
      pod_name_(std::move(pod_name)),
      pod_namespace_(std::move(pod_namespace)) {}

Leadership::~Leadership() {
  Stop();
  std::lock_guard lock(deps_.state.mu_);
  deps_.state.elector_ = nullptr;
}

void Leadership::Start() {
  thread_ = std::jthread([this](std::stop_token stop) {
    while (!stop.stop_requested()) {
      Round();
      deps_.sleeper.SleepFor(retry_period_, stop);
    }
    Resign();
  });
}

void Leadership::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

void Leadership::Round() {
  elector_->Step();
  {
    std::lock_guard lock(deps_.state.mu_);
    deps_.state.known_ = true;
  }
  SyncLabel();
}

void Leadership::Resign() {
  elector_->Resign();
  SyncLabel();
}

void Leadership::OnStartedLeading() {
  {
    std::lock_guard lock(deps_.state.mu_);
    deps_.state.leading_ = true;
  }
  deps_.gauge.Set(1);
  spdlog::warn("leadership: {} leads: healing starts and resumes pending episodes",
               deps_.state.holder());
  if (deps_.lead) deps_.lead();
}

void Leadership::OnStoppedLeading() {
  {
    std::lock_guard lock(deps_.state.mu_);
    deps_.state.leading_ = false;
  }
  deps_.gauge.Set(0);
  spdlog::warn(
      "leadership: this replica stopped leading (lease holder as last seen: \"{}\"); "
      "running remediations are interrupted and resume when it leads again",
      deps_.state.holder());
  if (deps_.stand_by) deps_.stand_by();
}

common::Status Leadership::PatchRole(const std::string& pod, bool leader) {
  nlohmann::json value = leader ? nlohmann::json("leader") : nlohmann::json(nullptr);
  nlohmann::json patch = {{"metadata", {{"labels", {{std::string(kRoleLabel), value}}}}}};
  return deps_.kube->Patch(kube::kPods, pod_namespace_, pod, kube::PatchType::kMerge, patch)
      .status();
}

void Leadership::SyncLabel() {
  if (pod_name_.empty() || pod_namespace_.empty()) return;
  bool leading;
  {
    std::lock_guard lock(deps_.state.mu_);
    leading = deps_.state.leading_;
  }
  if (labelled_ == leading) return;
  common::Status status = PatchRole(pod_name_, leading);
  if (status.ok() && leading) {
    // A leader killed before it could step down still carries the label.
    kube::ListOptions options;
    options.label_selector = std::string(kRoleLabel) + "=leader";
    common::Result<kube::ObjectList> labelled =
        deps_.kube->List(kube::kPods, pod_namespace_, options);
    status = labelled.status();
    for (const nlohmann::json& pod :
         labelled.ok() ? labelled->items : std::vector<nlohmann::json>()) {
      const std::string name = kube::ObjectName(pod);
      if (name == pod_name_) continue;
      common::Status removed = PatchRole(name, false);
      if (removed.ok()) {
        spdlog::info("leadership: removed {} from pod {}, which no longer leads", kRoleLabel, name);
      } else {
        status = removed;
      }
    }
  }
  if (!status.ok()) {
    labelled_.reset();
    if (!label_failing_) {
      spdlog::error("leadership: cannot {} the {} label of pod {}/{} (retried every {}ms): {}",
                    leading ? "set" : "remove", kRoleLabel, pod_namespace_, pod_name_,
                    retry_period_.count(), status.message());
    }
    label_failing_ = true;
    return;
  }
  if (label_failing_) spdlog::info("leadership: pod label {} is up to date again", kRoleLabel);
  label_failing_ = false;
  labelled_ = leading;
  spdlog::info("leadership: pod {}/{} {} {}=leader", pod_namespace_, pod_name_,
               leading ? "labelled" : "no longer labelled", kRoleLabel);
}

}  // namespace rebound::app
