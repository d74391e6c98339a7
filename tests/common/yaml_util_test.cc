#include "common/yaml_util.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace rebound::common {
namespace {

using std::chrono::milliseconds;

// Parses `text`, failing the test on a syntax error.
YAML::Node Parse(const std::string& text) {
  YamlErrors errors("t.yaml");
  std::optional<YAML::Node> node = ParseYaml(text, errors);
  EXPECT_TRUE(node.has_value());
  EXPECT_TRUE(errors.empty());
  return node.value_or(YAML::Node());
}

std::vector<std::string> Strings(const YamlErrors& errors) {
  std::vector<std::string> out;
  for (const YamlError& e : errors.Sorted()) out.push_back(e.ToString());
  return out;
}

TEST(YamlErrorTest, ToString) {
  EXPECT_EQ((YamlError{"a.yaml", 2, 5, "bad"}).ToString(), "a.yaml:2:5: bad");
  EXPECT_EQ((YamlError{"a.yaml", 0, 0, "bad"}).ToString(), "a.yaml: bad");
}

TEST(YamlErrorsTest, MarksBecomeOneBasedAndSortInFileOrder) {
  YamlErrors errors("f.yaml");
  YAML::Node root = Parse("a: 1\nb: [x, y]\n");
  errors.Add(root["b"][1], "second");
  errors.Add(root["a"], "first");
  errors.Add(YAML::Mark::null_mark(), "file");
  errors.Add(root["b"][1], "second again");
  EXPECT_EQ(errors.size(), 4u);
  EXPECT_EQ(Strings(errors),
            (std::vector<std::string>{"f.yaml: file", "f.yaml:1:4: first", "f.yaml:2:8: second",
                                      "f.yaml:2:8: second again"}));
}

TEST(ParseYamlTest, EmptyAndCommentOnlyTextGiveNull) {
  YamlErrors errors("f.yaml");
  std::optional<YAML::Node> node = ParseYaml("# nothing\n\n", errors);
  ASSERT_TRUE(node.has_value());
  EXPECT_TRUE(node->IsNull());
  EXPECT_TRUE(node->Mark().is_null());
  EXPECT_TRUE(errors.empty());
}

TEST(ParseYamlTest, SyntaxErrorAtParserPosition) {
  YamlErrors errors("f.yaml");
  EXPECT_FALSE(ParseYaml("a: b: c\n", errors).has_value());
  EXPECT_EQ(Strings(errors),
            std::vector<std::string>{"f.yaml:1:5: YAML syntax error: illegal map value"});
}

TEST(ParseYamlDocumentsTest, ReadsEveryDocumentAndSkipsEmptyOnes) {
  YamlErrors errors("f.yaml");
  auto docs = ParseYamlDocuments("---\n# only a comment\n---\na: 1\n---\n---\nb: 2\n", errors);
  ASSERT_TRUE(docs.has_value());
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[0]["a"].as<int>(), 1);
  EXPECT_EQ((*docs)[1]["b"].as<int>(), 2);
  EXPECT_EQ((*docs)[1].Mark().line, 6);  // positions stay those of the whole file
  EXPECT_TRUE(errors.empty());
}

TEST(ParseYamlDocumentsTest, SyntaxErrorInALaterDocumentIsReported) {
  YamlErrors errors("f.yaml");
  EXPECT_FALSE(ParseYamlDocuments("a: 1\n---\nb: c: d\n", errors).has_value());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors.Sorted()[0].line, 3);
}

TEST(ParseYamlTest, SecondDocumentIsAnError) {
  YamlErrors errors("f.yaml");
  EXPECT_FALSE(ParseYaml("a: 1\n---\nb: 2\n", errors).has_value());
  ASSERT_EQ(errors.size(), 1u);
  YamlError e = errors.Sorted()[0];
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.column, 1);
  EXPECT_NE(e.message.find("second YAML document"), std::string::npos) << e.message;
}

TEST(LoadYamlFileTest, ReadsAFileAndReportsAMissingOne) {
  std::string dir = (std::filesystem::temp_directory_path() / "rebound-yaml-util-XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  std::string path = dir + "/x.yaml";
  std::ofstream(path) << "k: v\n";

  YamlErrors errors(path);
  std::optional<YAML::Node> node = LoadYamlFile(path, errors);
  ASSERT_TRUE(node.has_value());
  EXPECT_EQ((*node)["k"].Scalar(), "v");

  YamlErrors missing(dir + "/none.yaml");
  EXPECT_FALSE(LoadYamlFile(dir + "/none.yaml", missing).has_value());
  EXPECT_EQ(Strings(missing), std::vector<std::string>{
                                  dir + "/none.yaml: cannot read file: No such file or directory"});

  YamlErrors directory(dir);
  EXPECT_FALSE(LoadYamlFile(dir, directory).has_value());
  EXPECT_EQ(Strings(directory),
            std::vector<std::string>{dir + ": cannot read file: it is a directory"});
  std::filesystem::remove_all(dir);
}

TEST(ClosestMatchTest, SuggestsWithinTwoEdits) {
  std::vector<std::string> keys = {"listen", "state_dir", "max_body_bytes", "log"};
  EXPECT_EQ(ClosestMatch("listn", keys), "listen");
  EXPECT_EQ(ClosestMatch("lsiten", keys), "listen");  // a transposition is one edit
  EXPECT_EQ(ClosestMatch("state-dir", keys), "state_dir");
  EXPECT_EQ(ClosestMatch("maxBodyBytes", keys), "max_body_bytes");
  EXPECT_EQ(ClosestMatch("lg", keys), "log");
  EXPECT_EQ(ClosestMatch("listener_x", keys), "");  // four edits away
  EXPECT_EQ(ClosestMatch("x", keys), "");
  EXPECT_EQ(ClosestMatch("bad", {"a", "b", "c"}), "");  // two of three letters changed
  EXPECT_EQ(ClosestMatch("anything", {}), "");
}

TEST(YamlScalarTest, DescribeNames) {
  YAML::Node root = Parse("a: {x: 1}\nb: [1]\nc: hello\nd:\n");
  EXPECT_EQ(DescribeYaml(root["a"]), "a mapping");
  EXPECT_EQ(DescribeYaml(root["b"]), "a sequence");
  EXPECT_EQ(DescribeYaml(root["c"]), "\"hello\"");
  EXPECT_EQ(DescribeYaml(root["d"]), "null");
  EXPECT_EQ(DescribeYaml(Parse("e: " + std::string(100, 'z'))["e"]),
            "\"" + std::string(60, 'z') + "...\"");
}

TEST(YamlScalarTest, Bool) {
  YAML::Node root = Parse("a: true\nb: False\nc: yes\nd: 'true'\ne: [true]\n");
  YamlErrors errors("f.yaml");
  EXPECT_EQ(YamlBool(root["a"], "a", errors), true);
  EXPECT_EQ(YamlBool(root["b"], "b", errors), false);
  EXPECT_EQ(YamlBool(root["c"], "c", errors), std::nullopt);
  EXPECT_EQ(YamlBool(root["d"], "d", errors), std::nullopt);
  EXPECT_EQ(YamlBool(root["e"], "e", errors), std::nullopt);
  EXPECT_EQ(Strings(errors),
            (std::vector<std::string>{
                "f.yaml:3:4: \"c\": expected a boolean (true or false), got \"yes\"",
                "f.yaml:4:4: \"d\": expected a boolean (true or false), got \"true\"",
                "f.yaml:5:4: \"e\": expected a boolean (true or false), got a sequence"}));
}

TEST(YamlScalarTest, IntRangesAndWording) {
  YAML::Node root = Parse("a: 42\nb: +7\nc: 1.5\nd: 0\ne: 99999999999999999999\nf: '3'\ng: -3\n");
  YamlErrors errors("f.yaml");
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(YamlInt(root["a"], "a", 1, kMax, errors), 42);
  EXPECT_EQ(YamlInt(root["b"], "b", 1, 10, errors), 7);
  EXPECT_EQ(YamlInt(root["g"], "g", -5, 5, errors), -3);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(YamlInt(root["c"], "c", 1, kMax, errors), std::nullopt);
  EXPECT_EQ(YamlInt(root["d"], "d", 1, 10, errors), std::nullopt);
  EXPECT_EQ(YamlInt(root["e"], "e", 0, kMax, errors), std::nullopt);
  EXPECT_EQ(YamlInt(root["f"], "f", 0, 5, errors), std::nullopt);
  EXPECT_EQ(Strings(errors),
            (std::vector<std::string>{
                "f.yaml:3:4: \"c\": expected a positive integer, got \"1.5\"",
                "f.yaml:4:4: \"d\": expected a positive integer no larger than 10, got \"0\"",
                "f.yaml:5:4: \"e\": expected a non-negative integer, got "
                "\"99999999999999999999\"",
                "f.yaml:6:4: \"f\": expected an integer from 0 to 5, got \"3\""}));
}

TEST(YamlScalarTest, Duration) {
  YAML::Node root = Parse("a: 1h30m\nb: 5x\nc: 0s\nd: 10s\ne: {}\n");
  YamlErrors errors("f.yaml");
  EXPECT_EQ(YamlDuration(root["a"], "a", milliseconds(1), errors), std::chrono::minutes(90));
  EXPECT_EQ(YamlDuration(root["c"], "c", milliseconds(0), errors), milliseconds(0));
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(YamlDuration(root["b"], "b", milliseconds(1), errors), std::nullopt);
  EXPECT_EQ(YamlDuration(root["c"], "c", milliseconds(1), errors), std::nullopt);
  EXPECT_EQ(YamlDuration(root["d"], "d", std::chrono::minutes(1), errors), std::nullopt);
  EXPECT_EQ(YamlDuration(root["e"], "e", milliseconds(1), errors), std::nullopt);
  EXPECT_EQ(Strings(errors),
            (std::vector<std::string>{
                "f.yaml:2:4: \"b\": invalid duration \"5x\": unknown unit \"x\" (use e.g. 30s, "
                "5m, 1h30m)",
                "f.yaml:3:4: \"c\": expected a positive duration, got \"0s\"",
                "f.yaml:4:4: \"d\": expected a duration of at least 1m, got \"10s\"",
                "f.yaml:5:4: \"e\": expected a duration such as 30s, 5m or 1h30m, got a mapping"}));
}

TEST(YamlScalarTest, StringListReportsEachBadItem) {
  YAML::Node root = Parse("a: [x, 'y', 3]\nb: [x, {k: v}, [z]]\nc: x\n");
  YamlErrors errors("f.yaml");
  EXPECT_EQ(YamlStringList(root["a"], "a", errors), (std::vector<std::string>{"x", "y", "3"}));
  EXPECT_EQ(YamlStringList(root["b"], "b", errors), std::nullopt);
  EXPECT_EQ(YamlStringList(root["c"], "c", errors), std::nullopt);
  EXPECT_EQ(Strings(errors),
            (std::vector<std::string>{"f.yaml:2:8: \"b[1]\": expected a string, got a mapping",
                                      "f.yaml:2:16: \"b[2]\": expected a string, got a sequence",
                                      "f.yaml:3:4: \"c\": expected a list of strings, got \"x\""}));
}

TEST(YamlScalarTest, StringAndEnum) {
  YAML::Node root = Parse("a: plain\nb: [x]\nc: json\nd: xml\n");
  YamlErrors errors("f.yaml");
  EXPECT_EQ(YamlString(root["a"], "a", errors), "plain");
  EXPECT_EQ(YamlEnum(root["c"], "c", {"text", "json"}, errors), "json");
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(YamlString(root["b"], "b", errors), std::nullopt);
  EXPECT_EQ(YamlEnum(root["d"], "d", {"text", "json"}, errors), std::nullopt);
  EXPECT_EQ(Strings(errors), (std::vector<std::string>{
                                 "f.yaml:2:4: \"b\": expected a string, got a sequence",
                                 "f.yaml:4:4: \"d\" must be one of text, json (got \"xml\")"}));
}

TEST(StrictMapTest, ReportsUnknownDuplicateAndNonScalarKeys) {
  YAML::Node root = Parse("name: a\nnmae: b\nname: c\n[k]: d\nzzz: e\n");
  YamlErrors errors("f.yaml");
  StrictMap map(root, "", {"name", "other"}, errors);
  EXPECT_TRUE(map.is_map());
  EXPECT_EQ(map.String("name"), "a");  // the first occurrence wins
  EXPECT_EQ(Strings(errors),
            (std::vector<std::string>{"f.yaml:2:1: unknown key \"nmae\" (did you mean \"name\"?)",
                                      "f.yaml:3:1: duplicate key \"name\" (first set on line 1)",
                                      "f.yaml:4:1: keys must be strings, got a sequence",
                                      "f.yaml:5:1: unknown key \"zzz\" (allowed: name, other)"}));
}

TEST(StrictMapTest, NullIsAnEmptyMapAndNonMapIsAnError) {
  YAML::Node root = Parse("a:\nb: [1]\n");
  YamlErrors errors("f.yaml");
  StrictMap top(root, "", {"a", "b"}, errors);
  StrictMap a = top.Child("a", {"x"});
  EXPECT_TRUE(a.is_map());
  EXPECT_FALSE(a.Has("x"));
  EXPECT_EQ(a.mark().line, 0);  // positioned at the key "a"
  StrictMap b = top.Child("b", {"x"});
  EXPECT_FALSE(b.is_map());
  EXPECT_FALSE(b.Require("x"));  // already reported as not a mapping
  EXPECT_EQ(Strings(errors),
            std::vector<std::string>{"f.yaml:2:4: \"b\": expected a mapping, got a sequence"});

  YamlErrors top_errors("g.yaml");
  StrictMap scalar(Parse("just text"), "", {"a"}, top_errors);
  EXPECT_FALSE(scalar.is_map());
  EXPECT_EQ(
      Strings(top_errors),
      std::vector<std::string>{
          "g.yaml:1:1: the top level must be a mapping of keys to values, got \"just text\""});
}

TEST(StrictMapTest, ChildQualifiesNamesAndRequirePointsSensibly) {
  YAML::Node root = Parse("outer:\n  inner:\n    b: 1\n    c:\n    bad: 2\n");
  YamlErrors errors("f.yaml");
  StrictMap top(root, "", {"outer", "absent"}, errors);
  StrictMap inner = top.Child("outer", {"inner"}).Child("inner", {"a", "b", "c"});
  EXPECT_EQ(inner.name(), "outer.inner");
  EXPECT_EQ(inner.Qualified("a"), "outer.inner.a");
  EXPECT_EQ(inner.Int("b", 0, 10), 1);
  EXPECT_TRUE(inner.Require("b"));
  EXPECT_FALSE(inner.Require("a"));  // absent: at the mapping
  EXPECT_FALSE(inner.Require("c"));  // null: at the key
  StrictMap absent = top.Child("absent", {"x"});
  EXPECT_FALSE(absent.Require("x"));  // the whole parent is where it is missing from
  EXPECT_EQ(Strings(errors),
            (std::vector<std::string>{
                "f.yaml:1:1: \"absent.x\" is required", "f.yaml:3:5: \"outer.inner.a\" is required",
                "f.yaml:4:5: \"outer.inner.c\" is required",
                "f.yaml:5:5: unknown key \"bad\" in outer.inner (allowed: a, b, c)"}));
}

TEST(StrictMapTest, TypedGettersSkipAbsentAndNullKeys) {
  YAML::Node root = Parse("n:\n");
  YamlErrors errors("f.yaml");
  StrictMap map(root, "", {"n", "m"}, errors);
  EXPECT_EQ(map.String("n"), std::nullopt);
  EXPECT_EQ(map.Bool("m"), std::nullopt);
  EXPECT_EQ(map.Int("n", 0, 1), std::nullopt);
  EXPECT_EQ(map.Duration("n", milliseconds(0)), std::nullopt);
  EXPECT_EQ(map.StringList("n"), std::nullopt);
  EXPECT_EQ(map.Enum("n", {"a"}), std::nullopt);
  EXPECT_TRUE(errors.empty());
}

}  // namespace
}  // namespace rebound::common
