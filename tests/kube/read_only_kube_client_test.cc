#include "kube/read_only_kube_client.h"

#include <gtest/gtest.h>

#include "kube/api_error.h"
#include "kube/memory_kube_client.h"

namespace rebound::kube {
namespace {

class ReadOnlyKubeClientTest : public ::testing::Test {
 protected:
  ReadOnlyKubeClientTest() {
    store_.Put(
        kDeployments,
        {{"metadata", {{"name", "web"}, {"namespace", "shop"}, {"labels", {{"app", "web"}}}}},
         {"spec", {{"replicas", 3}}}});
    store_.Put(kPods, {{"metadata", {{"name", "web-1"}, {"namespace", "shop"}}}});
    Lease lease;
    lease.ns = "rebound";
    lease.name = "leader";
    lease.holder_identity = "rebound-0";
    auto created = memory_.CreateLease(lease);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
  }

  void ExpectRefused(const common::Status& status, const std::string& operation) {
    EXPECT_EQ(status.code(), common::StatusCode::kFailedPrecondition) << status.ToString();
    EXPECT_NE(status.message().find("read-only"), std::string::npos) << status.message();
    EXPECT_NE(status.message().find("(replay)"), std::string::npos) << status.message();
    EXPECT_NE(status.message().find(operation), std::string::npos) << status.message();
  }

  MemoryKubeStore store_;
  MemoryKubeClient memory_{store_};
  ReadOnlyKubeClient client_{memory_};
};

TEST_F(ReadOnlyKubeClientTest, ReadsAreForwarded) {
  auto got = client_.Get(kDeployments, "shop", "web");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->at("spec").at("replicas"), 3);

  ListOptions options;
  options.label_selector = "app=web";
  auto list = client_.List(kDeployments, "", options);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_EQ(list->items.size(), 1u);

  auto scale = client_.GetScale(kDeployments, "shop", "web");
  ASSERT_TRUE(scale.ok()) << scale.status().ToString();
  EXPECT_EQ(scale->replicas, 3);

  auto lease = client_.GetLease("rebound", "leader");
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  EXPECT_EQ(lease->holder_identity, "rebound-0");
}

TEST_F(ReadOnlyKubeClientTest, ReadFailuresComeThroughUnchanged) {
  auto missing = client_.Get(kDeployments, "shop", "api");
  EXPECT_EQ(missing.status().code(), common::StatusCode::kNotFound);
  EXPECT_EQ(KubeErrorReason(missing.status()), "NotFound");

  memory_.FailAll(common::Unavailable("network cut"));
  EXPECT_EQ(client_.List(kPods, "shop", ListOptions()).status().code(),
            common::StatusCode::kUnavailable);
}

TEST_F(ReadOnlyKubeClientTest, EveryWriteIsRefusedAndNothingChanges) {
  const auto before = store_.Snapshot();
  const size_t calls_before = memory_.calls().size();

  ExpectRefused(
      client_.Patch(kDeployments, "shop", "web", PatchType::kMerge, {{"spec", {{"replicas", 1}}}})
          .status(),
      "patch deployments.apps \"web\" in namespace \"shop\"");
  Scale scale;
  scale.ns = "shop";
  scale.name = "web";
  scale.replicas = 0;
  ExpectRefused(client_.UpdateScale(kDeployments, scale).status(), "deployments.apps");
  ExpectRefused(client_.DeletePod("shop", "web-1", DeleteOptions()), "delete pods \"web-1\"");
  ExpectRefused(client_.CreateEvent("shop", {{"metadata", {{"generateName", "web."}}}}).status(),
                "create events");
  Lease lease;
  lease.ns = "rebound";
  lease.name = "other";
  ExpectRefused(client_.CreateLease(lease).status(), "create leases");
  lease.name = "leader";
  lease.resource_version = "1";
  ExpectRefused(client_.UpdateLease(lease).status(), "update leases");

  EXPECT_EQ(store_.Snapshot(), before);
  EXPECT_EQ(memory_.calls().size(), calls_before);  // no write reached the wrapped client
}

}  // namespace
}  // namespace rebound::kube
