// GET /api/v1/episodes: streamed a page at a time, as one valid JSON document, newest first,
// honouring the limit and the state filter, in chunks bounded by the byte budget.
#include "controller/intake/episodes_handler.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "tests/controller/intake/journal_fixture.h"

namespace rebound::controller::intake {
namespace {

class CapturingWriter final : public common::StreamWriter {
 public:
  bool Write(std::string_view chunk) override {
    chunks.emplace_back(chunk);
    return true;
  }
  bool Stopping() const override { return false; }
  std::string Body() const {
    std::string out;
    for (const std::string& c : chunks) out += c;
    return out;
  }
  std::vector<std::string> chunks;
};

constexpr size_t kAnnotationBytes = 20 * 1024;

class EpisodesHandlerTest : public JournalFixture {
 protected:
  // Journals `count` firing alerts e<first>.. in one notification: they share a received_at,
  // so pages must break ties by insertion order.
  void JournalAlerts(int first, int count) {
    std::vector<Alert> alerts;
    for (int i = first; i < first + count; ++i) {
      Alert alert;
      alert.fingerprint = "e" + std::to_string(i);
      alert.labels = {{"alertname", "Big"}, {"n", std::to_string(i)}};
      alert.annotations = {{"description", std::string(kAnnotationBytes, 'x')}};
      alert.starts_at = common::Timestamp::FromTimePoint(clock_.Now());
      alerts.push_back(alert);
    }
    ASSERT_TRUE(journal_->Append(alerts, "rebound", "").ok());
    clock_.Advance(std::chrono::seconds(1));
  }

  common::HttpResponse Get(const std::string& query) const {
    common::HttpRequest request;
    request.method = "GET";
    request.query = query;
    return HandleListEpisodes(*journal_, request);
  }
};

TEST_F(EpisodesHandlerTest, StreamsNewestFirstInBoundedChunksHonouringTheLimit) {
  for (int batch = 0; batch < 4; ++batch) JournalAlerts(batch * 10, 10);
  common::HttpResponse response = Get("limit=35");
  ASSERT_EQ(response.status, 200);
  ASSERT_TRUE(response.stream) << "a listing must be streamed, not built in memory";
  CapturingWriter writer;
  response.stream(writer);

  nlohmann::json body = nlohmann::json::parse(writer.Body());
  EXPECT_EQ(body["status"], "success");
  ASSERT_EQ(body["data"].size(), 35u);
  // Newest first, each once: e39 .. e5, across page boundaries inside one notification.
  for (int i = 0; i < 35; ++i) {
    EXPECT_EQ(body["data"][i]["fingerprint"], "e" + std::to_string(39 - i)) << "row " << i;
  }
  EXPECT_EQ(body["data"][0]["annotations"]["description"].get<std::string>().size(),
            kAnnotationBytes);
  // Sent in many chunks (35 rows of 20 KiB), none much larger than the chunk budget (64 KiB,
  // plus one row).
  EXPECT_GE(writer.chunks.size(), 8u);
  for (const std::string& chunk : writer.chunks) {
    EXPECT_LT(chunk.size(), 64 * 1024 + kAnnotationBytes + 1024);
  }
}

TEST_F(EpisodesHandlerTest, FiltersByStateAcrossPages) {
  JournalAlerts(0, 30);
  auto all = journal_->List(std::nullopt, 100);
  ASSERT_TRUE(all.ok());
  std::set<std::string> pending;
  for (const Episode& e : *all) {
    if (e.key.fingerprint.back() % 3 == 0) {
      ASSERT_TRUE(journal_->SetState(e.key, EpisodeState::kPending).ok());
      pending.insert(e.key.fingerprint);
    }
  }
  common::HttpResponse response = Get("state=pending&limit=10000");
  ASSERT_EQ(response.status, 200);
  CapturingWriter writer;
  response.stream(writer);
  nlohmann::json body = nlohmann::json::parse(writer.Body());
  std::set<std::string> got;
  for (const nlohmann::json& row : body["data"]) {
    EXPECT_EQ(row["state"], "pending");
    got.insert(row["fingerprint"].get<std::string>());
  }
  EXPECT_EQ(got, pending);
}

TEST_F(EpisodesHandlerTest, BadParametersAreRefusedBeforeStreaming) {
  EXPECT_EQ(Get("limit=0").status, 400);
  EXPECT_EQ(Get("limit=10001").status, 400);
  EXPECT_EQ(Get("state=open").status, 400);
}

TEST_F(EpisodesHandlerTest, AnEmptyJournalIsAnEmptyList) {
  common::HttpResponse response = Get("");
  ASSERT_EQ(response.status, 200);
  CapturingWriter writer;
  response.stream(writer);
  EXPECT_EQ(nlohmann::json::parse(writer.Body()),
            nlohmann::json({{"status", "success"}, {"data", nlohmann::json::array()}}));
}

}  // namespace
}  // namespace rebound::controller::intake
