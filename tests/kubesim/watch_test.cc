#include "tools/kubesim/watch.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "tests/fakes/fake_clock.h"
#include "tools/kubesim/json_access.h"

namespace rebound::kubesim {
namespace {

using nlohmann::json;

// Collects the events of a stream; reports the server as stopping after `limit` of them, or
// when `on_check` (run each time the stream asks) says so.
class RecordingWriter final : public common::StreamWriter {
 public:
  explicit RecordingWriter(size_t limit, std::function<bool()> on_check = nullptr)
      : limit_(limit), on_check_(std::move(on_check)) {}
  bool Write(std::string_view chunk) override {
    events.push_back(json::parse(chunk));
    return true;
  }
  bool Stopping() const override { return events.size() >= limit_ || (on_check_ && on_check_()); }
  std::vector<json> events;

 private:
  size_t limit_;
  std::function<bool()> on_check_;
};

class KubesimWatchTest : public ::testing::Test {
 protected:
  json Pod(const std::string& name, const std::string& app) {
    return {{"metadata", {{"name", name}, {"namespace", "shop"}, {"labels", {{"app", app}}}}},
            {"spec", {{"containers", {{{"name", "c"}, {"image", "i"}}}}}}};
  }
  std::vector<json> Run(WatchOptions options, size_t limit,
                        std::function<bool()> on_check = nullptr) {
    options.type = &pods_;
    common::HttpResponse response = WatchResponse(store_, clock_, std::move(options));
    EXPECT_TRUE(response.stream);
    RecordingWriter writer(limit, std::move(on_check));
    response.stream(writer);
    return writer.events;
  }
  const ResourceType& pods_ = TypeOf(Kind::kPod);
  ::rebound::testing::FakeClock clock_;
  ObjectStore store_{clock_, 1};
};

TEST_F(KubesimWatchTest, VisibleEventsFollowTheSelectionOfOldAndNewState) {
  WatchFilter filter;
  filter.labels = *LabelSelector::Parse("app=web");
  json web = Pod("a", "web");
  json db = Pod("a", "db");
  EXPECT_EQ(filter.Visible({"ADDED", &pods_, 1, web, nullptr}), "ADDED");
  EXPECT_EQ(filter.Visible({"ADDED", &pods_, 1, db, nullptr}), std::nullopt);
  EXPECT_EQ(filter.Visible({"MODIFIED", &pods_, 2, web, web}), "MODIFIED");
  EXPECT_EQ(filter.Visible({"MODIFIED", &pods_, 2, db, web}), "DELETED") << "moved out";
  EXPECT_EQ(filter.Visible({"MODIFIED", &pods_, 2, web, db}), "ADDED") << "moved in";
  EXPECT_EQ(filter.Visible({"MODIFIED", &pods_, 2, db, db}), std::nullopt);
  EXPECT_EQ(filter.Visible({"DELETED", &pods_, 3, web, nullptr}), "DELETED");
  filter.ns = "other";
  EXPECT_EQ(filter.Visible({"ADDED", &pods_, 1, web, nullptr}), std::nullopt);
}

TEST_F(KubesimWatchTest, VersionZeroStartsWithAddedForEveryMatch) {
  ASSERT_TRUE(store_.Create(pods_, Pod("a", "web")).ok());
  ASSERT_TRUE(store_.Create(pods_, Pod("b", "db")).ok());
  ASSERT_TRUE(store_.Create(pods_, Pod("c", "web")).ok());
  WatchOptions options;
  options.filter.labels = *LabelSelector::Parse("app=web");
  options.resource_version = "0";
  std::vector<json> events = Run(options, 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "ADDED");
  EXPECT_EQ(NameOf(events[0]["object"]), "a");
  EXPECT_EQ(events[0]["object"]["kind"], "Pod");
  EXPECT_EQ(NameOf(events[1]["object"]), "c");
}

TEST_F(KubesimWatchTest, VersionNReplaysLaterChangesThroughTheFilter) {
  json a = *store_.Create(pods_, Pod("a", "web"));  // 1
  json b = *store_.Create(pods_, Pod("b", "web"));  // 2
  a["metadata"]["labels"]["tier"] = "front";
  ASSERT_TRUE(store_.Replace(pods_, a, 0).ok());        // 3
  ASSERT_TRUE(store_.Delete(pods_, "shop", "b").ok());  // 4
  WatchOptions options;
  options.filter.fields = *FieldSelector::Parse("metadata.name=b");
  options.resource_version = "1";
  std::vector<json> events = Run(options, 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "ADDED");
  EXPECT_EQ(events[0]["object"]["metadata"]["resourceVersion"], "2");
  EXPECT_EQ(events[1]["type"], "DELETED");
  EXPECT_EQ(events[1]["object"]["metadata"]["resourceVersion"], "4");
}

TEST_F(KubesimWatchTest, TooOldVersionGetsExpiredErrorEvent) {
  ObjectStore small(clock_, 1, 2);
  for (const char* name : {"a", "b", "c", "d"})
    ASSERT_TRUE(small.Create(pods_, Pod(name, "web")).ok());
  WatchOptions options;
  options.type = &pods_;
  options.resource_version = "1";
  common::HttpResponse response = WatchResponse(small, clock_, options);
  RecordingWriter writer(10);
  response.stream(writer);
  ASSERT_EQ(writer.events.size(), 1u);
  EXPECT_EQ(writer.events[0]["type"], "ERROR");
  EXPECT_EQ(writer.events[0]["object"]["code"], 410);
  EXPECT_EQ(writer.events[0]["object"]["reason"], "Expired");
  EXPECT_EQ(writer.events[0]["object"]["message"], "too old resource version: 1 (2)");
}

TEST_F(KubesimWatchTest, StreamEndsAtTimeoutOnTheClock) {
  WatchOptions options;
  options.resource_version = "0";
  options.timeout = std::chrono::seconds(5);
  // The stream has set its deadline by its first check for a stopping server; from then on
  // it re-reads the clock after each quiet poll. Move the clock past the deadline there.
  int checks = 0;
  std::vector<json> events = Run(options, 100, [&] {
    if (++checks == 1) clock_.Advance(std::chrono::seconds(6));
    return checks > 3;  // the server stops a stream that outlives its deadline
  });
  EXPECT_TRUE(events.empty());
  EXPECT_LE(checks, 2) << "the stream outlived its deadline";
}

TEST_F(KubesimWatchTest, TableWatchSendsOneRowTables) {
  ASSERT_TRUE(store_.Create(pods_, Pod("a", "web")).ok());
  WatchOptions options;
  options.table = true;
  std::vector<json> events = Run(options, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["object"]["kind"], "Table");
  ASSERT_EQ(events[0]["object"]["rows"].size(), 1u);
  EXPECT_EQ(events[0]["object"]["rows"][0]["cells"][0], "a");
}

}  // namespace
}  // namespace rebound::kubesim
