#include <gtest/gtest.h>

#include "kube/event.h"
#include "kube/object.h"

namespace rebound::kube {
namespace {

using nlohmann::json;

const json kPod = json::parse(R"({"kind":"Pod","apiVersion":"v1",
  "metadata":{"name":"web-abc","namespace":"shop","uid":"u-1","resourceVersion":"12",
    "labels":{"app":"web","n":1},"annotations":{"a":"b"},
    "ownerReferences":[{"apiVersion":"v1","kind":"Other","name":"x","uid":"u-0"},
                       {"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-5d4","uid":"u-2",
                        "controller":true}]}})");

TEST(ObjectTest, Accessors) {
  EXPECT_EQ(ObjectName(kPod), "web-abc");
  EXPECT_EQ(ObjectNamespace(kPod), "shop");
  EXPECT_EQ(ObjectUid(kPod), "u-1");
  EXPECT_EQ(ObjectResourceVersion(kPod), "12");
  EXPECT_EQ(StringField(kPod, {"kind"}), "Pod");
  EXPECT_EQ(StringField(kPod, {"metadata", "missing"}), "");
  EXPECT_EQ(StringField(kPod, {"kind", "deeper"}), "");
  EXPECT_EQ(ObjectLabel(kPod, "app"), "web");
  EXPECT_EQ(ObjectLabel(kPod, "n"), std::nullopt);  // not a string
  EXPECT_EQ(ObjectLabel(kPod, "absent"), std::nullopt);
  EXPECT_EQ(ObjectAnnotation(kPod, "a"), "b");
  EXPECT_EQ(ObjectName(json::array()), "");
  EXPECT_EQ(ObjectLabel(json(5), "a"), std::nullopt);
}

TEST(ObjectTest, ControllerOf) {
  std::optional<OwnerReference> owner = ControllerOf(kPod);
  ASSERT_TRUE(owner.has_value());
  EXPECT_EQ(owner->kind, "ReplicaSet");
  EXPECT_EQ(owner->name, "web-5d4");
  EXPECT_EQ(owner->uid, "u-2");
  EXPECT_EQ(owner->api_version, "apps/v1");
  EXPECT_EQ(ControllerOf(json::parse(R"({"metadata":{"ownerReferences":[{"controller":"yes"}]}})")),
            std::nullopt);
  EXPECT_EQ(ControllerOf(json::parse(R"({"metadata":{}})")), std::nullopt);
  EXPECT_EQ(ControllerOf(json::parse("[]")), std::nullopt);
}

TEST(EventTest, NewEventAboutANamespacedObject) {
  EventInfo info;
  info.reason = "ReboundHeal";
  info.message = "restarted deployment shop/web";
  info.instance = "rebound-0";
  json event = NewEvent(kPod, info, common::Timestamp{1767225600, 5});
  EXPECT_EQ(event["kind"], "Event");
  EXPECT_EQ(event["metadata"]["generateName"], "web-abc.");
  EXPECT_EQ(event["metadata"]["namespace"], "shop");
  EXPECT_EQ(event["involvedObject"],
            json::parse(R"({"kind":"Pod","apiVersion":"v1","name":"web-abc","namespace":"shop",
                            "uid":"u-1","resourceVersion":"12"})"));
  EXPECT_EQ(event["type"], "Normal");
  EXPECT_EQ(event["reason"], "ReboundHeal");
  EXPECT_EQ(event["message"], "restarted deployment shop/web");
  EXPECT_EQ(event["source"]["component"], "rebound");
  EXPECT_EQ(event["reportingComponent"], "rebound");
  EXPECT_EQ(event["reportingInstance"], "rebound-0");
  EXPECT_EQ(event["firstTimestamp"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(event["lastTimestamp"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(event["count"], 1);
}

TEST(EventTest, ClusterScopedObjectsGetEventsInDefault) {
  json node =
      json::parse(R"({"kind":"Node","apiVersion":"v1","metadata":{"name":"n1","uid":"u"}})");
  json event = NewEvent(node, {"Warning", "ReboundCordon", "cordoned", "rebound", ""}, {});
  EXPECT_EQ(event["metadata"]["namespace"], "default");
  EXPECT_FALSE(event["involvedObject"].contains("namespace"));
  EXPECT_EQ(event["type"], "Warning");
}

}  // namespace
}  // namespace rebound::kube
