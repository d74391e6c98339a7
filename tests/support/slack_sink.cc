#include "tests/support/slack_sink.h"

#include <utility>

namespace rebound::testing {
namespace {

constexpr std::string_view kWebhookPath = "/services/T0REBOUND/B0SINK/not-a-real-secret-4f7a";

}  // namespace

SlackSink::SlackSink() {
  common::HttpServer::Options options;
  options.listen = "127.0.0.1:0";
  options.num_threads = 4;
  server_ = std::make_unique<common::HttpServer>(options);
  common::HttpServer::Route route;
  route.methods = {"POST"};
  route.handler = [this](const common::HttpRequest& request) { return Answer(request); };
  route.max_body_bytes = [] { return size_t{1} << 20; };
  server_->HandlePrefix("/services/", std::move(route));
}

SlackSink::~SlackSink() {
  {
    std::lock_guard lock(mu_);
    hang_ = false;
  }
  released_.notify_all();
  server_->Stop();
}

void SlackSink::Hang() {
  std::lock_guard lock(mu_);
  hang_ = true;
}

bool SlackSink::WaitForRequests(size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return accepted_.wait_for(lock, timeout, [&] { return arrived_ >= count; });
}

common::Status SlackSink::Start() { return server_->Start(); }

std::string SlackSink::Url() const {
  return "http://127.0.0.1:" + std::to_string(server_->port()) + std::string(kWebhookPath);
}

void SlackSink::FailNext(int count, int status, std::string body,
                         std::optional<int> retry_after_seconds) {
  std::lock_guard lock(mu_);
  for (int i = 0; i < count; ++i) failures_.push_back(Failure{status, body, retry_after_seconds});
}

bool SlackSink::WaitForMessages(size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return accepted_.wait_for(lock, timeout, [&] { return accepted_count_ >= count; });
}

std::vector<nlohmann::json> SlackSink::Messages() const {
  std::lock_guard lock(mu_);
  std::vector<nlohmann::json> messages;
  for (const SlackSinkRequest& request : requests_) {
    if (request.answered == 200) messages.push_back(request.body);
  }
  return messages;
}

std::vector<SlackSinkRequest> SlackSink::Requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

common::HttpResponse SlackSink::Answer(const common::HttpRequest& request) {
  SlackSinkRequest recorded;
  recorded.path = request.path;
  recorded.content_type = std::string(request.Header("Content-Type").value_or(""));
  recorded.body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (recorded.body.is_discarded()) recorded.body = nullptr;

  common::HttpResponse response = common::HttpResponse::Text(200, "ok");
  std::unique_lock lock(mu_);
  ++arrived_;
  accepted_.notify_all();
  released_.wait(lock, [&] { return !hang_; });
  if (!failures_.empty()) {
    Failure failure = std::move(failures_.front());
    failures_.pop_front();
    response = common::HttpResponse::Text(failure.status, std::move(failure.body));
    if (failure.retry_after_seconds) {
      response.headers.emplace_back("Retry-After", std::to_string(*failure.retry_after_seconds));
    }
  } else if (recorded.body.is_null()) {
    response = common::HttpResponse::Text(400, "invalid_payload");
  }
  recorded.answered = response.status;
  requests_.push_back(std::move(recorded));
  if (response.status == 200) {
    ++accepted_count_;
    accepted_.notify_all();
  }
  return response;
}

}  // namespace rebound::testing
