#include "tools/kubesim/patch.h"

#include <gtest/gtest.h>

namespace rebound::kubesim {
namespace {

using nlohmann::json;

json Apply(PatchType type, const json& target, const json& patch) {
  auto result = ApplyPatch(type, target, patch);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? *result : json();
}

const json kDeployment = json::parse(R"({
  "metadata": {"name": "web", "annotations": {"a": "1", "b": "2"}},
  "spec": {
    "replicas": 2,
    "template": {"spec": {
      "containers": [
        {"name": "web", "image": "nginx:1.26",
         "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
        {"name": "sidecar", "image": "envoy:1"}],
      "volumes": [{"name": "data", "emptyDir": {}}]}}}})");

TEST(KubesimPatchTypeTest, FromContentType) {
  EXPECT_EQ(PatchTypeFromContentType("application/merge-patch+json"), PatchType::kMerge);
  EXPECT_EQ(PatchTypeFromContentType("application/json-patch+json; charset=utf-8"),
            PatchType::kJson);
  EXPECT_EQ(PatchTypeFromContentType("application/strategic-merge-patch+json"),
            PatchType::kStrategic);
  EXPECT_FALSE(PatchTypeFromContentType("application/apply-patch+yaml").has_value());
  EXPECT_FALSE(PatchTypeFromContentType("application/json").has_value());
}

TEST(KubesimMergePatchTest, MergesObjectsDeletesNullsAndReplacesLists) {
  json out = Apply(
      PatchType::kMerge, kDeployment,
      {{"metadata", {{"annotations", {{"a", nullptr}, {"c", "3"}}}}}, {"spec", {{"replicas", 3}}}});
  EXPECT_EQ(out["metadata"]["annotations"], (json{{"b", "2"}, {"c", "3"}}));
  EXPECT_EQ(out["spec"]["replicas"], 3);
  json lists = Apply(PatchType::kMerge, kDeployment,
                     {{"spec", {{"template", {{"spec", {{"containers", {{{"name", "x"}}}}}}}}}}});
  EXPECT_EQ(lists["spec"]["template"]["spec"]["containers"], (json{{{"name", "x"}}}));
}

TEST(KubesimJsonPatchTest, AppliesOperationsAndReportsFailures) {
  json out = Apply(PatchType::kJson, kDeployment,
                   {{{"op", "replace"}, {"path", "/spec/replicas"}, {"value", 5}},
                    {{"op", "add"}, {"path", "/metadata/labels"}, {"value", {{"x", "y"}}}},
                    {{"op", "remove"}, {"path", "/metadata/annotations/a"}},
                    {{"op", "test"}, {"path", "/metadata/name"}, {"value", "web"}}});
  EXPECT_EQ(out["spec"]["replicas"], 5);
  EXPECT_EQ(out["metadata"]["labels"]["x"], "y");
  EXPECT_FALSE(out["metadata"]["annotations"].contains("a"));

  EXPECT_FALSE(ApplyPatch(PatchType::kJson, kDeployment,
                          {{{"op", "test"}, {"path", "/metadata/name"}, {"value", "db"}}})
                   .ok());
  EXPECT_FALSE(ApplyPatch(PatchType::kJson, kDeployment,
                          {{{"op", "replace"}, {"path", "/metadata/labels/x"}, {"value", 1}}})
                   .ok());
  EXPECT_FALSE(ApplyPatch(PatchType::kJson, kDeployment, {{"op", "add"}}).ok())
      << "a JSON patch is a list";
}

TEST(KubesimStrategicMergePatchTest, MergesContainersAndEnvByName) {
  json out = Apply(
      PatchType::kStrategic, kDeployment,
      {{"spec",
        {{"template",
          {{"metadata", {{"annotations", {{"kubectl.kubernetes.io/restartedAt", "now"}}}}},
           {"spec",
            {{"containers",
              {{{"name", "web"},
                {"image", "nginx:1.27"},
                {"env",
                 {{{"name", "B"}, {"value", "20"}}, {{"name", "C"}, {"value", "3"}}}}}}}}}}}}}});
  const json& containers = out["spec"]["template"]["spec"]["containers"];
  ASSERT_EQ(containers.size(), 2u) << "the sidecar stays";
  EXPECT_EQ(containers[0]["image"], "nginx:1.27");
  EXPECT_EQ(containers[0]["env"], (json{{{"name", "A"}, {"value", "1"}},
                                        {{"name", "B"}, {"value", "20"}},
                                        {{"name", "C"}, {"value", "3"}}}));
  EXPECT_EQ(containers[1]["image"], "envoy:1");
  EXPECT_EQ(out["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"],
            "now");
}

TEST(KubesimStrategicMergePatchTest, NullDeletesAndPatchDirectives) {
  json out = Apply(PatchType::kStrategic, kDeployment,
                   {{"metadata", {{"annotations", {{"a", nullptr}}}}},
                    {"spec",
                     {{"template",
                       {{"spec",
                         {{"containers", {{{"name", "sidecar"}, {"$patch", "delete"}}}},
                          {"volumes", {{{"name", "cache"}, {"emptyDir", json::object()}}}}}}}}}}});
  EXPECT_EQ(out["metadata"]["annotations"], (json{{"b", "2"}}));
  EXPECT_EQ(out["spec"]["template"]["spec"]["containers"].size(), 1u);
  EXPECT_EQ(out["spec"]["template"]["spec"]["volumes"].size(), 2u);

  json replaced = Apply(
      PatchType::kStrategic, kDeployment,
      {{"spec",
        {{"template",
          {{"spec",
            {{"containers", {{{"$patch", "replace"}}, {{"name", "only"}, {"image", "x"}}}}}}}}}}});
  EXPECT_EQ(replaced["spec"]["template"]["spec"]["containers"],
            (json{{{"name", "only"}, {"image", "x"}}}));

  json map_replace = Apply(PatchType::kStrategic, kDeployment,
                           {{"metadata", {{"annotations", {{"$patch", "replace"}, {"z", "9"}}}}}});
  EXPECT_EQ(map_replace["metadata"]["annotations"], (json{{"z", "9"}}));
}

TEST(KubesimStrategicMergePatchTest, ConditionsByTypeAndPrimitiveListDirectives) {
  json node = {{"metadata", {{"finalizers", {"a", "b"}}}},
               {"status",
                {{"conditions",
                  {{{"type", "Ready"}, {"status", "True"}},
                   {{"type", "MemoryPressure"}, {"status", "False"}}}}}}};
  json out =
      Apply(PatchType::kStrategic, node,
            {{"metadata", {{"finalizers", {"c"}}, {"$deleteFromPrimitiveList/finalizers", {"a"}}}},
             {"status", {{"conditions", {{{"type", "Ready"}, {"status", "False"}}}}}}});
  EXPECT_EQ(out["metadata"]["finalizers"], (json{"b", "c"}));
  EXPECT_EQ(out["status"]["conditions"], (json{{{"type", "Ready"}, {"status", "False"}},
                                               {{"type", "MemoryPressure"}, {"status", "False"}}}));
  json retained = Apply(PatchType::kStrategic, kDeployment,
                        {{"metadata", {{"$retainKeys", {"name"}}, {"name", "web"}}}});
  EXPECT_EQ(retained["metadata"], (json{{"name", "web"}}));
}

TEST(KubesimStrategicMergePatchTest, RejectsMalformedPatches) {
  EXPECT_FALSE(ApplyPatch(PatchType::kStrategic, kDeployment, json::array()).ok());
  EXPECT_FALSE(
      ApplyPatch(PatchType::kStrategic, kDeployment,
                 {{"spec", {{"template", {{"spec", {{"containers", {{{"image", "x"}}}}}}}}}}})
          .ok())
      << "a container without its merge key";
  EXPECT_FALSE(ApplyPatch(PatchType::kStrategic, kDeployment, {{"$patch", "explode"}}).ok());
}

}  // namespace
}  // namespace rebound::kubesim
