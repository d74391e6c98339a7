#include "controller/actions/merge_patch.h"

#include <gtest/gtest.h>

namespace rebound::controller::actions {
namespace {

using nlohmann::json;

TEST(MergePatchDiffTest, PatchTurnsFromIntoTo) {
  const json from = json::parse(R"({
    "metadata": {"labels": {"app": "web"}, "annotations": {"a": "1", "b": "2"}},
    "spec": {"containers": [{"name": "app", "image": "v3", "env": [{"name": "X"}]}],
             "dnsPolicy": "ClusterFirst"}})");
  const json to = json::parse(R"({
    "metadata": {"labels": {"app": "web"}, "annotations": {"a": "1"}},
    "spec": {"containers": [{"name": "app", "image": "v2"}], "hostNetwork": true}})");
  json patch = MergePatchDiff(from, to);
  EXPECT_EQ(patch, json::parse(R"({
    "metadata": {"annotations": {"b": null}},
    "spec": {"containers": [{"name": "app", "image": "v2"}], "dnsPolicy": null,
             "hostNetwork": true}})"));
  json patched = from;
  patched.merge_patch(patch);
  EXPECT_EQ(patched, to);
}

TEST(MergePatchDiffTest, EqualDocumentsGiveAnEmptyPatch) {
  const json doc = {{"a", {{"b", 1}}}};
  EXPECT_EQ(MergePatchDiff(doc, doc), json::object());
}

TEST(MergePatchDiffTest, ObjectReplacedByScalarAndBack) {
  json from = {{"a", {{"b", 1}}}};
  json to = {{"a", 5}};
  json patched = from;
  patched.merge_patch(MergePatchDiff(from, to));
  EXPECT_EQ(patched, to);
  patched.merge_patch(MergePatchDiff(to, from));
  EXPECT_EQ(patched, from);
}

}  // namespace
}  // namespace rebound::controller::actions
