// SlackNotifier: delivers Notifications to a Slack incoming webhook, off the healing path.
//
// Notify() only queues. The queue is bounded: when it is full the oldest message is dropped
// and counted (a fresh message about the present is worth more than a stale one). One delivery
// thread (Start) posts messages in order, each rendered by RenderSlackMessage, and acts on
// Slack's answer:
//   2xx                         sent
//   5xx, timeout, no connection retried after exponential backoff with jitter; at most
//                               retry.max_attempts attempts in all, then failed
//   429                         retried after Retry-After (after backoff when absent); a
//                               Retry-After over retry.max_retry_after is not waited for: failed
//   other answers, bad request  failed at once, logged with Slack's answer ("invalid_payload")
// Waiting goes through the injected Sleeper and Clock, so tests drive it without real time and
// without the thread (DeliverOne, DrainBeforeStop).
//
// On destruction the thread stops waiting for retries and drains the queue, one attempt per
// message; the request in flight and the drain get drain_timeout in all. A request still in
// flight then is cancelled (within about a second, see HttpClientRequest::cancel; counted as
// dropped), and what is left in the queue is counted as dropped and logged.
//
// The webhook URL is a secret (it alone lets anyone post to the channel): logs name it "Slack
// webhook", and transport errors are scrubbed of it before they are logged.
//
// Thread-safety: Notify may be called from any thread. Start is called at most once; DeliverOne
// and DrainBeforeStop are what the delivery thread runs and are called by tests instead of
// Start, from one thread.
#pragma once

#include <prometheus/registry.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/http_client.h"
#include "common/sleeper.h"
#include "controller/notify/notifier.h"
#include "common/backoff.h"
#include "exporter/notify_metrics.h"

namespace rebound::controller::notify {

// Six attempts, the waits between them doubling from about a second: a Slack hiccup is ridden
// out within half a minute, and a longer outage does not hold up the messages queued behind.
common::RetryPolicy DefaultSlackRetryPolicy();

struct SlackNotifierOptions {
  std::string webhook_url;       // secret: never logged
  std::string channel;           // sent with each message when not empty ("#ops")
  std::string dashboard_url;     // linked from each message when not empty
  size_t queue_capacity = 1000;  // 0 is taken as 1
  std::chrono::milliseconds request_timeout{10000};
  common::RetryPolicy retry = DefaultSlackRetryPolicy();
  std::chrono::milliseconds drain_timeout{5000};
};

struct SlackNotifierDeps {
  common::HttpClient& http;
  const common::Clock& clock;
  common::Sleeper& sleeper;
  common::RandomSource& random;
  prometheus::Registry& registry;
};

class SlackNotifier final : public Notifier {
 public:
  SlackNotifier(SlackNotifierOptions options, SlackNotifierDeps deps);
  // Stops the delivery thread, if started, after a bounded drain.
  ~SlackNotifier() override;
  SlackNotifier(const SlackNotifier&) = delete;
  SlackNotifier& operator=(const SlackNotifier&) = delete;

  // Queues `notification`, dropping (and counting) the oldest queued one when full.
  void Notify(Notification notification) override;

  // Starts the delivery thread.
  void Start();

  // Takes the oldest queued notification and delivers it, retrying as described above; a wait
  // between attempts ends early when `stop` is requested, and the message then fails. Returns
  // false (doing nothing) when the queue is empty. Every outcome is counted and logged.
  bool DeliverOne(std::stop_token stop = {});

  // Delivers what is queued, one attempt each, until the queue is empty or drain_timeout has
  // passed on the Clock (no request outlasts it); counts what is left as dropped and empties
  // the queue.
  void DrainBeforeStop();

  size_t queue_depth() const;

 private:
  void Run(std::stop_token stop);
  std::optional<Notification> Pop();
  // `deadline` set: draining, the request must end by then.
  void Deliver(const Notification& notification, std::stop_token stop,
               std::optional<std::chrono::steady_clock::time_point> deadline);
  // `text` with the webhook URL, and its path, replaced by a name that gives nothing away.
  std::string Redact(std::string text) const;

  const SlackNotifierOptions options_;
  const SlackNotifierDeps deps_;
  exporter::NotifyMetrics metrics_;

  mutable std::mutex mu_;
  std::condition_variable_any ready_;
  std::deque<Notification> queue_;
  uint64_t dropped_ = 0;
  std::optional<std::chrono::steady_clock::time_point> stop_deadline_;  // set by the destructor
  bool finished_ = false;                                               // Run() has returned
  std::condition_variable_any finished_cv_;
  std::stop_source abandon_;  // cancels the request in flight once stop_deadline_ has passed

  std::jthread thread_;  // last: stopped and joined before the members it uses go
};

}  // namespace rebound::controller::notify
