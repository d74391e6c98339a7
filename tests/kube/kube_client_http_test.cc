#include "kube/kube_client_http.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <map>
#include <mutex>

#include "kube/api_error.h"
#include "kube/retry_on_conflict.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http_client.h"
#include "tests/fakes/fake_sleeper.h"
#include "tests/kube/plugin_script.h"
#include "tests/support/process.h"

namespace rebound::kube {
namespace {

using common::HttpClientRequest;
using common::StatusCode;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kServer = "https://k8s.example:6443";

std::optional<std::string> HeaderOf(const HttpClientRequest& request, std::string_view name) {
  for (const auto& [n, v] : request.headers) {
    if (n == name) return v;
  }
  return std::nullopt;
}

std::string Status(int code, const std::string& reason, const std::string& message) {
  return json{{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
              {"reason", reason}, {"message", message}, {"code", code}}
      .dump();
}

// Records every attempt as "<verb> <resource> <HTTP status | timed-out | no-response>" and its
// duration.
class RecordingObserver final : public RequestObserver {
 public:
  void OnAttempt(const RequestAttempt& attempt) override {
    std::string outcome = attempt.status      ? std::to_string(*attempt.status)
                          : attempt.timed_out ? "timed-out"
                                              : "no-response";
    std::lock_guard lock(mu_);
    attempts_.push_back(std::string(attempt.verb) + " " + std::string(attempt.resource) + " " +
                        outcome);
    elapsed_.push_back(attempt.elapsed);
  }
  std::vector<std::string> attempts() const {
    std::lock_guard lock(mu_);
    return attempts_;
  }
  std::vector<std::chrono::nanoseconds> elapsed() const {
    std::lock_guard lock(mu_);
    return elapsed_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> attempts_;
  std::vector<std::chrono::nanoseconds> elapsed_;
};

class KubeClientHttpTest : public ::testing::Test {
 protected:
  KubeClientHttpTest() : sleeper_(clock_), random_(0.5) {}

  static KubeConnection Connection() {
    KubeConnection c;
    c.server = kServer;
    c.tls.ca_pem = "CA PEM";
    c.token = BearerToken::Fixed("secret-token");
    return c;
  }

  KubeClientHttp& Client(KubeConnection connection = Connection(), KubeClientOptions options = {}) {
    client_ = std::make_unique<KubeClientHttp>(
        std::move(connection),
        KubeClientDeps{http_, clock_, sleeper_, random_, &observer_, stop_.get_token()},
        std::move(options));
    return *client_;
  }

  testing::FakeClock clock_;
  testing::FakeSleeper sleeper_;
  testing::FixedRandom random_;
  testing::FakeHttpClient http_;
  RecordingObserver observer_;
  std::stop_source stop_;
  std::unique_ptr<KubeClientHttp> client_;
};

// --- request building ---

TEST_F(KubeClientHttpTest, GetSendsAuthorizationTlsAndTimeout) {
  http_.Push(200, R"({"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web"}})");
  KubeClientOptions options;
  options.request_timeout = seconds(7);
  options.user_agent = "rebound-test";
  common::Result<json> object = Client(Connection(), options).Get(kDeployments, "shop", "web");
  ASSERT_TRUE(object.ok()) << object.status().ToString();
  EXPECT_EQ((*object)["metadata"]["name"], "web");

  HttpClientRequest sent = http_.last();
  EXPECT_EQ(sent.method, "GET");
  EXPECT_EQ(sent.url, std::string(kServer) + "/apis/apps/v1/namespaces/shop/deployments/web");
  EXPECT_EQ(HeaderOf(sent, "Authorization"), "Bearer secret-token");
  EXPECT_EQ(HeaderOf(sent, "Accept"), "application/json");
  EXPECT_EQ(HeaderOf(sent, "User-Agent"), "rebound-test");
  EXPECT_EQ(HeaderOf(sent, "Content-Type"), std::nullopt);
  EXPECT_EQ(sent.timeout, seconds(7));
  EXPECT_EQ(sent.tls.ca_pem, "CA PEM");
  EXPECT_FALSE(sent.tls.insecure_skip_tls_verify);
  EXPECT_EQ(sent.body, "");
}

TEST_F(KubeClientHttpTest, TlsSettingsComeFromTheConnection) {
  KubeConnection c;
  c.server = kServer;
  c.tls.ca_file = "/ca.crt";
  c.tls.insecure_skip_tls_verify = true;
  c.tls.client_cert_file = "/c.crt";
  c.tls.client_key_file = "/c.key";
  c.tls.client_cert_pem = "CERT";
  c.tls.client_key_pem = "KEY";
  http_.Push(200, "{}");
  ASSERT_TRUE(Client(c).Get(kNodes, "", "n1").ok());
  HttpClientRequest sent = http_.last();
  EXPECT_EQ(sent.url, std::string(kServer) + "/api/v1/nodes/n1");
  EXPECT_EQ(sent.tls.ca_file, "/ca.crt");
  EXPECT_TRUE(sent.tls.insecure_skip_tls_verify);
  EXPECT_EQ(sent.tls.client_cert_file, "/c.crt");
  EXPECT_EQ(sent.tls.client_key_file, "/c.key");
  EXPECT_EQ(sent.tls.client_cert_pem, "CERT");
  EXPECT_EQ(sent.tls.client_key_pem, "KEY");
  EXPECT_EQ(HeaderOf(sent, "Authorization"), std::nullopt);  // no token configured
}

TEST_F(KubeClientHttpTest, RotatedTokenFileIsSentOnTheNextRequest) {
  testing::TempDir dir;
  testing::WriteFile(dir.File("token"), "one");
  KubeConnection c = Connection();
  c.token = BearerToken::FromFile(dir.File("token"));
  KubeClientHttp& client = Client(c);
  http_.Push(200, "{}");
  http_.Push(200, "{}");
  ASSERT_TRUE(client.Get(kPods, "shop", "p").ok());
  EXPECT_EQ(HeaderOf(http_.last(), "Authorization"), "Bearer one");
  testing::WriteFile(dir.File("token.new"), "two");
  std::filesystem::rename(dir.File("token.new"), dir.File("token"));
  ASSERT_TRUE(client.Get(kPods, "shop", "p").ok());
  EXPECT_EQ(HeaderOf(http_.last(), "Authorization"), "Bearer two");
}

TEST_F(KubeClientHttpTest, GetFillsInKindAndApiVersion) {
  http_.Push(200, R"({"metadata":{"name":"pdb"}})");
  common::Result<json> object = Client().Get(kPodDisruptionBudgets, "shop", "pdb");
  ASSERT_TRUE(object.ok());
  EXPECT_EQ((*object)["kind"], "PodDisruptionBudget");
  EXPECT_EQ((*object)["apiVersion"], "policy/v1");
}

TEST_F(KubeClientHttpTest, ListEncodesSelectorsAndFollowsPages) {
  http_.Push(200, R"({"kind":"PodList","metadata":{"resourceVersion":"10","continue":"next/1"},
                      "items":[{"metadata":{"name":"a"}}]})");
  http_.Push(200, R"({"kind":"PodList","metadata":{"resourceVersion":"10"},
                      "items":[{"metadata":{"name":"b"}},{"metadata":{"name":"c"}}]})");
  ListOptions options{"app=web,tier in (fe)", "spec.nodeName=n1"};
  common::Result<ObjectList> list = Client().List(kPods, "shop", options);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->items.size(), 3u);
  EXPECT_EQ(list->items[2]["metadata"]["name"], "c");
  EXPECT_EQ(list->items[0]["kind"], "Pod");
  EXPECT_EQ(list->items[0]["apiVersion"], "v1");
  EXPECT_EQ(list->resource_version, "10");
  std::vector<HttpClientRequest> sent = http_.requests();
  ASSERT_EQ(sent.size(), 2u);
  const std::string base =
      std::string(kServer) +
      "/api/v1/namespaces/shop/pods?labelSelector=app%3Dweb%2Ctier%20in%20%28fe%29"
      "&fieldSelector=spec.nodeName%3Dn1&limit=500";
  EXPECT_EQ(sent[0].url, base);
  EXPECT_EQ(sent[1].url, base + "&continue=next%2F1");
}

TEST_F(KubeClientHttpTest, ListClusterScopedAndAcrossNamespaces) {
  http_.Push(200, R"({"items":[]})");
  http_.Push(200, R"({"items":null})");
  ASSERT_TRUE(Client().List(kNodes, "", {}).ok());
  EXPECT_EQ(http_.last().url, std::string(kServer) + "/api/v1/nodes?limit=500");
  common::Result<ObjectList> list = client_->List(kDeployments, "", {});
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->items.empty());
  EXPECT_EQ(http_.last().url, std::string(kServer) + "/apis/apps/v1/deployments?limit=500");
}

TEST_F(KubeClientHttpTest, ListRejectsAResponseWithoutItems) {
  http_.Push(200, R"({"items":{}})");
  EXPECT_EQ(Client().List(kPods, "shop", {}).status().code(), StatusCode::kInternal);
}

TEST_F(KubeClientHttpTest, PatchContentTypePerPatchType) {
  json patch = {{"spec", {{"template", {{"metadata", {{"annotations", {{"a", "b"}}}}}}}}}};
  http_.Push(200, R"({"metadata":{"name":"web"}})");
  http_.Push(200, R"({"metadata":{"name":"web"}})");
  KubeClientHttp& client = Client();
  ASSERT_TRUE(client.Patch(kDeployments, "shop", "web", PatchType::kStrategicMerge, patch).ok());
  HttpClientRequest sent = http_.last();
  EXPECT_EQ(sent.method, "PATCH");
  EXPECT_EQ(sent.url, std::string(kServer) + "/apis/apps/v1/namespaces/shop/deployments/web");
  EXPECT_EQ(HeaderOf(sent, "Content-Type"), "application/strategic-merge-patch+json");
  EXPECT_EQ(json::parse(sent.body), patch);
  ASSERT_TRUE(
      client.Patch(kNodes, "", "n1", PatchType::kMerge, {{"spec", {{"unschedulable", true}}}})
          .ok());
  EXPECT_EQ(HeaderOf(http_.last(), "Content-Type"), "application/merge-patch+json");
  EXPECT_EQ(http_.last().url, std::string(kServer) + "/api/v1/nodes/n1");
}

TEST_F(KubeClientHttpTest, ScaleSubresource) {
  http_.Push(200, R"({"kind":"Scale","apiVersion":"autoscaling/v1",
      "metadata":{"name":"db","namespace":"shop","resourceVersion":"41"},
      "spec":{"replicas":2},"status":{"replicas":2,"selector":"app=db"}})");
  KubeClientHttp& client = Client();
  common::Result<Scale> scale = client.GetScale(kStatefulSets, "shop", "db");
  ASSERT_TRUE(scale.ok()) << scale.status().ToString();
  EXPECT_EQ(http_.last().url,
            std::string(kServer) + "/apis/apps/v1/namespaces/shop/statefulsets/db/scale");
  EXPECT_EQ(scale->replicas, 2);
  EXPECT_EQ(scale->selector, "app=db");
  EXPECT_EQ(scale->resource_version, "41");

  scale->replicas = 3;
  http_.Push(200, R"({"metadata":{"name":"db","namespace":"shop","resourceVersion":"42"},
                      "spec":{"replicas":3},"status":{"replicas":2}})");
  common::Result<Scale> updated = client.UpdateScale(kStatefulSets, *scale);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->replicas, 3);
  HttpClientRequest sent = http_.last();
  EXPECT_EQ(sent.method, "PUT");
  EXPECT_EQ(sent.url, std::string(kServer) + "/apis/apps/v1/namespaces/shop/statefulsets/db/scale");
  EXPECT_EQ(HeaderOf(sent, "Content-Type"), "application/json");
  json body = json::parse(sent.body);
  EXPECT_EQ(body["kind"], "Scale");
  EXPECT_EQ(body["metadata"]["resourceVersion"], "41");
  EXPECT_EQ(body["spec"]["replicas"], 3);
}

TEST_F(KubeClientHttpTest, ScaleOfAResourceWithoutOneIsRefusedLocally) {
  common::Status s = Client().GetScale(kPods, "shop", "p").status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "pods have no scale subresource");
  EXPECT_EQ(client_->UpdateScale(kNodes, Scale{}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(http_.requests().empty());
}

TEST_F(KubeClientHttpTest, DeletePodWithGracePeriodAndPreconditions) {
  http_.Push(200, R"({"kind":"Pod"})");
  DeleteOptions options;
  options.grace_period_seconds = 0;
  options.uid = "u-1";
  options.resource_version = "7";
  ASSERT_TRUE(Client().DeletePod("shop", "web-1", options).ok());
  HttpClientRequest sent = http_.last();
  EXPECT_EQ(sent.method, "DELETE");
  EXPECT_EQ(sent.url, std::string(kServer) + "/api/v1/namespaces/shop/pods/web-1");
  EXPECT_EQ(HeaderOf(sent, "Content-Type"), "application/json");
  EXPECT_EQ(
      json::parse(sent.body),
      json::parse(R"({"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background",
                      "gracePeriodSeconds":0,
                      "preconditions":{"uid":"u-1","resourceVersion":"7"}})"));

  http_.Push(200, "{}");
  ASSERT_TRUE(client_->DeletePod("shop", "web-2", {}).ok());
  EXPECT_EQ(json::parse(http_.last().body),
            json::parse(
                R"({"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"})"));
}

TEST_F(KubeClientHttpTest, CreateEvent) {
  http_.Push(201, R"({"kind":"Event","metadata":{"name":"web.1"}})");
  json event = {{"metadata", {{"generateName", "web."}, {"namespace", "shop"}}},
                {"reason", "ReboundHeal"}};
  common::Result<json> created = Client().CreateEvent("shop", event);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ((*created)["metadata"]["name"], "web.1");
  HttpClientRequest sent = http_.last();
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, std::string(kServer) + "/api/v1/namespaces/shop/events");
  json body = json::parse(sent.body);
  EXPECT_EQ(body["kind"], "Event");
  EXPECT_EQ(body["apiVersion"], "v1");
  EXPECT_EQ(body["reason"], "ReboundHeal");
}

TEST_F(KubeClientHttpTest, Leases) {
  const std::string url =
      std::string(kServer) + "/apis/coordination.k8s.io/v1/namespaces/rebound/leases";
  const std::string stored = R"({"kind":"Lease","metadata":{"name":"leader","namespace":"rebound",
      "resourceVersion":"5","labels":{"keep":"me"}},
      "spec":{"holderIdentity":"pod-a","leaseDurationSeconds":15,"leaseTransitions":2,
              "renewTime":"2026-01-01T00:00:00.000000Z"}})";
  http_.Push(200, stored);
  KubeClientHttp& client = Client();
  common::Result<Lease> lease = client.GetLease("rebound", "leader");
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  EXPECT_EQ(http_.last().url, url + "/leader");
  EXPECT_EQ(lease->holder_identity, "pod-a");
  EXPECT_EQ(lease->lease_transitions, 2);

  http_.Push(200, stored);
  lease->holder_identity = "pod-b";
  ASSERT_TRUE(client.UpdateLease(*lease).ok());
  HttpClientRequest sent = http_.last();
  EXPECT_EQ(sent.method, "PUT");
  EXPECT_EQ(sent.url, url + "/leader");
  json body = json::parse(sent.body);
  EXPECT_EQ(body["metadata"]["resourceVersion"], "5");
  EXPECT_EQ(body["metadata"]["labels"]["keep"], "me");
  EXPECT_EQ(body["spec"]["holderIdentity"], "pod-b");

  http_.Push(201, stored);
  ASSERT_TRUE(client.CreateLease(*lease).ok());
  sent = http_.last();
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, url);
  EXPECT_FALSE(json::parse(sent.body)["metadata"].contains("resourceVersion"));

  lease->resource_version.clear();
  size_t before = http_.requests().size();
  common::Status s = client.UpdateLease(*lease).status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(http_.requests().size(), before);
}

TEST_F(KubeClientHttpTest, InvalidArgumentsAreRefusedWithoutARequest) {
  EXPECT_EQ(Client().Get(kPods, "", "p").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(client_->Get(kNodes, "shop", "n").status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(http_.requests().empty());
}

TEST_F(KubeClientHttpTest, MalformedSuccessBodyIsInternal) {
  http_.Push(200, "<html>");
  common::Status s = Client().Get(kPods, "shop", "p").status();
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_NE(s.message().find("not JSON: <html>"), std::string::npos) << s.message();
  http_.Push(200, R"({"spec":{"replicas":"two"}})");
  s = client_->GetScale(kDeployments, "shop", "web").status();
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_NE(s.message().find("spec.replicas must be a 32-bit integer"), std::string::npos)
      << s.message();
}

// --- errors and retries ---

TEST_F(KubeClientHttpTest, NotFoundIsNotRetried) {
  http_.Push(404, Status(404, "NotFound", "deployments.apps \"web\" not found"));
  common::Status s = Client().Get(kDeployments, "shop", "web").status();
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(KubeErrorReason(s), "NotFound");
  EXPECT_EQ(http_.requests().size(), 1u);
  EXPECT_TRUE(sleeper_.sleeps().empty());
}

TEST_F(KubeClientHttpTest, ForbiddenAndUnauthorizedMessages) {
  http_.Push(403, Status(403, "Forbidden", "deployments.apps \"web\" is forbidden"));
  common::Status s =
      Client().Patch(kDeployments, "shop", "web", PatchType::kMerge, json::object()).status();
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(
      s.message().starts_with("forbidden: cannot patch deployments.apps in namespace \"shop\" "
                              "(RBAC: grant verb \"patch\" on "
                              "resource \"deployments\" in API group \"apps\")"))
      << s.message();
  http_.Push(401, Status(401, "Unauthorized", "Unauthorized"));
  s = client_->List(kPods, "shop", {}).status();
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(s.message().starts_with("unauthorized:")) << s.message();
  EXPECT_EQ(http_.requests().size(), 2u);
}

TEST_F(KubeClientHttpTest, ConflictIsReturnedAndRetryOnConflictReReads) {
  // The server: another writer changes the object right after our first read.
  int current_rv = 1;
  int reads = 0;
  int writes = 0;
  http_.SetHandler(
      [&](const HttpClientRequest& request) -> common::Result<common::HttpClientResponse> {
        common::HttpClientResponse response;
        response.status = 200;
        if (request.method == "GET") {
          ++reads;
          response.body = json{{"metadata",
                                {{"name", "web"},
                                 {"namespace", "shop"},
                                 {"resourceVersion", std::to_string(current_rv)}}},
                               {"spec", {{"replicas", 2}}}}
                              .dump();
          if (reads == 1) ++current_rv;
          return response;
        }
        ++writes;
        if (json::parse(request.body)["metadata"]["resourceVersion"] !=
            std::to_string(current_rv)) {
          response.status = 409;
          response.body =
              Status(409, "Conflict", "Operation cannot be fulfilled on deployments.apps \"web\"");
          return response;
        }
        ++current_rv;
        response.body = request.body;
        return response;
      });
  KubeClientHttp& client = Client();
  common::Result<Scale> result = RetryOnConflict(3, [&]() -> common::Result<Scale> {
    common::Result<Scale> scale = client.GetScale(kDeployments, "shop", "web");
    if (!scale.ok()) return scale.status();
    scale->replicas += 1;
    return client.UpdateScale(kDeployments, *scale);
  });
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->replicas, 3);
  EXPECT_EQ(reads, 2);
  EXPECT_EQ(writes, 2);  // the client itself never repeats a 409
  EXPECT_TRUE(sleeper_.sleeps().empty());
}

TEST_F(KubeClientHttpTest, TooManyRequestsHonoursRetryAfter) {
  http_.Push(429, Status(429, "TooManyRequests", "slow down"), {{"retry-after", "3"}});
  http_.Push(429, Status(429, "TooManyRequests", "slow down"), {{"retry-after", "1"}});
  http_.Push(200, "{}");
  // A delete without preconditions is not idempotent, yet 429 means the server did nothing.
  common::Status s = Client().DeletePod("shop", "web-1", {});
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(sleeper_.sleeps(), (std::vector<milliseconds>{seconds(3), seconds(1)}));
  EXPECT_EQ(http_.requests().size(), 3u);
  EXPECT_THAT(observer_.attempts(),
              ::testing::ElementsAre("delete pods 429", "delete pods 429", "delete pods 200"));
}

TEST_F(KubeClientHttpTest, TooManyRequestsWithoutRetryAfterBacksOff) {
  http_.Push(429, Status(429, "TooManyRequests", "slow down"));
  http_.Push(200, "{}");
  ASSERT_TRUE(Client().Get(kPods, "shop", "p").ok());
  // initial_backoff 250ms, jitter 0.5: 125ms + 0.5 * 125ms.
  EXPECT_EQ(sleeper_.sleeps(), (std::vector<milliseconds>{milliseconds(187)}));
}

TEST_F(KubeClientHttpTest, RetryAfterBeyondTheLimitIsNotWaitedFor) {
  http_.Push(429, Status(429, "TooManyRequests", "slow down"), {{"retry-after", "600"}});
  common::Status s = Client().Get(kPods, "shop", "p").status();
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(KubeErrorReason(s), "TooManyRequests");
  EXPECT_NE(s.message().find("retry after 600s, more than the 30s limit"), std::string::npos)
      << s.message();
  EXPECT_TRUE(sleeper_.sleeps().empty());
}

TEST_F(KubeClientHttpTest, TooManyRequestsGivesUpAfterMaxAttempts) {
  for (int i = 0; i < 5; ++i) {
    http_.Push(429, Status(429, "TooManyRequests", "slow down"), {{"retry-after", "1"}});
  }
  common::Status s = Client().Get(kPods, "shop", "p").status();
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(s.message().starts_with("gave up after 5 attempts: get pods")) << s.message();
  EXPECT_EQ(sleeper_.sleeps().size(), 4u);
}

TEST_F(KubeClientHttpTest, ServerErrorsAreRetriedWithBackoffThenSurfaced) {
  for (int i = 0; i < 5; ++i) http_.Push(500, Status(500, "InternalError", "etcd is sad"));
  KubeClientOptions options;
  options.retry.initial_backoff = milliseconds(100);
  options.retry.max_backoff = milliseconds(500);
  common::Status s = Client(Connection(), options).Get(kDeployments, "shop", "web").status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(KubeErrorReason(s), "InternalError");
  EXPECT_EQ(
      s.message(),
      "gave up after 5 attempts: get deployments.apps \"web\" in namespace \"shop\": etcd is sad "
      "(reason InternalError, HTTP 500)");
  EXPECT_EQ(http_.requests().size(), 5u);
  // Steps 100, 200, 400, 500 (capped); each waits its lower half plus half of the upper half.
  EXPECT_EQ(sleeper_.sleeps(), (std::vector<milliseconds>{milliseconds(75), milliseconds(150),
                                                          milliseconds(300), milliseconds(375)}));
  EXPECT_THAT(
      observer_.attempts(),
      ::testing::ElementsAre("get deployments 500", "get deployments 500", "get deployments 500",
                             "get deployments 500", "get deployments 500"));
}

TEST_F(KubeClientHttpTest, StopEndsARetryWaitWithCancelled) {
  http_.Push(503, Status(503, "ServiceUnavailable", "etcd is away"), {{"retry-after", "20"}});
  http_.Push(200, "{}");
  sleeper_.HoldUntilStopped(seconds(10));
  KubeClient& client = Client();
  std::future<common::Status> got =
      std::async(std::launch::async, [&] { return client.Get(kPods, "shop", "p").status(); });
  ASSERT_TRUE(sleeper_.WaitForSleeps(1, seconds(10)));  // waiting out the Retry-After
  const auto stopping = std::chrono::steady_clock::now();
  stop_.request_stop();
  ASSERT_EQ(got.wait_for(seconds(10)), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, seconds(5)) << "waited out the hold";
  common::Status s = got.get();
  EXPECT_EQ(s.code(), StatusCode::kCancelled);
  EXPECT_EQ(s.message(),
            "stopping: not retried after attempt 1: get pods \"p\" in namespace \"shop\": etcd "
            "is away (reason ServiceUnavailable, HTTP 503)");
  EXPECT_EQ(http_.requests().size(), 1u);
}

TEST_F(KubeClientHttpTest, ServerErrorThenSuccess) {
  http_.Push(503, "upstream connect error");
  http_.Push(502, "");
  http_.Push(200, R"({"items":[]})");
  ASSERT_TRUE(Client().List(kNodes, "", {}).ok());
  EXPECT_EQ(http_.requests().size(), 3u);
}

TEST_F(KubeClientHttpTest, NonIdempotentRequestsAreNotRetriedOnServerErrors) {
  http_.Push(500, Status(500, "InternalError", "boom"));
  common::Status s = Client().DeletePod("shop", "web-1", {});
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(http_.requests().size(), 1u);

  // With a uid precondition a repeat cannot hit a replacement pod, so it is retried.
  http_.Push(500, Status(500, "InternalError", "boom"));
  http_.Push(200, "{}");
  DeleteOptions options;
  options.uid = "u-1";
  EXPECT_TRUE(client_->DeletePod("shop", "web-1", options).ok());
  EXPECT_EQ(http_.requests().size(), 3u);

  // An update without resourceVersion neither.
  http_.Push(common::Unavailable("PUT https://k8s.example:6443/...: Connection reset"));
  Scale scale;
  scale.name = "web";
  scale.ns = "shop";
  scale.replicas = 1;
  EXPECT_EQ(client_->UpdateScale(kDeployments, scale).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(http_.requests().size(), 4u);
}

TEST_F(KubeClientHttpTest, ServiceUnavailableWithRetryAfterIsRetriedForAnyVerb) {
  http_.Push(503, Status(503, "ServiceUnavailable", "starting"), {{"retry-after", "2"}});
  http_.Push(200, "{}");
  EXPECT_TRUE(Client().DeletePod("shop", "web-1", {}).ok());
  EXPECT_EQ(sleeper_.sleeps(), (std::vector<milliseconds>{seconds(2)}));
}

TEST_F(KubeClientHttpTest, TimeoutsBecomeDeadlineExceededAfterBoundedRetries) {
  http_.SetHandler(
      [&](const HttpClientRequest& request) -> common::Result<common::HttpClientResponse> {
        clock_.Advance(request.timeout);
        return common::DeadlineExceeded("GET https://k8s.example:6443/...: Timeout was reached");
      });
  KubeClientOptions options;
  options.request_timeout = seconds(2);
  options.retry.max_attempts = 3;
  common::Status s = Client(Connection(), options).Get(kPods, "shop", "p").status();
  EXPECT_EQ(s.code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(s.message(),
            "gave up after 3 attempts: get pods \"p\" in namespace \"shop\": GET "
            "https://k8s.example:6443/...: Timeout was reached");
  EXPECT_EQ(http_.requests().size(), 3u);
  EXPECT_THAT(
      observer_.attempts(),
      ::testing::ElementsAre("get pods timed-out", "get pods timed-out", "get pods timed-out"));
  EXPECT_EQ(KubeErrorReason(s), "");
}

TEST_F(KubeClientHttpTest, TransportErrorsAreRetriedForReads) {
  http_.Push(common::Unavailable("GET https://k8s.example:6443/...: Couldn't connect to server"));
  http_.Push(200, "{}");
  ASSERT_TRUE(Client().Get(kPods, "shop", "p").ok());
  EXPECT_THAT(observer_.attempts(), ::testing::ElementsAre("get pods no-response", "get pods 200"));
}

TEST_F(KubeClientHttpTest, MalformedRequestsFromTheTransportAreNotRetried) {
  http_.Push(common::InvalidArgument("GET bad: URL using bad/illegal format"));
  EXPECT_EQ(Client().Get(kPods, "shop", "p").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(http_.requests().size(), 1u);
}

TEST_F(KubeClientHttpTest, UnreadableTokenFileFailsTheRequest) {
  testing::TempDir dir;
  KubeConnection c = Connection();
  c.token = BearerToken::FromFile(dir.File("missing"));
  common::Status s = Client(c).Get(kPods, "shop", "p").status();
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find(dir.File("missing")), std::string::npos);
  EXPECT_TRUE(http_.requests().empty());
}

TEST_F(KubeClientHttpTest, DurationsAreObserved) {
  http_.SetHandler([&](const HttpClientRequest&) -> common::Result<common::HttpClientResponse> {
    clock_.Advance(milliseconds(40));
    common::HttpClientResponse response;
    response.status = 200;
    response.body = "{}";
    return response;
  });
  ASSERT_TRUE(Client().Get(kPods, "shop", "p").ok());
  EXPECT_THAT(observer_.attempts(), ::testing::ElementsAre("get pods 200"));
  EXPECT_THAT(observer_.elapsed(), ::testing::ElementsAre(milliseconds(40)));
}

// --- exec credential plugins ---

KubeConnection ExecConnection(const testing::PluginScript& plugin) {
  KubeConnection c;
  c.server = kServer;
  c.exec = std::make_shared<ExecCredentialPlugin>(plugin.Config());
  return c;
}

const std::string kPrintRunToken =
    "printf '%s' '" + testing::CredentialJson(R"("token":"tok-'$n'")") + "'";

TEST_F(KubeClientHttpTest, ExecTokenIsSentAndReusedAcrossRequests) {
  testing::PluginScript plugin(kPrintRunToken);
  KubeClientHttp& client = Client(ExecConnection(plugin));
  http_.Push(200, "{}");
  http_.Push(200, "{}");
  ASSERT_TRUE(client.Get(kPods, "shop", "a").ok());
  ASSERT_TRUE(client.Get(kPods, "shop", "b").ok());
  for (const HttpClientRequest& sent : http_.requests()) {
    EXPECT_EQ(HeaderOf(sent, "Authorization"), "Bearer tok-1");
  }
  EXPECT_EQ(plugin.Runs(), 1);
}

TEST_F(KubeClientHttpTest, ExecPluginRunsAgainAfterA401AndTheRequestIsRepeatedOnce) {
  testing::PluginScript plugin(kPrintRunToken);
  KubeClientHttp& client = Client(ExecConnection(plugin));
  http_.Push(401, Status(401, "Unauthorized", "Unauthorized"));
  http_.Push(200, R"({"metadata":{"name":"a"}})");
  ASSERT_TRUE(client.Get(kPods, "shop", "a").ok());
  std::vector<HttpClientRequest> sent = http_.requests();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(HeaderOf(sent[0], "Authorization"), "Bearer tok-1");
  EXPECT_EQ(HeaderOf(sent[1], "Authorization"), "Bearer tok-2");
  EXPECT_TRUE(sleeper_.sleeps().empty());

  // Still rejected with a fresh credential: one re-run, then the 401 is reported.
  http_.Push(401, Status(401, "Unauthorized", "Unauthorized"));
  http_.Push(401, Status(401, "Unauthorized", "Unauthorized"));
  common::Status s = client.Get(kPods, "shop", "a").status();
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(http_.requests().size(), 4u);
  EXPECT_EQ(plugin.Runs(), 3);
}

TEST_F(KubeClientHttpTest, ExecClientCertificateGoesIntoTls) {
  testing::PluginScript plugin(
      "printf '%s' '" +
      testing::CredentialJson(R"("clientCertificateData":"CERT","clientKeyData":"KEY")") + "'");
  http_.Push(200, "{}");
  ASSERT_TRUE(Client(ExecConnection(plugin)).Get(kPods, "shop", "a").ok());
  HttpClientRequest sent = http_.last();
  EXPECT_EQ(HeaderOf(sent, "Authorization"), std::nullopt);
  EXPECT_EQ(sent.tls.client_cert_pem, "CERT");
  EXPECT_EQ(sent.tls.client_key_pem, "KEY");
}

TEST_F(KubeClientHttpTest, ExecPluginFailureFailsTheRequestWithoutSendingIt) {
  testing::PluginScript plugin("echo 'no credentials' >&2; exit 1");
  common::Status s = Client(ExecConnection(plugin)).Get(kPods, "shop", "a").status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("exited with status 1: no credentials"), std::string::npos)
      << s.message();
  EXPECT_TRUE(http_.requests().empty());
}

}  // namespace
}  // namespace rebound::kube
