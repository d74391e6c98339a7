#include "tests/support/alertmanager.h"

#include <sstream>

#include <gtest/gtest.h>

namespace rebound::testing {

Alertmanager::Alertmanager(const TempDir& dir, const std::string& webhook_url,
                           const std::string& token_file, const std::string& repeat_interval)
    : dir_(dir), port_(FreePort()) {
  WriteFile(dir.File("alertmanager.yml"),
            "route:\n"
            "  receiver: rebound\n"
            "  group_by: [alertname, namespace]\n"
            "  group_wait: 0s\n"
            "  group_interval: 1s\n"
            "  repeat_interval: " + repeat_interval + "\n"
            "receivers:\n"
            "  - name: rebound\n"
            "    webhook_configs:\n"
            "      - url: " + webhook_url + "\n"
            "        send_resolved: true\n"
            "        http_config:\n"
            "          authorization:\n"
            "            credentials_file: " + token_file + "\n");
}

Alertmanager::~Alertmanager() {
  if (process_) process_->Stop();
}

bool Alertmanager::Start() {
  std::string listen = "127.0.0.1:" + std::to_string(port_);
  process_ = Process::Start({"prometheus-alertmanager",
                             "--config.file=" + dir_.File("alertmanager.yml"),
                             "--storage.path=" + dir_.File("am-data"),
                             "--web.listen-address=" + listen,
                             "--web.external-url=http://" + listen,
                             "--cluster.listen-address="},
                            dir_.File("alertmanager.log"));
  if (!process_) return false;
  bool ready = WaitFor(
      [&] {
        return RunCommand("curl -sf " + Url() + "/-/ready").exit_code == 0 || !process_->Running();
      },
      std::chrono::seconds(30));
  if (!ready || !process_->Running()) {
    ADD_FAILURE() << "alertmanager did not start; log:\n" << process_->Log();
    return false;
  }
  return true;
}

CommandResult Alertmanager::Amtool(const std::string& args) const {
  return RunCommand("amtool --alertmanager.url=" + Url() + " " + args);
}

double Alertmanager::MetricSum(const std::string& prefix) const {
  CommandResult metrics = RunCommand("curl -sf " + Url() + "/metrics");
  double sum = 0;
  std::istringstream lines(metrics.output);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(prefix, 0) == 0) sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

}  // namespace rebound::testing
