// Alertmanager: the real prometheus-alertmanager from Debian, on 127.0.0.1 for integration
// tests (one instance, no clustering), plus amtool against it.
#pragma once

#include <memory>
#include <string>

#include "tests/support/process.h"

namespace rebound::testing {

class Alertmanager {
 public:
  // Writes dir/alertmanager.yml routing everything to `webhook_url` with a bearer token read
  // from `token_file`, fast timings (group_wait 0s, group_interval 1s) and `repeat_interval`.
  Alertmanager(const TempDir& dir, const std::string& webhook_url, const std::string& token_file,
               const std::string& repeat_interval = "1h");
  ~Alertmanager();

  // Starts it and waits until /-/ready answers; false (with the log) otherwise.
  bool Start();
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Runs `amtool --alertmanager.url=... <args>`.
  CommandResult Amtool(const std::string& args) const;
  std::string Log() const { return process_ ? process_->Log() : ""; }
  // The value of a sample in Alertmanager's own /metrics whose line starts with `prefix`.
  double MetricSum(const std::string& prefix) const;

 private:
  const TempDir& dir_;
  int port_;
  std::unique_ptr<Process> process_;
};

}  // namespace rebound::testing
