// The real kubectl as referee: each command against the kubesim binary, checked for its
// effect, over HTTP, and over HTTPS with bearer tokens (401 and 403 included).
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "tests/support/kubesim_harness.h"

namespace rebound::kubesim::testing {
namespace {

using nlohmann::json;
using rebound::testing::CommandResult;
using rebound::testing::WaitFor;
using std::chrono::seconds;

constexpr char kScenario[] = R"(
namespaces: [shop]
deployments:
  - {name: web, namespace: shop, replicas: 2, image: "nginx:1.27"}
)";

constexpr char kLease[] = R"(apiVersion: coordination.k8s.io/v1
kind: Lease
metadata:
  name: rebound-leader
  namespace: shop
spec:
  holderIdentity: rebound-0
  leaseDurationSeconds: 15
  acquireTime: "2025-01-01T00:00:00.000000Z"
  renewTime: "2025-01-01T00:00:00.000000Z"
  leaseTransitions: 0
)";

class KubesimKubectlTest : public ::testing::Test {
 protected:
  // Runs kubectl and expects success; its output.
  std::string Ok(const std::string& args) {
    CommandResult result = sim_.Kubectl(args, token_);
    EXPECT_EQ(result.exit_code, 0) << "kubectl " << args << "\n" << result.output;
    return result.output;
  }
  json Object(const std::string& what) {
    return json::parse(Ok("get " + what + " -o json"), nullptr, false);
  }
  std::set<std::string> WebPods() {
    std::set<std::string> names;
    std::istringstream lines(Ok("get pods -n shop -l app=web -o name"));
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) names.insert(line);
    }
    return names;
  }
  // Waits until the Deployment "web" has `replicas` ready, up-to-date pods and no others.
  bool WebSettles(int replicas) {
    return WaitFor(
        [&] {
          json d = Object("deployment web -n shop");
          json status = d.value("status", json::object());
          return status.value("readyReplicas", 0) == replicas &&
                 status.value("updatedReplicas", 0) == replicas &&
                 status.value("replicas", 0) == replicas &&
                 WebPods().size() == static_cast<size_t>(replicas);
        },
        seconds(30));
  }

  // The command sequence both transports must pass.
  void RunCoreCommands() {
    ASSERT_TRUE(WebSettles(2)) << sim_.Log();
    // get: Tables with the real columns.
    std::string nodes = Ok("get nodes");
    EXPECT_NE(nodes.find("node-1"), std::string::npos) << nodes;
    EXPECT_NE(nodes.find("Ready"), std::string::npos) << nodes;
    std::string deployments = Ok("get deployments -n shop -o wide");
    EXPECT_NE(deployments.find("2/2"), std::string::npos) << deployments;
    EXPECT_NE(deployments.find("nginx:1.27"), std::string::npos) << deployments;
    EXPECT_NE(Ok("get pods -A --show-labels").find("app=web"), std::string::npos);

    // get -o json: the full object.
    json d = Object("deployment web -n shop");
    EXPECT_EQ(d["kind"], "Deployment");
    EXPECT_EQ(d["apiVersion"], "apps/v1");
    EXPECT_EQ(d["spec"]["replicas"], 2);

    // scale: replicas change and pods follow.
    EXPECT_NE(Ok("scale deployment web -n shop --replicas=3").find("scaled"), std::string::npos);
    EXPECT_TRUE(WebSettles(3));
    EXPECT_NE(Ok("scale deployment web -n shop --current-replicas=3 --replicas=2").find("scaled"),
              std::string::npos);
    EXPECT_TRUE(WebSettles(2));

    // rollout restart: the annotation is set and every pod is replaced.
    std::set<std::string> before = WebPods();
    Ok("rollout restart deployment/web -n shop");
    json restarted = Object("deployment web -n shop");
    EXPECT_TRUE(restarted["spec"]["template"]["metadata"]["annotations"].contains(
        "kubectl.kubernetes.io/restartedAt"));
    EXPECT_TRUE(WaitFor(
        [&] {
          std::set<std::string> now = WebPods();
          if (now.size() != 2) return false;
          for (const std::string& pod : now) {
            if (before.contains(pod)) return false;
          }
          return true;
        },
        seconds(30)))
        << sim_.Log();
    EXPECT_TRUE(WebSettles(2));
    EXPECT_NE(
        Ok("rollout status deployment/web -n shop --timeout=20s").find("successfully rolled out"),
        std::string::npos);

    // delete pod: it goes, and a replacement comes.
    std::string victim = *WebPods().begin();
    EXPECT_NE(Ok("delete " + victim + " -n shop").find("deleted"), std::string::npos);
    EXPECT_TRUE(
        WaitFor([&] { return !WebPods().contains(victim) && WebPods().size() == 2; }, seconds(30)));

    // patch --type=merge: the annotation is set; the same patch again changes nothing.
    std::string patch =
        R"('{"metadata":{"annotations":{"rebound.io/last-heal":"2026-01-01T00:00:00Z"}}}')";
    std::string rv = Object("deployment web -n shop")["metadata"]["resourceVersion"];
    EXPECT_NE(Ok("patch deployment web -n shop --type=merge -p " + patch).find("patched"),
              std::string::npos);
    json patched = Object("deployment web -n shop");
    EXPECT_EQ(patched["metadata"]["annotations"]["rebound.io/last-heal"], "2026-01-01T00:00:00Z");
    EXPECT_NE(patched["metadata"]["resourceVersion"], rv);
    EXPECT_NE(Ok("patch deployment web -n shop --type=merge -p " + patch).find("(no change)"),
              std::string::npos);

    // cordon / uncordon.
    EXPECT_NE(Ok("cordon node-1").find("cordoned"), std::string::npos);
    EXPECT_EQ(Object("node node-1")["spec"]["unschedulable"], true);
    EXPECT_NE(Ok("get nodes").find("SchedulingDisabled"), std::string::npos);
    Ok("uncordon node-1");
    EXPECT_FALSE(Object("node node-1")["spec"].contains("unschedulable"));

    // create -f a Lease (OpenAPI probe, strict field validation), then read it back.
    rebound::testing::WriteFile(sim_.dir().File("lease.yaml"), kLease);
    EXPECT_NE(Ok("create -f " + sim_.dir().File("lease.yaml")).find("created"), std::string::npos);
    EXPECT_NE(Ok("get lease -n shop").find("rebound-0"), std::string::npos);
    CommandResult again = sim_.Kubectl("create -f " + sim_.dir().File("lease.yaml"), token_);
    EXPECT_NE(again.exit_code, 0);
    EXPECT_NE(again.output.find("Error from server (AlreadyExists)"), std::string::npos)
        << again.output;

    // get events: what the controllers recorded.
    std::string events = Ok("get events -n shop");
    EXPECT_NE(events.find("ScalingReplicaSet"), std::string::npos) << events;
    EXPECT_NE(events.find("SuccessfulCreate"), std::string::npos) << events;

    // Errors print as the real API server's.
    CommandResult missing = sim_.Kubectl("get deployment nope -n shop", token_);
    EXPECT_NE(
        missing.output.find("Error from server (NotFound): deployments.apps \"nope\" not found"),
        std::string::npos)
        << missing.output;
  }

  KubesimHarness sim_;
  std::string token_;
};

TEST_F(KubesimKubectlTest, CommandsOverHttp) {
  ASSERT_TRUE(sim_.Start({.scenario = kScenario}));
  EXPECT_NE(Ok("version").find("Server Version: v1.32.4"), std::string::npos);
  RunCoreCommands();
}

TEST_F(KubesimKubectlTest, CommandsOverHttpsWithAToken) {
  ASSERT_TRUE(sim_.Start({.scenario = kScenario, .tls = true, .tokens = {"admin-secret"}}));
  token_ = "admin-secret";
  RunCoreCommands();
}

TEST_F(KubesimKubectlTest, WatchStreamsChanges) {
  ASSERT_TRUE(sim_.Start({.scenario = kScenario}));
  ASSERT_TRUE(WebSettles(2));
  std::string victim = *WebPods().begin();
  // The deletion happens while the watch runs; the watch ends at its request timeout.
  std::string kubectl = sim_.KubectlCommand();
  CommandResult watched = rebound::testing::RunCommand(
      "(sleep 1.5; " + kubectl + " delete " + victim + " -n shop >/dev/null) & timeout 20 " +
      kubectl + " get pods -n shop -w --request-timeout=3500ms </dev/null; wait");
  EXPECT_EQ(watched.exit_code, 0) << watched.output;
  // The list, then the deleted pod's last state and a replacement going Pending -> Running.
  EXPECT_NE(watched.output.find("NAME"), std::string::npos) << watched.output;
  EXPECT_GE(std::count(watched.output.begin(), watched.output.end(), '\n'), 5) << watched.output;
  EXPECT_NE(watched.output.find("Pending"), std::string::npos) << watched.output;

  // A single-object watch with -o json sees the change after the synthetic ADDED.
  CommandResult single = rebound::testing::RunCommand(
      "(sleep 1.5; " + kubectl + " annotate deployment web -n shop watched=yes >/dev/null) & " +
      "timeout 20 " + kubectl +
      " get deployment web -n shop -w -o json --request-timeout=3s </dev/null; wait");
  EXPECT_NE(single.output.find("\"watched\": \"yes\""), std::string::npos) << single.output;
}

TEST_F(KubesimKubectlTest, RolloutUndoReturnsToThePreviousTemplate) {
  ASSERT_TRUE(sim_.Start({.scenario = kScenario}));
  ASSERT_TRUE(WebSettles(2));
  Ok("set image deployment/web -n shop web=nginx:1.28");
  ASSERT_TRUE(WebSettles(2));
  EXPECT_NE(Ok("get deployment web -n shop -o wide").find("nginx:1.28"), std::string::npos);
  EXPECT_NE(Ok("rollout undo deployment/web -n shop").find("rolled back"), std::string::npos);
  ASSERT_TRUE(WebSettles(2));
  json d = Object("deployment web -n shop");
  EXPECT_EQ(d["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.27");
  EXPECT_EQ(d["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "3");
  std::string history = Ok("rollout history deployment/web -n shop");
  EXPECT_NE(history.find("2"), std::string::npos);
  EXPECT_NE(history.find("3"), std::string::npos);
  json replicasets = Object("replicasets -n shop");
  EXPECT_EQ(replicasets["items"].size(), 2u) << "the old ReplicaSet was reused";
}

TEST_F(KubesimKubectlTest, ServicesAndTheirProxyAnswerAsTheApps) {
  ASSERT_TRUE(sim_.Start({.scenario = R"(
namespaces: [shop]
deployments:
  - {name: web, namespace: shop, replicas: 2, image: "nginx:1.27"}
  - {name: idle, namespace: shop, replicas: 0}
services:
  - {name: web, namespace: shop}
  - {name: idle, namespace: shop, ports: [{name: http, port: 8080}]}
timeline:
  - after: 3s
    rollout: {namespace: shop, deployment: web, image: "nginx:1.28",
              behaviour: {type: crash-loop, restartInterval: 1s}}
)"}));
  std::string services = Ok("get svc -n shop");
  for (const char* text : {"NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE",
                           "ClusterIP", "10.96.", "80/TCP", "8080/TCP"}) {
    EXPECT_NE(services.find(text), std::string::npos) << text << "\n" << services;
  }
  ASSERT_TRUE(WaitFor(
      [&] {
        return sim_.Kubectl("get --raw /api/v1/namespaces/shop/services/web:80/proxy/")
            .output.starts_with("ok from shop/web-");
      },
      seconds(20)))
      << sim_.Kubectl("get --raw /api/v1/namespaces/shop/services/web:80/proxy/").output;
  EXPECT_NE(Ok("get --raw /api/v1/namespaces/shop/services/http:web:http/proxy/healthz")
                .find("ok from shop/web-"),
            std::string::npos);
  CommandResult idle = sim_.Kubectl("get --raw /api/v1/namespaces/shop/services/idle:8080/proxy/");
  EXPECT_NE(idle.exit_code, 0);
  // The body is plain text (not a Status), so kubectl prints its generic 503 message.
  EXPECT_NE(idle.output.find("Error from server (ServiceUnavailable)"), std::string::npos)
      << idle.output;
  CommandResult missing = sim_.Kubectl("get --raw /api/v1/namespaces/shop/services/nope/proxy/");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("NotFound"), std::string::npos) << missing.output;

  // The timeline's crash-looping rollout stalls with the old pods serving, as on a cluster.
  ASSERT_TRUE(WaitFor(
      [&] {
        return Object("deployment web -n shop")["spec"]["template"]["spec"]["containers"][0]
                                               ["image"] == "nginx:1.28";
      },
      seconds(20)));
  CommandResult stalled = sim_.Kubectl("rollout status deployment/web -n shop --timeout=4s");
  EXPECT_NE(stalled.exit_code, 0) << stalled.output;
  EXPECT_EQ(stalled.output.find("successfully rolled out"), std::string::npos) << stalled.output;
  EXPECT_NE(Ok("get --raw /api/v1/namespaces/shop/services/web/proxy/").find("ok from shop/web-"),
            std::string::npos);
  Ok("rollout undo deployment/web -n shop");
  EXPECT_TRUE(WebSettles(2)) << sim_.Log();
  EXPECT_NE(
      Ok("rollout status deployment/web -n shop --timeout=20s").find("successfully rolled out"),
      std::string::npos);
}

TEST_F(KubesimKubectlTest, UnauthorizedAndForbidden) {
  ASSERT_TRUE(
      sim_.Start({.scenario = kScenario,
                  .tls = true,
                  .tokens = {"admin-secret",
                             "viewer-secret;user=viewer;verbs=get,list,watch;namespaces=shop"}}));
  // A wrong token fails at discovery, as on a real cluster; with no credentials at all kubectl
  // asks for a user name (stdin is empty) after the 401.
  CommandResult wrong = sim_.Kubectl("get pods -n shop", "wrong-token");
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.output.find("error: You must be logged in to the server"), std::string::npos)
      << wrong.output;
  CommandResult anonymous = sim_.Kubectl("get pods -n shop");
  EXPECT_NE(anonymous.exit_code, 0);
  EXPECT_NE(anonymous.output.find("Please enter Username"), std::string::npos) << anonymous.output;
  CommandResult list = sim_.Kubectl("get pods -n shop", "viewer-secret");
  EXPECT_EQ(list.exit_code, 0) << list.output;
  CommandResult forbidden = sim_.Kubectl("delete pod x -n shop", "viewer-secret");
  EXPECT_NE(forbidden.exit_code, 0);
  EXPECT_NE(forbidden.output.find("Error from server (Forbidden): pods \"x\" is forbidden: User "
                                  "\"viewer\" cannot delete resource \"pods\" in API group \"\" "
                                  "in the namespace \"shop\""),
            std::string::npos)
      << forbidden.output;
  CommandResult scale = sim_.Kubectl("scale deployment web -n shop --replicas=5", "viewer-secret");
  EXPECT_NE(scale.output.find("cannot patch resource \"deployments/scale\" in API group \"apps\""),
            std::string::npos)
      << scale.output;
  auto raw = sim_.Send("GET", "/api/v1/namespaces/shop/pods");
  ASSERT_TRUE(raw.ok()) << raw.status().ToString();
  EXPECT_EQ(raw->status, 401);
  EXPECT_EQ(json::parse(raw->body)["reason"], "Unauthorized");
}

}  // namespace
}  // namespace rebound::kubesim::testing
