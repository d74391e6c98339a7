// A running daemon's /metrics against the metrics reference (docs/metrics.md): every family it
// serves is documented there, with the same type and label names. Slack and continuous anomaly
// scoring are configured so that their families are served too. A family without series is
// not served at all; tests/exporter/metrics_reference_test.cc checks those against the
// exporter's own list.
#include "tests/support/metrics_reference.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/rebound_daemon.h"
#include "tests/support/slack_sink.h"

namespace rebound::testing {
namespace {

TEST(MetricsReferenceIntegrationTest, EveryServedFamilyIsDocumented) {
  TempDir dir;
  SlackSink slack;
  ASSERT_TRUE(slack.Start().ok());
  WriteFile(dir.File("slack-url"), slack.Url() + "\n");
  // Nothing listens on the Prometheus port: evaluations fail, which is counted all the same.
  ReboundDaemon daemon(dir, "prometheus: { url: \"http://127.0.0.1:" + std::to_string(FreePort()) +
                                "\" }\n"
                                "slack: { webhook_url_file: slack-url, channel: \"#ops\" }\n"
                                "anomaly:\n"
                                "  step: 1s\n"
                                "  signals:\n"
                                "    - name: memory\n"
                                "      queries: { memory: \"sum by (namespace, workload) (up)\" }\n"
                                "      lookback: 1m\n");
  ASSERT_TRUE(daemon.Start());

  std::string body;
  EXPECT_TRUE(WaitFor(
      [&] {
        auto response = daemon.Get("/metrics");
        if (!response.ok()) return false;
        body = response->body;
        return body.find("rebound_anomaly_evaluations_total{") != std::string::npos;
      },
      std::chrono::seconds(10)))
      << "anomaly scoring did not start:\n"
      << body;

  std::vector<std::string> errors;
  FamilyShapes documented = DocumentedFamilies(ReadFile(MetricsReferencePath()), &errors);
  FamilyShapes served = ServedFamilies(body, &errors);
  EXPECT_THAT(errors, ::testing::IsEmpty());
  for (const char* family : {"rebound_build_info", "rebound_webhook_requests_total",
                             "rebound_notifications_total", "rebound_guardrail_blocks_total",
                             "rebound_anomaly_evaluations_total", "process_open_fds"}) {
    EXPECT_TRUE(served.contains(family)) << family << " is not served:\n" << body;
  }
  EXPECT_THAT(FamilyDifferences(documented, "docs/metrics.md", served, "/metrics",
                                /*only_got=*/true),
              ::testing::IsEmpty())
      << body;
}

}  // namespace
}  // namespace rebound::testing
