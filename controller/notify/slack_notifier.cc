#include "controller/notify/slack_notifier.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "common/duration.h"
#include "controller/notify/slack_message.h"
#include "controller/notify/slack_text.h"

namespace rebound::controller::notify {
namespace {

using std::chrono::milliseconds;

constexpr size_t kMaxBodyExcerpt = 200;
constexpr std::string_view kRedacted = "<Slack webhook>";

enum class Verdict { kSent, kRetry, kFail };

struct Attempt {
  Verdict verdict = Verdict::kFail;
  std::string problem;               // for the log; may still hold the URL
  std::optional<milliseconds> wait;  // from Retry-After
};

std::string Excerpt(std::string_view body) {
  std::string excerpt = TruncatePlainText(body, kMaxBodyExcerpt);
  std::replace(excerpt.begin(), excerpt.end(), '\n', ' ');
  return excerpt;
}

std::string CodeLabel(const common::Result<common::HttpClientResponse>& response) {
  if (response.ok()) return std::to_string(response->status);
  return response.status().code() == common::StatusCode::kDeadlineExceeded ? "timeout" : "error";
}

Attempt Judge(const common::Result<common::HttpClientResponse>& response,
              const common::RetryPolicy& retry) {
  Attempt attempt;
  if (!response.ok()) {
    common::StatusCode code = response.status().code();
    bool transient =
        code == common::StatusCode::kDeadlineExceeded || code == common::StatusCode::kUnavailable;
    attempt.verdict = transient ? Verdict::kRetry : Verdict::kFail;
    attempt.problem = response.status().ToString();
    return attempt;
  }
  int status = response->status;
  if (status >= 200 && status < 300) {
    attempt.verdict = Verdict::kSent;
    return attempt;
  }
  attempt.problem = fmt::format("HTTP {} \"{}\"", status, Excerpt(response->body));
  if (status == 429) {
    std::optional<std::chrono::seconds> after =
        common::ParseRetryAfter(response->Header("retry-after"));
    if (after && *after > retry.max_retry_after) {
      attempt.problem += fmt::format(", and its Retry-After of {}s is longer than the {} allowed",
                                     after->count(), common::FormatDuration(retry.max_retry_after));
      return attempt;
    }
    attempt.verdict = Verdict::kRetry;
    if (after) attempt.wait = *after;
    return attempt;
  }
  attempt.verdict = status >= 500 ? Verdict::kRetry : Verdict::kFail;
  return attempt;
}

void ReplaceAll(std::string& text, std::string_view secret) {
  for (size_t at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + kRedacted.size())) {
    text.replace(at, secret.size(), kRedacted);
  }
}

}  // namespace

common::RetryPolicy DefaultSlackRetryPolicy() {
  common::RetryPolicy policy;
  policy.max_attempts = 6;
  policy.initial_backoff = std::chrono::seconds(1);
  policy.max_backoff = std::chrono::seconds(30);
  policy.max_retry_after = std::chrono::seconds(60);
  return policy;
}

SlackNotifier::SlackNotifier(SlackNotifierOptions options, SlackNotifierDeps deps)
    : options_(std::move(options)), deps_(deps), metrics_(deps.registry, "slack") {}

SlackNotifier::~SlackNotifier() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_deadline_ = deps_.clock.MonotonicNow() + options_.drain_timeout;
  }
  thread_.request_stop();
  // The request in flight and the drain get drain_timeout in all; then what is still in
  // flight is cancelled, so a Slack that does not answer cannot hold up shutdown.
  {
    std::unique_lock lock(mu_);
    finished_cv_.wait_for(lock, options_.drain_timeout, [this] { return finished_; });
  }
  abandon_.request_stop();
  thread_.join();
}

void SlackNotifier::Notify(Notification notification) {
  uint64_t dropped = 0;
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= std::max<size_t>(options_.queue_capacity, 1)) {
      queue_.pop_front();
      dropped = ++dropped_;
    }
    queue_.push_back(std::move(notification));
    metrics_.queue_depth.Set(static_cast<double>(queue_.size()));
  }
  ready_.notify_one();
  if (dropped == 0) return;
  metrics_.dropped.Increment();
  // Once the queue overflows it does so on every message; a line per hundred is enough.
  if (dropped == 1 || dropped % 100 == 0) {
    spdlog::warn("Slack notification queue full ({} queued): dropped the oldest; {} dropped so far",
                 options_.queue_capacity, dropped);
  }
}

void SlackNotifier::Start() {
  thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
}

void SlackNotifier::Run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(mu_);
      if (!ready_.wait(lock, stop, [this] { return !queue_.empty(); })) break;
    }
    DeliverOne(stop);
  }
  DrainBeforeStop();
  std::lock_guard lock(mu_);
  finished_ = true;
  finished_cv_.notify_all();
}

std::optional<Notification> SlackNotifier::Pop() {
  std::lock_guard lock(mu_);
  if (queue_.empty()) return std::nullopt;
  Notification next = std::move(queue_.front());
  queue_.pop_front();
  metrics_.queue_depth.Set(static_cast<double>(queue_.size()));
  return next;
}

bool SlackNotifier::DeliverOne(std::stop_token stop) {
  std::optional<Notification> next = Pop();
  if (!next) return false;
  Deliver(*next, stop, std::nullopt);
  return true;
}

void SlackNotifier::DrainBeforeStop() {
  // A stop already requested: each message gets one attempt and no waiting.
  std::stop_source stopping;
  stopping.request_stop();
  std::chrono::steady_clock::time_point deadline;
  {
    std::lock_guard lock(mu_);
    deadline = stop_deadline_.value_or(deps_.clock.MonotonicNow() + options_.drain_timeout);
  }
  while (deps_.clock.MonotonicNow() < deadline) {
    std::optional<Notification> next = Pop();
    if (!next) break;
    Deliver(*next, stopping.get_token(), deadline);
  }
  size_t left = 0;
  {
    std::lock_guard lock(mu_);
    left = queue_.size();
    queue_.clear();
    metrics_.queue_depth.Set(0);
  }
  if (left == 0) return;
  metrics_.dropped.Increment(static_cast<double>(left));
  spdlog::warn("Slack webhook: {} notification(s) not delivered before shutdown", left);
}

size_t SlackNotifier::queue_depth() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void SlackNotifier::Deliver(const Notification& notification, std::stop_token stop,
                            std::optional<std::chrono::steady_clock::time_point> deadline) {
  common::HttpClientRequest request;
  request.method = "POST";
  request.url = options_.webhook_url;
  request.headers = {{"Content-Type", "application/json; charset=utf-8"}};
  Notification shown = notification;
  if (!options_.dashboard_url.empty()) shown.links.push_back({"Dashboard", options_.dashboard_url});
  // Invalid UTF-8 in a title must not cost the message: it goes out as U+FFFD.
  request.body = RenderSlackMessage(shown, options_.channel)
                     .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  request.timeout = options_.request_timeout;
  if (deadline) {
    // Draining: the request ends with the drain, not after its own timeout.
    request.timeout = std::clamp(std::chrono::duration_cast<milliseconds>(
                                     *deadline - deps_.clock.MonotonicNow()),
                                 milliseconds(1), options_.request_timeout);
  }
  request.cancel = abandon_.get_token();

  const std::string what =
      fmt::format("\"{}\" ({})", notification.title, ThreadPrefix(notification));
  const int max_attempts = std::max(1, options_.retry.max_attempts);
  for (int attempt = 1;; ++attempt) {
    common::Result<common::HttpClientResponse> response = deps_.http.Send(request);
    metrics_.Requests(CodeLabel(response)).Increment();
    if (response.status().code() == common::StatusCode::kCancelled) {
      metrics_.dropped.Increment();
      spdlog::warn("Slack webhook: request for {} cancelled: shutting down", what);
      return;
    }
    Attempt result = Judge(response, options_.retry);
    if (result.verdict == Verdict::kSent) {
      metrics_.sent.Increment();
      spdlog::debug("Slack webhook: sent {}", what);
      return;
    }
    const std::string problem = Redact(std::move(result.problem));
    if (result.verdict == Verdict::kFail) {
      metrics_.failed.Increment();
      spdlog::error("Slack webhook: cannot deliver {}: {}", what, problem);
      return;
    }
    if (attempt >= max_attempts) {
      metrics_.failed.Increment();
      spdlog::error("Slack webhook: gave up on {} after {} attempts: {}", what, attempt, problem);
      return;
    }
    milliseconds wait =
        result.wait.value_or(common::BackoffDelay(options_.retry, attempt, deps_.random));
    spdlog::warn("Slack webhook: {} for {}; retrying in {} (attempt {} of {})", problem, what,
                 common::FormatDuration(wait), attempt + 1, max_attempts);
    if (!deps_.sleeper.SleepFor(wait, stop)) {
      metrics_.failed.Increment();
      spdlog::error("Slack webhook: not retrying {}, shutting down: {}", what, problem);
      return;
    }
  }
}

std::string SlackNotifier::Redact(std::string text) const {
  const std::string& url = options_.webhook_url;
  if (url.empty()) return text;
  ReplaceAll(text, url);
  // Some clients name only the path, and the path is where the secret is.
  size_t scheme = url.find("://");
  size_t path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (path != std::string::npos && url.size() - path > 1) ReplaceAll(text, url.substr(path));
  return text;
}

}  // namespace rebound::controller::notify
