// FakeHttpClient: a scripted common::HttpClient that records every request.
//
// Responses queued with Push() answer requests in order; once the queue is empty, the handler
// (if set) answers; otherwise Send fails with Internal. Thread-safe.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/http_client.h"

namespace rebound::testing {

class FakeHttpClient final : public common::HttpClient {
 public:
  using Handler =
      std::function<common::Result<common::HttpClientResponse>(const common::HttpClientRequest&)>;

  void Push(common::Result<common::HttpClientResponse> response) {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(response));
  }
  void Push(int status, std::string body,
            std::vector<std::pair<std::string, std::string>> headers = {}) {
    common::HttpClientResponse response;
    response.status = status;
    response.body = std::move(body);
    response.headers = std::move(headers);
    Push(std::move(response));
  }
  void SetHandler(Handler handler) {
    std::lock_guard lock(mu_);
    handler_ = std::move(handler);
  }

  std::vector<common::HttpClientRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  common::HttpClientRequest last() const {
    std::lock_guard lock(mu_);
    return requests_.empty() ? common::HttpClientRequest{} : requests_.back();
  }

  common::Result<common::HttpClientResponse> Send(
      const common::HttpClientRequest& request) override {
    Handler handler;
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
      if (!queue_.empty()) {
        common::Result<common::HttpClientResponse> next = std::move(queue_.front());
        queue_.pop_front();
        return next;
      }
      handler = handler_;
    }
    if (handler) return handler(request);
    return common::Internal("FakeHttpClient: no response queued for " + request.method + " " +
                            request.url);
  }

 private:
  mutable std::mutex mu_;
  std::deque<common::Result<common::HttpClientResponse>> queue_;
  Handler handler_;
  std::vector<common::HttpClientRequest> requests_;
};

}  // namespace rebound::testing
