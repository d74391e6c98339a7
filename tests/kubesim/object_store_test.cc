#include "tools/kubesim/object_store.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"
#include "tools/kubesim/json_access.h"

namespace rebound::kubesim {
namespace {

using nlohmann::json;

class KubesimObjectStoreTest : public ::testing::Test {
 protected:
  json Lease(const std::string& name) {
    return {{"metadata", {{"name", name}, {"namespace", "shop"}}},
            {"spec", {{"holderIdentity", "a"}}}};
  }
  const ResourceType& leases_ = TypeOf(Kind::kLease);
  rebound::testing::FakeClock clock_;
  ObjectStore store_{clock_, 7};
};

TEST_F(KubesimObjectStoreTest, CreateAssignsIdentityAndOneGlobalVersion) {
  auto a = store_.Create(leases_, Lease("a"));
  auto b = store_.Create(TypeOf(Kind::kNamespace),
                         {{"metadata", {{"name", "shop"}, {"namespace", "x"}}}});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(StringAt(*a, "/metadata/resourceVersion"), "1");
  EXPECT_EQ(StringAt(*b, "/metadata/resourceVersion"), "2");
  EXPECT_EQ(UidOf(*a).size(), 36u);
  EXPECT_NE(UidOf(*a), UidOf(*b));
  EXPECT_EQ(StringAt(*a, "/metadata/creationTimestamp"), "2026-01-01T00:00:00Z");
  EXPECT_EQ(StringAt(*a, "/kind"), "Lease");
  EXPECT_EQ(StringAt(*a, "/apiVersion"), "coordination.k8s.io/v1");
  EXPECT_FALSE(Find(*b, "/metadata/namespace")) << "cluster-scoped objects have no namespace";
  EXPECT_EQ(store_.CurrentVersion(), 2u);
  EXPECT_EQ(store_.Create(leases_, Lease("a")).status().code(), common::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_.Create(leases_, {{"metadata", {{"namespace", "shop"}}}}).status().code(),
            common::StatusCode::kInvalidArgument);
}

TEST_F(KubesimObjectStoreTest, GenerateNameAddsFiveCharacters) {
  auto pod = store_.Create(TypeOf(Kind::kPod),
                           {{"metadata", {{"generateName", "web-abc-"}, {"namespace", "shop"}}}});
  ASSERT_TRUE(pod.ok());
  EXPECT_TRUE(NameOf(*pod).starts_with("web-abc-"));
  EXPECT_EQ(NameOf(*pod).size(), 13u);
}

TEST_F(KubesimObjectStoreTest, ReplaceChecksVersionAndSkipsNoOps) {
  json created = *store_.Create(leases_, Lease("a"));
  json changed = created;
  changed["spec"]["holderIdentity"] = "b";
  auto updated = store_.Replace(leases_, changed, 1);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(ResourceVersionOf(*updated), 2u);

  // A stale expected version is a conflict; the object is unchanged.
  changed["spec"]["holderIdentity"] = "c";
  auto stale = store_.Replace(leases_, changed, 1);
  EXPECT_EQ(stale.status().code(), common::StatusCode::kConflict);
  EXPECT_EQ(StringAt(*store_.Get(leases_, "shop", "a"), "/spec/holderIdentity"), "b");

  // Writing what is already stored changes nothing, not even the version.
  auto same = store_.Replace(leases_, *updated, 2);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(ResourceVersionOf(*same), 2u);
  EXPECT_EQ(store_.CurrentVersion(), 2u);

  // uid and creationTimestamp cannot be changed; expected version 0 is unconditional.
  json forged = *updated;
  forged["metadata"]["uid"] = "forged";
  forged["spec"]["holderIdentity"] = "d";
  auto unconditional = store_.Replace(leases_, forged, 0);
  ASSERT_TRUE(unconditional.ok());
  EXPECT_EQ(UidOf(*unconditional), UidOf(created));
  EXPECT_EQ(store_.Replace(leases_, Lease("missing"), 0).status().code(),
            common::StatusCode::kNotFound);
}

TEST_F(KubesimObjectStoreTest, DeleteHonoursPreconditions) {
  json created = *store_.Create(leases_, Lease("a"));
  EXPECT_EQ(store_.Delete(leases_, "shop", "a", {.resource_version = 9, .uid = ""}).status().code(),
            common::StatusCode::kConflict);
  EXPECT_EQ(
      store_.Delete(leases_, "shop", "a", {.resource_version = 0, .uid = "other"}).status().code(),
      common::StatusCode::kConflict);
  auto deleted =
      store_.Delete(leases_, "shop", "a", {.resource_version = 1, .uid = UidOf(created)});
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(ResourceVersionOf(*deleted), 2u) << "the deletion has its own version";
  EXPECT_EQ(store_.Get(leases_, "shop", "a").status().code(), common::StatusCode::kNotFound);
  EXPECT_EQ(store_.Delete(leases_, "shop", "a").status().code(), common::StatusCode::kNotFound);
}

TEST_F(KubesimObjectStoreTest, ChangesSinceReplaysWritesOfOneTypeAndExpiresOldOnes) {
  ObjectStore small(clock_, 1, /*history_limit=*/3);
  json a = *small.Create(leases_, Lease("a"));                                                // 1
  ASSERT_TRUE(small.Create(TypeOf(Kind::kNamespace), {{"metadata", {{"name", "x"}}}}).ok());  // 2
  a["spec"]["holderIdentity"] = "b";
  ASSERT_TRUE(small.Replace(leases_, a, 0).ok());  // 3
  ObjectStore::Changes changes = small.ChangesSince(leases_, 1);
  ASSERT_EQ(changes.events.size(), 1u);
  EXPECT_EQ(changes.events[0].type, "MODIFIED");
  EXPECT_EQ(StringAt(changes.events[0].previous, "/spec/holderIdentity"), "a");
  EXPECT_EQ(changes.scanned_to, 3u);
  ASSERT_TRUE(small.Delete(leases_, "shop", "a").ok());  // 4: drops 1
  EXPECT_FALSE(small.ChangesSince(leases_, 1).expired);
  ObjectStore::Changes expired = small.ChangesSince(leases_, 0);
  EXPECT_TRUE(expired.expired);
  EXPECT_EQ(expired.oldest, 1u);
  EXPECT_EQ(small.ChangesSince(leases_, 3).events[0].type, "DELETED");
}

}  // namespace
}  // namespace rebound::kubesim
