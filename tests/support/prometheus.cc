#include "tests/support/prometheus.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/percent_encoding.h"

namespace rebound::testing {

Prometheus::Prometheus(const TempDir& dir, Options options)
    : options_(std::move(options)),
      port_(FreePort()),
      dir_(dir.File("prometheus-" + std::to_string(port_))) {
  std::filesystem::create_directories(dir_);
  std::string config =
      "global:\n"
      "  scrape_interval: 1s\n"
      "  scrape_timeout: 1s\n"  // 0s would silently mean one minute
      "  evaluation_interval: 1s\n"
      "scrape_configs:\n";
  if (options_.scrape_self) {
    config +=
        "  - job_name: prometheus\n"
        "    metrics_path: " +
        options_.route_prefix +
        "/metrics\n"
        "    static_configs: [{targets: ['127.0.0.1:" +
        std::to_string(port_) + "']}]\n";
  }
  if (!options_.scrape_targets.empty()) {
    config +=
        "  - job_name: static\n"
        "    static_configs:\n"
        "      - targets:\n";
    for (const std::string& target : options_.scrape_targets) {
      config += "          - '" + target + "'\n";
    }
  }
  WriteFile(dir_ + "/prometheus.yml", config + options_.extra_yaml);
}

Prometheus::~Prometheus() {
  if (process_) process_->Stop();
}

std::string Prometheus::Url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + options_.route_prefix;
}

common::Result<common::HttpClientResponse> Prometheus::Get(const std::string& path) {
  common::HttpClientRequest request;
  request.url = Url() + path;
  request.timeout = std::chrono::seconds(5);
  return http_.Send(request);
}

bool Prometheus::Start() {
  std::string listen = "127.0.0.1:" + std::to_string(port_);
  std::vector<std::string> argv = {"prometheus",
                                   "--config.file=" + dir_ + "/prometheus.yml",
                                   "--storage.tsdb.path=" + dir_ + "/data",
                                   "--web.listen-address=" + listen,
                                   "--web.external-url=" + Url(),
                                   "--web.enable-lifecycle"};
  if (!options_.route_prefix.empty()) {
    argv.push_back("--web.route-prefix=" + options_.route_prefix);
  }
  process_ = Process::Start(argv, dir_ + "/prometheus.log");
  if (!process_) return false;
  bool ready = WaitFor(
      [&] {
        auto response = Get("/-/ready");
        return (response.ok() && response->status == 200) || !process_->Running();
      },
      std::chrono::seconds(30));
  if (!ready || !process_->Running()) {
    ADD_FAILURE() << "prometheus did not start; log:\n" << process_->Log();
    return false;
  }
  return true;
}

std::vector<Prometheus::Sample> Prometheus::Query(const std::string& expr) {
  auto response = Get("/api/v1/query?query=" + common::PercentEncode(expr));
  nlohmann::json body =
      response.ok() ? nlohmann::json::parse(response->body, nullptr, false) : nlohmann::json();
  if (!response.ok() || response->status != 200 || !body.is_object() ||
      body["data"]["resultType"] != "vector") {
    ADD_FAILURE() << "query " << expr << ": "
                  << (response.ok() ? response->body : response.status().ToString());
    return {};
  }
  std::vector<Sample> samples;
  for (const nlohmann::json& result : body["data"]["result"]) {
    Sample sample;
    for (const auto& [name, value] : result["metric"].items()) {
      sample.labels[name] = value.get<std::string>();
    }
    sample.value = std::stod(result["value"][1].get<std::string>());
    samples.push_back(std::move(sample));
  }
  return samples;
}

bool Prometheus::WaitForTargetsUp(std::chrono::milliseconds timeout) {
  const size_t expected = options_.scrape_targets.size() + (options_.scrape_self ? 1 : 0);
  std::string last;
  bool up = WaitFor(
      [&] {
        auto response = Get("/api/v1/targets?state=active");
        if (!response.ok() || response->status != 200) return false;
        last = response->body;
        nlohmann::json body = nlohmann::json::parse(response->body, nullptr, false);
        if (body.is_discarded()) return false;
        const nlohmann::json& targets = body["data"]["activeTargets"];
        if (!targets.is_array() || targets.size() != expected) return false;
        for (const nlohmann::json& target : targets) {
          if (target.value("health", "") != "up") return false;
        }
        return true;
      },
      timeout);
  if (!up) ADD_FAILURE() << "prometheus targets not all up; last /api/v1/targets:\n" << last;
  return up;
}

}  // namespace rebound::testing
