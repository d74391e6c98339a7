// KubeClientHttp against the real kubesim binary over HTTPS, with a throwaway CA made by
// openssl: every KubeClient operation, retries against injected faults (409, 429 with
// Retry-After, 500, a hanging request), 401/403 messages, kubeconfig loading end to end, and
// leader election between two clients sharing kubesim's Lease (their timing on a FakeClock).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "common/base64.h"
#include "common/http_client.h"
#include "kube/api_error.h"
#include "kube/event.h"
#include "kube/kube_client_http.h"
#include "kube/leader_election.h"
#include "kube/object.h"
#include "kube/retry_on_conflict.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/process.h"

namespace rebound::kube {
namespace {

using common::StatusCode;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::TempDir;

constexpr const char* kAdminToken = "admin-token";
constexpr const char* kReaderToken = "reader-token";

// Records the waits it is asked for, then waits for real.
class RecordingSleeper final : public common::Sleeper {
 public:
  bool SleepFor(milliseconds duration, std::stop_token stop) override {
    {
      std::lock_guard lock(mu_);
      sleeps_.push_back(duration);
    }
    return real_.SleepFor(duration, stop);
  }
  std::vector<milliseconds> sleeps() {
    std::lock_guard lock(mu_);
    return sleeps_;
  }

 private:
  common::RealSleeper real_;
  std::mutex mu_;
  std::vector<milliseconds> sleeps_;
};

// Writes ca.crt and a server certificate for 127.0.0.1 signed by it into `dir`.
bool MakeCertificates(const TempDir& dir) {
  testing::WriteFile(dir.File("san.ext"), "subjectAltName=IP:127.0.0.1\n");
  std::string d = dir.path();
  std::string script =
      "set -e; cd " + d +
      "; openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key"
      " -out ca.crt -days 1 -subj /CN=rebound-test-ca"
      "; openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key"
      " -out server.csr -subj /CN=127.0.0.1"
      "; openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt"
      " -days 1 -extfile san.ext 2>&1";
  testing::CommandResult result = testing::RunCommand(script);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  return result.exit_code == 0;
}

class KubesimClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(MakeCertificates(dir_));
    process_ = testing::Process::Start(
        {testing::BinaryPath("tools/kubesim/kubesim"), "--listen", "127.0.0.1:0", "--tls-cert",
         dir_.File("server.crt"), "--tls-key", dir_.File("server.key"), "--token", kAdminToken,
         "--token", std::string(kReaderToken) + ";user=reader;verbs=get,list"},
        dir_.File("kubesim.log"));
    ASSERT_NE(process_, nullptr);
    std::regex port_line(R"((?:^|:)(\d{2,5})\s*$)");
    ASSERT_TRUE(testing::WaitFor(
        [&] {
          std::istringstream log(process_->Log());
          for (std::string line; std::getline(log, line);) {
            std::smatch m;
            if (std::regex_search(line, m, port_line)) {
              port_ = std::stoi(m[1]);
              return true;
            }
          }
          return false;
        },
        seconds(20)))
        << process_->Log();
    client_ = MakeClient(Connection(kAdminToken));
    ASSERT_TRUE(
        Admin("POST", "/api/v1/namespaces",
              json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "shop"}}}})
            .ok());
  }

  std::string Server() const { return "https://127.0.0.1:" + std::to_string(port_); }

  KubeConnection Connection(const std::string& token) const {
    KubeConnection c;
    c.server = Server();
    c.tls.ca_file = dir_.File("ca.crt");
    c.token = BearerToken::Fixed(token);
    return c;
  }

  std::unique_ptr<KubeClientHttp> MakeClient(KubeConnection connection,
                                             KubeClientOptions options = Options()) {
    return std::make_unique<KubeClientHttp>(
        std::move(connection), KubeClientDeps{http_, clock_, sleeper_, random_, nullptr, {}},
        std::move(options));
  }

  static KubeClientOptions Options() {
    KubeClientOptions options;
    options.request_timeout = seconds(5);
    options.retry.initial_backoff = milliseconds(20);
    options.retry.max_backoff = milliseconds(100);
    return options;
  }

  // A raw admin request (seeding objects, fault injection): OK for 2xx and for 409 on POST.
  common::Status Admin(const std::string& method, const std::string& path, const json& body) {
    common::HttpClientRequest request;
    request.method = method;
    request.url = Server() + path;
    request.tls.ca_file = dir_.File("ca.crt");
    request.headers = {{"Authorization", std::string("Bearer ") + kAdminToken},
                       {"Content-Type", "application/json"}};
    request.body = body.dump();
    common::Result<common::HttpClientResponse> response = http_.Send(request);
    if (!response.ok()) return response.status();
    if (response->status / 100 == 2 || (method == "POST" && response->status == 409)) {
      return common::Status::Ok();
    }
    return common::Internal(method + " " + path + ": HTTP " + std::to_string(response->status) +
                            ": " + response->body);
  }

  void Fault(json fault) { ASSERT_TRUE(Admin("POST", "/kubesim/v1/faults", fault).ok()); }

  void SeedWorkloads() {
    json template_spec = {{"metadata", {{"labels", {{"app", "web"}}}}},
                          {"spec", {{"containers", {{{"name", "web"}, {"image", "nginx:1.27"}}}}}}};
    ASSERT_TRUE(
        Admin("POST", "/apis/apps/v1/namespaces/shop/deployments",
              {{"apiVersion", "apps/v1"},
               {"kind", "Deployment"},
               {"metadata", {{"name", "web"}, {"labels", {{"app", "web"}, {"tier", "fe"}}}}},
               {"spec",
                {{"replicas", 2},
                 {"selector", {{"matchLabels", {{"app", "web"}}}}},
                 {"template", template_spec}}}})
            .ok());
    json db_template = template_spec;
    db_template["metadata"]["labels"]["app"] = "db";
    ASSERT_TRUE(Admin("POST", "/apis/apps/v1/namespaces/shop/statefulsets",
                      {{"apiVersion", "apps/v1"},
                       {"kind", "StatefulSet"},
                       {"metadata", {{"name", "db"}}},
                       {"spec",
                        {{"replicas", 1},
                         {"serviceName", "db"},
                         {"selector", {{"matchLabels", {{"app", "db"}}}}},
                         {"template", db_template}}}})
                    .ok());
    ASSERT_TRUE(Admin("POST", "/api/v1/namespaces/shop/pods",
                      {{"apiVersion", "v1"},
                       {"kind", "Pod"},
                       {"metadata", {{"name", "solo"}, {"labels", {{"app", "solo"}}}}},
                       {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}})
                    .ok());
    ASSERT_TRUE(
        Admin("POST", "/apis/policy/v1/namespaces/shop/poddisruptionbudgets",
              {{"apiVersion", "policy/v1"},
               {"kind", "PodDisruptionBudget"},
               {"metadata", {{"name", "web"}}},
               {"spec", {{"minAvailable", 1}, {"selector", {{"matchLabels", {{"app", "web"}}}}}}}})
            .ok());
  }

  TempDir dir_;
  std::unique_ptr<testing::Process> process_;
  int port_ = 0;
  common::CurlHttpClient http_;
  common::SystemClock clock_;
  RecordingSleeper sleeper_;
  common::SystemRandom random_;
  std::unique_ptr<KubeClientHttp> client_;
};

TEST_F(KubesimClientTest, GetAndListEveryResource) {
  SeedWorkloads();
  common::Result<json> web = client_->Get(kDeployments, "shop", "web");
  ASSERT_TRUE(web.ok()) << web.status().ToString();
  EXPECT_EQ(ObjectName(*web), "web");
  EXPECT_EQ((*web)["kind"], "Deployment");
  EXPECT_FALSE(ObjectResourceVersion(*web).empty());

  common::Result<ObjectList> deployments =
      client_->List(kDeployments, "shop", {"app=web,tier=fe", ""});
  ASSERT_TRUE(deployments.ok()) << deployments.status().ToString();
  ASSERT_EQ(deployments->items.size(), 1u);
  EXPECT_FALSE(deployments->resource_version.empty());
  ASSERT_TRUE(client_->List(kDeployments, "shop", {"tier!=fe", ""}).ok());
  EXPECT_TRUE(client_->List(kDeployments, "shop", {"tier!=fe", ""})->items.empty());
  common::Result<ObjectList> everywhere = client_->List(kDeployments, "", {});
  ASSERT_TRUE(everywhere.ok());
  EXPECT_EQ(everywhere->items.size(), 1u);

  ASSERT_TRUE(client_->Get(kStatefulSets, "shop", "db").ok());
  ASSERT_TRUE(client_->Get(kPodDisruptionBudgets, "shop", "web").ok());
  ASSERT_EQ(client_->List(kPodDisruptionBudgets, "shop", {})->items.size(), 1u);

  // The simulated controllers: a ReplicaSet for the Deployment and its pods.
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        auto rs = client_->List(kReplicaSets, "shop", {"app=web", ""});
        auto pods = client_->List(kPods, "shop", {"app=web", ""});
        return rs.ok() && rs->items.size() == 1 && pods.ok() && pods->items.size() == 2;
      },
      seconds(20)))
      << process_->Log();
  common::Result<ObjectList> pods = client_->List(kPods, "shop", {"app=web", ""});
  std::optional<OwnerReference> owner = ControllerOf(pods->items[0]);
  ASSERT_TRUE(owner.has_value());
  EXPECT_EQ(owner->kind, "ReplicaSet");

  common::Result<ObjectList> nodes = client_->List(kNodes, "", {});
  ASSERT_TRUE(nodes.ok()) << nodes.status().ToString();
  ASSERT_FALSE(nodes->items.empty());
  ASSERT_TRUE(client_->Get(kNodes, "", ObjectName(nodes->items[0])).ok());

  common::Status missing = client_->Get(kDeployments, "shop", "nope").status();
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_EQ(KubeErrorReason(missing), "NotFound");
  EXPECT_NE(missing.message().find("deployments.apps \"nope\" not found"), std::string::npos)
      << missing.message();
}

TEST_F(KubesimClientTest, PatchScaleDelete) {
  SeedWorkloads();
  json restart = {
      {"spec",
       {{"template",
         {{"metadata",
           {{"annotations", {{"kubectl.kubernetes.io/restartedAt", "2026-01-01T00:00:00Z"}}}}}}}}}};
  common::Result<json> patched =
      client_->Patch(kDeployments, "shop", "web", PatchType::kStrategicMerge, restart);
  ASSERT_TRUE(patched.ok()) << patched.status().ToString();
  EXPECT_EQ((*patched)["spec"]["template"]["metadata"]["annotations"]
                      ["kubectl.kubernetes.io/restartedAt"],
            "2026-01-01T00:00:00Z");
  patched = client_->Patch(kDeployments, "shop", "web", PatchType::kMerge,
                           {{"metadata", {{"annotations", {{"rebound.io/last-heal", "now"}}}}}});
  ASSERT_TRUE(patched.ok()) << patched.status().ToString();
  EXPECT_EQ(ObjectAnnotation(*patched, "rebound.io/last-heal"), "now");
  // A patch carrying a stale resourceVersion is refused.
  common::Status stale = client_
                             ->Patch(kDeployments, "shop", "web", PatchType::kMerge,
                                     {{"metadata", {{"resourceVersion", "1"}}}})
                             .status();
  EXPECT_EQ(stale.code(), StatusCode::kConflict) << stale.ToString();

  common::Result<ObjectList> nodes = client_->List(kNodes, "", {});
  ASSERT_TRUE(nodes.ok() && !nodes->items.empty());
  std::string node = ObjectName(nodes->items[0]);
  ASSERT_TRUE(client_
                  ->Patch(kNodes, "", node, PatchType::kStrategicMerge,
                          {{"spec", {{"unschedulable", true}}}})
                  .ok());
  EXPECT_EQ((*client_->Get(kNodes, "", node))["spec"]["unschedulable"], true);

  for (const Resource* resource : {&kDeployments, &kStatefulSets}) {
    std::string name = *resource == kDeployments ? "web" : "db";
    common::Result<Scale> first = client_->GetScale(*resource, "shop", name);
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    const int64_t wanted = first->replicas + 1;
    // kubesim's controllers write the object's status meanwhile, as a real cluster's do: a
    // read-modify-write of the scale is retried on Conflict, as every real client does.
    Scale read;
    common::Result<Scale> updated = RetryOnConflict(5, [&]() -> common::Result<Scale> {
      common::Result<Scale> scale = client_->GetScale(*resource, "shop", name);
      if (!scale.ok()) return scale.status();
      read = *scale;
      read.replicas = wanted;
      return client_->UpdateScale(*resource, read);
    });
    ASSERT_TRUE(updated.ok()) << updated.status().ToString();
    EXPECT_EQ(updated->replicas, wanted);
    EXPECT_EQ((*client_->Get(*resource, "shop", name))["spec"]["replicas"], wanted);
    // Writing again with the resourceVersion read before the update conflicts.
    EXPECT_EQ(client_->UpdateScale(*resource, read).status().code(), StatusCode::kConflict);
  }

  common::Result<json> solo = client_->Get(kPods, "shop", "solo");
  ASSERT_TRUE(solo.ok());
  DeleteOptions wrong_uid;
  wrong_uid.uid = "not-the-uid";
  EXPECT_EQ(client_->DeletePod("shop", "solo", wrong_uid).code(), StatusCode::kConflict);
  DeleteOptions options;
  options.uid = ObjectUid(*solo);
  options.grace_period_seconds = 0;
  common::Status deleted = client_->DeletePod("shop", "solo", options);
  ASSERT_TRUE(deleted.ok()) << deleted.ToString();
  EXPECT_TRUE(testing::WaitFor(
      [&] { return client_->Get(kPods, "shop", "solo").status().code() == StatusCode::kNotFound; },
      seconds(10)));
  EXPECT_EQ(client_->DeletePod("shop", "solo", {}).code(), StatusCode::kNotFound);
}

TEST_F(KubesimClientTest, EventsAndLeases) {
  SeedWorkloads();
  common::Result<json> web = client_->Get(kDeployments, "shop", "web");
  ASSERT_TRUE(web.ok());
  EventInfo info;
  info.reason = "ReboundHeal";
  info.message = "restarted";
  common::Result<json> event = client_->CreateEvent(
      "shop", NewEvent(*web, info, common::Timestamp::FromTimePoint(clock_.Now())));
  ASSERT_TRUE(event.ok()) << event.status().ToString();
  EXPECT_TRUE(ObjectName(*event).starts_with("web.")) << event->dump();
  common::Result<ObjectList> events =
      client_->List(kEvents, "shop", {"", "involvedObject.name=web"});
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  bool found = false;
  for (const json& e : events->items) found = found || e["reason"] == "ReboundHeal";
  EXPECT_TRUE(found);

  EXPECT_EQ(client_->GetLease("shop", "leader").status().code(), StatusCode::kNotFound);
  Lease lease;
  lease.name = "leader";
  lease.ns = "shop";
  lease.holder_identity = "me";
  lease.lease_duration_seconds = 15;
  lease.renew_time = common::Timestamp::FromTimePoint(clock_.Now());
  common::Result<Lease> created = client_->CreateLease(lease);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_FALSE(created->resource_version.empty());
  common::Status again = client_->CreateLease(lease).status();
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists) << again.ToString();
  EXPECT_EQ(KubeErrorReason(again), "AlreadyExists");

  common::Result<Lease> read = client_->GetLease("shop", "leader");
  ASSERT_TRUE(read.ok());
  // MicroTime keeps microseconds.
  common::Timestamp renewed{lease.renew_time->seconds, lease.renew_time->nanos / 1000 * 1000};
  EXPECT_EQ(read->renew_time, renewed);
  read->holder_identity = "you";
  common::Result<Lease> updated = client_->UpdateLease(*read);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->holder_identity, "you");
  EXPECT_EQ(client_->UpdateLease(*read).status().code(), StatusCode::kConflict);
}

TEST_F(KubesimClientTest, InjectedConflictIsResolvedByReReading) {
  SeedWorkloads();
  Fault(
      {{"verb", "update"}, {"resource", "deployments/scale"}, {"type", "conflict"}, {"count", 2}});
  int attempts = 0;
  std::string history;  // what each attempt saw, for the failure message
  // Two injected conflicts, plus any real one: kubesim's controllers write the Deployment's
  // status meanwhile, as a real cluster's do.
  common::Result<Scale> result = RetryOnConflict(6, [&]() -> common::Result<Scale> {
    ++attempts;
    common::Result<Scale> scale = client_->GetScale(kDeployments, "shop", "web");
    if (!scale.ok()) return scale.status();
    scale->replicas = 5;
    common::Result<Scale> updated = client_->UpdateScale(kDeployments, *scale);
    history += "\n  attempt " + std::to_string(attempts) + ": " +
               (updated.ok() ? "ok" : updated.status().ToString());
    return updated;
  });
  ASSERT_TRUE(result.ok()) << result.status().ToString() << history;
  EXPECT_GE(attempts, 3) << history << "\n  sleeps: " << sleeper_.sleeps().size();
  EXPECT_EQ(result->replicas, 5);
}

TEST_F(KubesimClientTest, ThrottlingHonoursRetryAfter) {
  SeedWorkloads();
  Fault({{"verb", "patch"},
         {"resource", "deployments"},
         {"type", "throttle"},
         {"count", 2},
         {"retryAfterSeconds", 1}});
  auto start = std::chrono::steady_clock::now();
  common::Result<json> patched = client_->Patch(kDeployments, "shop", "web", PatchType::kMerge,
                                                {{"metadata", {{"labels", {{"x", "y"}}}}}});
  ASSERT_TRUE(patched.ok()) << patched.status().ToString();
  EXPECT_EQ(sleeper_.sleeps(), (std::vector<milliseconds>{seconds(1), seconds(1)}));
  EXPECT_GE(std::chrono::steady_clock::now() - start, seconds(2));
}

TEST_F(KubesimClientTest, ServerErrorsAreRetriedThenSurfaced) {
  SeedWorkloads();
  Fault({{"verb", "get"}, {"resource", "deployments"}, {"type", "error"}, {"count", 2}});
  ASSERT_TRUE(client_->Get(kDeployments, "shop", "web").ok());
  EXPECT_EQ(sleeper_.sleeps().size(), 2u);

  Fault({{"verb", "get"}, {"resource", "deployments"}, {"type", "error"}, {"count", 10}});
  common::Status s = client_->Get(kDeployments, "shop", "web").status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(s.message().starts_with("gave up after 5 attempts")) << s.message();
  EXPECT_EQ(KubeErrorReason(s), "InternalError") << s.message();
}

TEST_F(KubesimClientTest, HangingRequestTimesOut) {
  Fault(
      {{"verb", "get"}, {"resource", "pods"}, {"type", "hang"}, {"count", 2}, {"maxHang", "30s"}});
  KubeClientOptions options = Options();
  options.request_timeout = seconds(1);
  options.retry.max_attempts = 2;
  auto client = MakeClient(Connection(kAdminToken), options);
  auto start = std::chrono::steady_clock::now();
  common::Status s = client->Get(kPods, "shop", "p").status();
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(s.code(), StatusCode::kDeadlineExceeded) << s.ToString();
  EXPECT_TRUE(s.message().starts_with("gave up after 2 attempts: get pods \"p\"")) << s.message();
  EXPECT_GE(elapsed, seconds(2));
  EXPECT_LT(elapsed, seconds(10));
}

TEST_F(KubesimClientTest, UnauthorizedAndForbidden) {
  auto stranger = MakeClient(Connection("wrong-token"));
  common::Status s = stranger->Get(kDeployments, "shop", "web").status();
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated) << s.ToString();
  EXPECT_TRUE(s.message().starts_with("unauthorized:")) << s.message();

  SeedWorkloads();
  auto reader = MakeClient(Connection(kReaderToken));
  ASSERT_TRUE(reader->Get(kDeployments, "shop", "web").ok());
  s = reader->Patch(kDeployments, "shop", "web", PatchType::kMerge, json::object()).status();
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
  EXPECT_TRUE(s.message().starts_with(
      "forbidden: cannot patch deployments.apps in namespace \"shop\" (RBAC: grant verb \"patch\" "
      "on resource \"deployments\" in API group \"apps\")"))
      << s.message();
  EXPECT_EQ(KubeErrorReason(s), "Forbidden");
}

TEST_F(KubesimClientTest, TlsIsVerified) {
  KubeConnection no_ca = Connection(kAdminToken);
  no_ca.tls.ca_file.clear();
  KubeClientOptions options = Options();
  options.retry.max_attempts = 1;
  common::Status s = MakeClient(no_ca, options)->List(kNodes, "", {}).status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();

  KubeConnection insecure = no_ca;
  insecure.tls.insecure_skip_tls_verify = true;
  EXPECT_TRUE(MakeClient(insecure, options)->List(kNodes, "", {}).ok());
}

TEST_F(KubesimClientTest, KubeconfigEndToEnd) {
  std::string ca = testing::ReadFile(dir_.File("ca.crt"));
  testing::WriteFile(
      dir_.File("kubeconfig"),
      "apiVersion: v1\nkind: Config\ncurrent-context: sim\n"
      "clusters:\n- name: sim\n  cluster:\n    server: " +
          Server() + "\n    certificate-authority-data: " + common::Base64Encode(ca) +
          "\nusers:\n- name: admin\n  user:\n    token: " + kAdminToken +
          "\ncontexts:\n- name: sim\n  context: {cluster: sim, user: admin, namespace: shop}\n");
  KubeConfigOptions config{KubeMode::kKubeconfig, dir_.File("kubeconfig"), ""};
  common::Result<KubeConnection> connection = LoadKubeConnection(config, KubeEnvironment::System());
  ASSERT_TRUE(connection.ok()) << connection.status().ToString();
  EXPECT_EQ(connection->default_namespace, "shop");
  EXPECT_TRUE(MakeClient(*connection)->List(kNodes, "", {}).ok());
}

TEST_F(KubesimClientTest, LeaderElectionBetweenTwoClients) {
  // Both replicas talk to kubesim for real; their lease timing runs on one FakeClock.
  testing::FakeClock fake;
  auto client_a = MakeClient(Connection(kAdminToken));
  auto client_b = MakeClient(Connection(kAdminToken));
  auto config = [](const std::string& identity) {
    LeaderElectionConfig c;
    c.lease_namespace = "shop";
    c.lease_name = "rebound-leader";
    c.identity = identity;
    return c;
  };
  int a_started = 0, b_started = 0;
  auto a = LeaderElector::Create(*client_a, fake, config("pod-a"), {[&] { ++a_started; }, {}, {}});
  auto b = LeaderElector::Create(*client_b, fake, config("pod-b"), {[&] { ++b_started; }, {}, {}});
  ASSERT_TRUE(a.ok() && b.ok());
  (*a)->Step();
  (*b)->Step();
  for (int i = 0; i < 5; ++i) {
    fake.Advance(seconds(2));
    (*a)->Step();
    (*b)->Step();
    EXPECT_TRUE((*a)->IsLeader());
    EXPECT_FALSE((*b)->IsLeader());
  }
  // pod-a stops renewing; pod-b takes over once the lease has expired.
  for (int i = 0; i < 7; ++i) {
    fake.Advance(seconds(2));
    (*b)->Step();
    EXPECT_FALSE((*b)->IsLeader()) << i;
  }
  fake.Advance(seconds(2));
  (*b)->Step();
  EXPECT_TRUE((*b)->IsLeader());
  EXPECT_EQ(a_started, 1);
  EXPECT_EQ(b_started, 1);
  common::Result<Lease> lease = client_->GetLease("shop", "rebound-leader");
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(lease->holder_identity, "pod-b");
  EXPECT_EQ(lease->lease_transitions, 1);
}

}  // namespace
}  // namespace rebound::kube
