// StreamJsonData: pages read with the byte budget, the limit honoured across pages, valid JSON
// whatever happens, and a first page that fails answered as 503 before anything is streamed.
#include "common/json_stream.h"

#include <gtest/gtest.h>

namespace rebound::common {
namespace {

class CapturingWriter final : public StreamWriter {
 public:
  bool Write(std::string_view chunk) override {
    body += chunk;
    ++writes;
    return writes <= fail_after;
  }
  bool Stopping() const override { return false; }
  std::string body;
  int writes = 0;
  int fail_after = 1 << 30;
};

// Rows {"n": i} for i in [0, total); records the arguments of every read.
struct Source {
  int total = 0;
  int next = 0;
  int fail_at_read = -1;
  std::vector<std::pair<size_t, size_t>> reads = {};  // (rows, max_bytes)
  JsonPageReader Reader() {
    return [this](size_t rows, size_t max_bytes) -> Result<std::vector<nlohmann::json>> {
      reads.emplace_back(rows, max_bytes);
      if (static_cast<int>(reads.size()) - 1 == fail_at_read) return Unavailable("disk on fire");
      std::vector<nlohmann::json> page;
      while (next < total && page.size() < rows) page.push_back({{"n", next++}});
      return page;
    };
  }
};

TEST(JsonStreamTest, ReadsPagesWithTheBudgetAndHonoursTheLimit) {
  Source source{.total = 1000};
  JsonStreamOptions options{.limit = 250, .page_rows = 100, .page_bytes = 4096, .chunk_bytes = 64};
  HttpResponse response = StreamJsonData(source.Reader(), options);
  ASSERT_EQ(response.status, 200);
  ASSERT_TRUE(response.stream);
  CapturingWriter writer;
  response.stream(writer);
  nlohmann::json body = nlohmann::json::parse(writer.body);
  EXPECT_EQ(body["status"], "success");
  ASSERT_EQ(body["data"].size(), 250u);
  for (int i = 0; i < 250; ++i) EXPECT_EQ(body["data"][i]["n"], i);
  // 100 + 100 + 50 rows: the last page asks only for what the limit leaves.
  ASSERT_EQ(source.reads.size(), 3u);
  EXPECT_EQ(source.reads[0], std::make_pair(size_t{100}, size_t{4096}));
  EXPECT_EQ(source.reads[2], std::make_pair(size_t{50}, size_t{4096}));
  EXPECT_GT(writer.writes, 20);  // 64-byte chunks
}

TEST(JsonStreamTest, EndsAtTheFirstEmptyPage) {
  Source source{.total = 7};
  HttpResponse response = StreamJsonData(source.Reader(), {.limit = 100, .page_rows = 3});
  CapturingWriter writer;
  response.stream(writer);
  EXPECT_EQ(nlohmann::json::parse(writer.body)["data"].size(), 7u);
  EXPECT_EQ(source.reads.size(), 4u);  // 3 + 3 + 1, then the empty page
}

TEST(JsonStreamTest, AFailedFirstPageIs503AndALaterOneEndsTheDocumentWithTheError) {
  Source failing{.total = 10, .fail_at_read = 0};
  HttpResponse refused = StreamJsonData(failing.Reader(), {});
  EXPECT_EQ(refused.status, 503);
  EXPECT_FALSE(refused.stream);
  EXPECT_NE(refused.body.find("disk on fire"), std::string::npos);

  Source later{.total = 10, .fail_at_read = 1};
  HttpResponse response = StreamJsonData(later.Reader(), {.limit = 10, .page_rows = 4});
  CapturingWriter writer;
  response.stream(writer);
  nlohmann::json body = nlohmann::json::parse(writer.body);
  EXPECT_EQ(body["status"], "error");
  EXPECT_EQ(body["error"], "disk on fire");
  EXPECT_EQ(body["data"].size(), 4u);
}

TEST(JsonStreamTest, StopsWritingWhenTheClientIsGone) {
  Source source{.total = 1000};
  HttpResponse response =
      StreamJsonData(source.Reader(), {.limit = 1000, .page_rows = 10, .chunk_bytes = 16});
  CapturingWriter writer;
  writer.fail_after = 2;
  response.stream(writer);
  EXPECT_EQ(writer.writes, 3);
  EXPECT_EQ(source.reads.size(), 1u);  // no page read for a client that left
}

}  // namespace
}  // namespace rebound::common
