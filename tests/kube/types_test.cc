#include "kube/types.h"

#include <gtest/gtest.h>

namespace rebound::kube {
namespace {

using nlohmann::json;

TEST(ScaleTest, FromAndToJson) {
  common::Result<Scale> scale = ScaleFromJson(json::parse(R"({"kind":"Scale",
      "metadata":{"name":"web","namespace":"shop","resourceVersion":"9"},
      "spec":{"replicas":4},"status":{"replicas":3,"selector":"app=web"}})"));
  ASSERT_TRUE(scale.ok()) << scale.status().ToString();
  EXPECT_EQ(scale->name, "web");
  EXPECT_EQ(scale->ns, "shop");
  EXPECT_EQ(scale->resource_version, "9");
  EXPECT_EQ(scale->replicas, 4);
  EXPECT_EQ(scale->status_replicas, 3);
  EXPECT_EQ(scale->selector, "app=web");
  EXPECT_EQ(ScaleToJson(*scale), json::parse(R"({"kind":"Scale","apiVersion":"autoscaling/v1",
      "metadata":{"name":"web","namespace":"shop","resourceVersion":"9"},"spec":{"replicas":4}})"));
  scale->resource_version.clear();
  EXPECT_FALSE(ScaleToJson(*scale)["metadata"].contains("resourceVersion"));
}

TEST(ScaleTest, ZeroReplicasMayBeOmitted) {
  common::Result<Scale> scale =
      ScaleFromJson(json::parse(R"({"metadata":{"name":"w"},"spec":{}})"));
  ASSERT_TRUE(scale.ok());
  EXPECT_EQ(scale->replicas, 0);
}

TEST(ScaleTest, WrongTypesAreNamed) {
  EXPECT_EQ(ScaleFromJson(json::parse(R"({"spec":{"replicas":"3"}})")).status().message(),
            "Scale: spec.replicas must be a 32-bit integer");
  EXPECT_EQ(ScaleFromJson(json::parse(R"({"spec":{"replicas":4294967296}})")).status().message(),
            "Scale: spec.replicas must be a 32-bit integer");
  EXPECT_EQ(ScaleFromJson(json::parse(R"({"metadata":{"name":1}})")).status().message(),
            "Scale: metadata.name must be a string");
  EXPECT_EQ(ScaleFromJson(json::parse("[]")).status().code(), common::StatusCode::kInvalidArgument);
}

TEST(LeaseTest, RoundTripKeepsUnknownFields) {
  json object = json::parse(R"({"kind":"Lease","apiVersion":"coordination.k8s.io/v1",
      "metadata":{"name":"leader","namespace":"rebound","resourceVersion":"3",
                  "labels":{"app":"rebound"},"uid":"u"},
      "spec":{"holderIdentity":"pod-a","leaseDurationSeconds":15,
              "acquireTime":"2026-01-01T00:00:00.000000Z","renewTime":"2026-01-01T00:00:10.500000Z",
              "leaseTransitions":4,"preferredHolder":"pod-b"}})");
  common::Result<Lease> lease = LeaseFromJson(object);
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  EXPECT_EQ(lease->name, "leader");
  EXPECT_EQ(lease->ns, "rebound");
  EXPECT_EQ(lease->resource_version, "3");
  EXPECT_EQ(lease->holder_identity, "pod-a");
  EXPECT_EQ(lease->lease_duration_seconds, 15);
  EXPECT_EQ(lease->lease_transitions, 4);
  ASSERT_TRUE(lease->renew_time.has_value());
  EXPECT_EQ(lease->renew_time->nanos, 500000000);
  EXPECT_EQ(LeaseToJson(*lease), object);

  lease->holder_identity = "pod-b";
  lease->renew_time = common::Timestamp{lease->renew_time->seconds + 2, 123456789};
  json out = LeaseToJson(*lease);
  EXPECT_EQ(out["spec"]["holderIdentity"], "pod-b");
  EXPECT_EQ(out["spec"]["renewTime"], "2026-01-01T00:00:12.123456Z");
  EXPECT_EQ(out["spec"]["preferredHolder"], "pod-b");
  EXPECT_EQ(out["metadata"]["labels"]["app"], "rebound");
}

TEST(LeaseTest, NewLeaseJson) {
  Lease lease;
  lease.name = "l";
  lease.ns = "n";
  lease.holder_identity = "me";
  lease.lease_duration_seconds = 15;
  EXPECT_EQ(LeaseToJson(lease),
            json::parse(R"({"kind":"Lease","apiVersion":"coordination.k8s.io/v1",
      "metadata":{"name":"l","namespace":"n"},
      "spec":{"holderIdentity":"me","leaseDurationSeconds":15,"leaseTransitions":0}})"));
}

TEST(LeaseTest, Errors) {
  EXPECT_EQ(LeaseFromJson(json::parse(R"({"spec":{"renewTime":"yesterday"}})")).status().message(),
            "Lease: spec.renewTime must be an RFC 3339 time");
  EXPECT_EQ(LeaseFromJson(json::parse(R"({"spec":{"leaseTransitions":1.5}})")).status().message(),
            "Lease: spec.leaseTransitions must be a 32-bit integer");
  // Null fields are absent.
  EXPECT_TRUE(LeaseFromJson(json::parse(R"({"spec":{"holderIdentity":null}})")).ok());
}

TEST(MicroTimeTest, AlwaysSixDigits) {
  EXPECT_EQ(FormatMicroTime({1767225600, 0}), "2026-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatMicroTime({1767225600, 1999}), "2026-01-01T00:00:00.000001Z");
  EXPECT_EQ(FormatMicroTime({1767225601, 999999999}), "2026-01-01T00:00:01.999999Z");
}

}  // namespace
}  // namespace rebound::kube
