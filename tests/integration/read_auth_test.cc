// api.read_auth and metrics.bearer_token_file on the real `rebound` binary: the read API (the
// status page included) and /metrics answer 401 without their credentials and 200 with them;
// the probes stay open.
#include <signal.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/rebound_daemon.h"

namespace rebound::testing {
namespace {

const std::vector<std::string> kReadPaths = {"/", "/api/v1/episodes", "/api/v1/actions",
                                             "/api/v1/status"};

std::string Bearer(const std::string& token) { return "Bearer " + token; }

// The status of GET `path` with `authorization` ("" for none); -1 when the request failed.
int Status(ReboundDaemon& daemon, const std::string& path, const std::string& authorization) {
  auto response = daemon.Get(path, authorization);
  return response.ok() ? response->status : -1;
}

class ReadAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(dir_.File("read-token"), "read-t0ken\n");
    WriteFile(dir_.File("metrics-token"), "metrics-t0ken\n");
  }

  TempDir dir_;
};

TEST_F(ReadAuthTest, ReadApiNeedsTheReadTokenOrTheWebhookCredentials) {
  ReboundDaemon daemon(dir_,
                       "api: { read_auth: true, bearer_token_file: read-token }\n"
                       "metrics: { bearer_token_file: metrics-token }\n");
  ASSERT_TRUE(daemon.Start());
  for (const std::string& path : kReadPaths) {
    SCOPED_TRACE(path);
    auto refused = daemon.Get(path);
    ASSERT_TRUE(refused.ok());
    EXPECT_EQ(refused->status, 401);
    EXPECT_NE(refused->body.find("missing or invalid credentials"), std::string::npos);
    EXPECT_EQ(Status(daemon, path, Bearer("wrong")), 401);
    EXPECT_EQ(Status(daemon, path, Bearer("metrics-t0ken")), 401);
    EXPECT_EQ(Status(daemon, path, Bearer("read-t0ken")), 200);
    EXPECT_EQ(Status(daemon, path, Bearer(ReboundDaemon::kToken)), 200);
  }
  // The read token reads; it does not pull the kill switch or post alerts.
  EXPECT_EQ(daemon.PostWebhook("{}", Bearer("read-t0ken"))->status, 401);

  EXPECT_EQ(Status(daemon, "/metrics", ""), 401);
  EXPECT_EQ(Status(daemon, "/metrics", Bearer("read-t0ken")), 401);
  auto metrics = daemon.Get("/metrics", Bearer("metrics-t0ken"));
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("rebound_build_info{"), std::string::npos);

  // The kubelet's probes carry no credentials.
  EXPECT_EQ(Status(daemon, "/healthz", ""), 200);
  EXPECT_EQ(Status(daemon, "/readyz", ""), 200);
}

TEST_F(ReadAuthTest, WithoutReadAuthTheReadApiAndMetricsStayOpen) {
  ReboundDaemon daemon(dir_);
  ASSERT_TRUE(daemon.Start());
  for (const std::string& path : kReadPaths) {
    EXPECT_EQ(Status(daemon, path, ""), 200) << path;
  }
  EXPECT_EQ(Status(daemon, "/metrics", ""), 200);
}

TEST_F(ReadAuthTest, ReloadTurnsReadAuthOn) {
  ReboundDaemon daemon(dir_);
  ASSERT_TRUE(daemon.Start());
  ASSERT_EQ(Status(daemon, "/api/v1/status", ""), 200);
  daemon.WriteConfig("api: { read_auth: true }\n");
  daemon.process().Signal(SIGHUP);
  EXPECT_TRUE(WaitFor([&] { return Status(daemon, "/api/v1/status", "") == 401; },
                      std::chrono::seconds(10)));
  EXPECT_EQ(Status(daemon, "/api/v1/status", Bearer(ReboundDaemon::kToken)), 200);
}

}  // namespace
}  // namespace rebound::testing
