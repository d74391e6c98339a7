// SlackSink: a stand-in for Slack's incoming-webhook endpoint, for tests that post real HTTP.
//
// An HttpServer on 127.0.0.1 (a free port) that answers POSTs under /services/ as Slack does:
// 200 "ok" for a JSON body, 400 "invalid_payload" otherwise. It records every POST, can be told
// to answer the next ones with an error (and Retry-After) or not at all, and lets a test wait
// for messages.
//
// Thread-safety: every method may be called from any thread while the server runs.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/http_server.h"
#include "common/status.h"

namespace rebound::testing {

struct SlackSinkRequest {
  std::string path;
  std::string content_type;
  nlohmann::json body;  // null when the body was not JSON
  int answered = 0;     // the HTTP status the sink answered
};

class SlackSink {
 public:
  SlackSink();
  ~SlackSink();
  SlackSink(const SlackSink&) = delete;
  SlackSink& operator=(const SlackSink&) = delete;

  // Starts serving; the server's error when it cannot bind.
  common::Status Start();
  // A webhook URL in Slack's shape, secret-looking path included:
  // http://127.0.0.1:PORT/services/T0REBOUND/B0SINK/<token>.
  std::string Url() const;

  // The next `count` POSTs are answered with `status` and `body` (and "Retry-After: N" when
  // `retry_after_seconds` is set) instead of being accepted.
  void FailNext(int count, int status, std::string body,
                std::optional<int> retry_after_seconds = std::nullopt);

  // From now on POSTs get no answer until the sink is destroyed: a Slack that hangs.
  void Hang();
  // Waits up to `timeout` until at least `count` POSTs have arrived, answered or not.
  bool WaitForRequests(size_t count, std::chrono::milliseconds timeout) const;

  // Waits up to `timeout` until at least `count` messages were accepted; false on timeout.
  bool WaitForMessages(size_t count, std::chrono::milliseconds timeout) const;
  // The bodies of accepted messages, in order of arrival.
  std::vector<nlohmann::json> Messages() const;
  // Every POST, accepted or not, in order of arrival.
  std::vector<SlackSinkRequest> Requests() const;

 private:
  struct Failure {
    int status;
    std::string body;
    std::optional<int> retry_after_seconds;
  };
  common::HttpResponse Answer(const common::HttpRequest& request);

  std::unique_ptr<common::HttpServer> server_;
  mutable std::mutex mu_;
  mutable std::condition_variable accepted_;
  std::deque<Failure> failures_;
  std::vector<SlackSinkRequest> requests_;
  size_t accepted_count_ = 0;
  size_t arrived_ = 0;
  bool hang_ = false;
  mutable std::condition_variable released_;
};

}  // namespace rebound::testing
