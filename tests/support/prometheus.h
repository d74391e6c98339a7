// Prometheus: the real Prometheus from Debian (2.42, /usr/bin/prometheus) on 127.0.0.1 for
// integration tests, scraping the targets a test gives it every second.
//
// Each instance lives in a folder of the test's TempDir named after its port (config, fresh
// TSDB, log), so several can share one TempDir. The process is stopped when the object is
// destroyed. Not thread-safe: use it from the test's thread.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/http_client.h"
#include "tests/support/process.h"

namespace rebound::testing {

class Prometheus {
 public:
  struct Options {
    // "127.0.0.1:PORT" targets serving /metrics, scraped as job "static" every second.
    std::vector<std::string> scrape_targets;
    // Prometheus scrapes its own /metrics as job "prometheus" too.
    bool scrape_self = false;
    // "/prom": every path, the API included, is served under it (--web.route-prefix).
    std::string route_prefix;
    // Appended to prometheus.yml at the top level (rule_files, alerting, ...).
    std::string extra_yaml;
  };

  Prometheus(const TempDir& dir, Options options);
  ~Prometheus();

  // Starts it and waits until /-/ready answers; false (with the log as a test failure)
  // otherwise.
  bool Start();
  // Waits until every configured target has been scraped successfully. Static targets are
  // applied in batches about 5 s after start, so this takes that long.
  bool WaitForTargetsUp(std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // One sample of an instant query's vector.
  struct Sample {
    std::map<std::string, std::string> labels;
    double value = 0;
  };
  // The vector `expr` evaluates to at Prometheus' now; empty (with the error as a test
  // failure) when the query fails or is not a vector.
  std::vector<Sample> Query(const std::string& expr);

  // http://127.0.0.1:PORT plus the route prefix: the base URL for API clients.
  std::string Url() const;
  int port() const { return port_; }
  std::string Log() const { return process_ ? process_->Log() : ""; }

 private:
  common::Result<common::HttpClientResponse> Get(const std::string& path);

  Options options_;
  int port_;
  std::string dir_;
  std::unique_ptr<Process> process_;
  common::CurlHttpClient http_;
};

}  // namespace rebound::testing
