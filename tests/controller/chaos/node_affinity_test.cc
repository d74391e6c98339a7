// PodFitsNode's reading of required node affinity (fault.h): each operator of matchExpressions,
// matchFields on the node's name, requirements ANDed within a term, terms ORed.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "controller/chaos/fault.h"

namespace rebound::controller::chaos {
namespace {

using nlohmann::json;

// Node n1 with labels zone=a, cores=8, ssd (an empty value).
json Node() {
  return {{"metadata", {{"name", "n1"}, {"labels", {{"zone", "a"}, {"cores", "8"}, {"ssd", ""}}}}},
          {"spec", json::object()}};
}

// A pod spec whose required node affinity has `terms` as its nodeSelectorTerms.
json WithTerms(json terms) {
  return {{"affinity",
           {{"nodeAffinity",
             {{"requiredDuringSchedulingIgnoredDuringExecution",
               {{"nodeSelectorTerms", std::move(terms)}}}}}}}};
}

json Requirement(const std::string& key, const std::string& op, std::vector<std::string> values) {
  json r = {{"key", key}, {"operator", op}};
  if (!values.empty()) r["values"] = values;
  return r;
}

// A pod spec with one term of matchExpressions `expressions`.
json WithExpressions(json expressions) {
  return WithTerms(json::array({{{"matchExpressions", std::move(expressions)}}}));
}

struct Case {
  std::string name;
  json requirement;  // one matchExpression
  bool fits;
};

TEST(NodeAffinityTest, EachOperatorOfMatchExpressions) {
  const std::vector<Case> cases = {
      {"In, value listed", Requirement("zone", "In", {"b", "a"}), true},
      {"In, value not listed", Requirement("zone", "In", {"b"}), false},
      {"In, label absent", Requirement("rack", "In", {"r1"}), false},
      {"NotIn, value listed", Requirement("zone", "NotIn", {"a"}), false},
      {"NotIn, value not listed", Requirement("zone", "NotIn", {"b"}), true},
      {"NotIn, label absent", Requirement("rack", "NotIn", {"r1"}), true},
      {"Exists, present with an empty value", Requirement("ssd", "Exists", {}), true},
      {"Exists, absent", Requirement("gpu", "Exists", {}), false},
      {"DoesNotExist, absent", Requirement("gpu", "DoesNotExist", {}), true},
      {"DoesNotExist, present", Requirement("zone", "DoesNotExist", {}), false},
      {"Gt, greater", Requirement("cores", "Gt", {"4"}), true},
      {"Gt, equal", Requirement("cores", "Gt", {"8"}), false},
      {"Gt, label absent", Requirement("memory", "Gt", {"4"}), false},
      {"Gt, label not an integer", Requirement("zone", "Gt", {"4"}), false},
      {"Gt, two values", Requirement("cores", "Gt", {"4", "5"}), false},
      {"Gt, value not an integer", Requirement("cores", "Gt", {"4x"}), false},
      {"Lt, smaller", Requirement("cores", "Lt", {"16"}), true},
      {"Lt, equal", Requirement("cores", "Lt", {"8"}), false},
      {"Lt, negative bound", Requirement("cores", "Lt", {"-1"}), false},
      {"unknown operator", Requirement("zone", "Near", {"a"}), false},
      {"In without values", Requirement("zone", "In", {}), false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(PodFitsNode(WithExpressions(json::array({c.requirement})), Node()), c.fits) << c.name;
  }
}

TEST(NodeAffinityTest, MatchFieldsOnTheNodeName) {
  const std::vector<Case> cases = {
      {"In, named", Requirement("metadata.name", "In", {"n0", "n1"}), true},
      {"In, not named", Requirement("metadata.name", "In", {"n2"}), false},
      {"NotIn, named", Requirement("metadata.name", "NotIn", {"n1"}), false},
      {"NotIn, not named", Requirement("metadata.name", "NotIn", {"n2"}), true},
      {"a field other than metadata.name", Requirement("spec.podCIDR", "In", {"n1"}), false},
      {"Exists is not a field operator", Requirement("metadata.name", "Exists", {}), false},
  };
  for (const Case& c : cases) {
    json spec = WithTerms(json::array({{{"matchFields", json::array({c.requirement})}}}));
    EXPECT_EQ(PodFitsNode(spec, Node()), c.fits) << c.name;
  }
}

TEST(NodeAffinityTest, RequirementsOfATermAreAnded) {
  const json zone_a = Requirement("zone", "In", {"a"});
  const json many_cores = Requirement("cores", "Gt", {"4"});
  const json no_gpu = Requirement("gpu", "Exists", {});
  EXPECT_TRUE(PodFitsNode(WithExpressions(json::array({zone_a, many_cores})), Node()));
  EXPECT_FALSE(PodFitsNode(WithExpressions(json::array({zone_a, many_cores, no_gpu})), Node()));
  // matchExpressions and matchFields of one term must both hold.
  json term = {{"matchExpressions", json::array({zone_a})},
               {"matchFields", json::array({Requirement("metadata.name", "In", {"n2"})})}};
  EXPECT_FALSE(PodFitsNode(WithTerms(json::array({term})), Node()));
  term["matchFields"] = json::array({Requirement("metadata.name", "In", {"n1"})});
  EXPECT_TRUE(PodFitsNode(WithTerms(json::array({term})), Node()));
}

TEST(NodeAffinityTest, TermsAreOred) {
  const json zone_b = {{"matchExpressions", json::array({Requirement("zone", "In", {"b"})})}};
  const json named = {{"matchFields", json::array({Requirement("metadata.name", "In", {"n1"})})}};
  EXPECT_FALSE(PodFitsNode(WithTerms(json::array({zone_b})), Node()));
  EXPECT_TRUE(PodFitsNode(WithTerms(json::array({zone_b, named})), Node()));
  EXPECT_TRUE(PodFitsNode(WithTerms(json::array({named, zone_b})), Node()));
}

TEST(NodeAffinityTest, EmptyAndMissingPieces) {
  EXPECT_TRUE(PodFitsNode(json::object(), Node()));  // no affinity: any node
  EXPECT_TRUE(PodFitsNode({{"affinity", {{"nodeAffinity", json::object()}}}}, Node()));
  // An empty term, and no terms at all, match no node (as the scheduler reads them).
  EXPECT_FALSE(PodFitsNode(WithTerms(json::array({json::object()})), Node()));
  EXPECT_FALSE(PodFitsNode(WithTerms(json::array()), Node()));
  EXPECT_FALSE(PodFitsNode(WithExpressions("zone=a"), Node()));  // malformed: not a list
  // Labels-less node: only absence operators hold.
  json bare = {{"metadata", {{"name", "n9"}}}};
  EXPECT_TRUE(
      PodFitsNode(WithExpressions(json::array({Requirement("zone", "DoesNotExist", {})})), bare));
  EXPECT_FALSE(
      PodFitsNode(WithExpressions(json::array({Requirement("zone", "Exists", {})})), bare));
  // Affinity is judged together with the nodeSelector.
  json spec = WithExpressions(json::array({Requirement("zone", "In", {"a"})}));
  spec["nodeSelector"] = {{"zone", "b"}};
  EXPECT_FALSE(PodFitsNode(spec, Node()));
}

}  // namespace
}  // namespace rebound::controller::chaos
