#include "controller/anomaly/scorer_store.h"

#include <gtest/gtest.h>

#include "tests/controller/anomaly/scorer_store_fixture.h"

namespace rebound::controller::anomaly {
namespace {

class ScorerStoreTest : public ScorerStoreFixture {
 protected:
  std::vector<std::string> Keys() const {
    auto saved = store_->LoadAll();
    EXPECT_TRUE(saved.ok()) << saved.status().ToString();
    std::vector<std::string> out;
    if (saved.ok()) {
      for (const SavedScorer& s : *saved) {
        out.push_back(s.key.set + "/" + s.key.namespace_name + "/" + s.key.workload);
      }
    }
    return out;
  }
};

TEST_F(ScorerStoreTest, SavedScorersComeBackByKeyWithTheirBytes) {
  ASSERT_NE(store_, nullptr);
  const std::string bytes("\x00\x01\xff state \x00", 10);
  SavedScorer web{{"memory", "shop", "web"}, "sig-1", clock_.Now(), bytes};
  SavedScorer api{
      {"memory", "shop", "api"}, "sig-1", clock_.Now() + std::chrono::seconds(30), "other"};
  ASSERT_TRUE(store_->Save({web, api}).ok());

  auto saved = store_->LoadAll();
  ASSERT_TRUE(saved.ok()) << saved.status().ToString();
  ASSERT_EQ(saved->size(), 2u);
  EXPECT_EQ((*saved)[0].key.workload, "api");  // ordered by key
  EXPECT_EQ((*saved)[1].key, web.key);
  EXPECT_EQ((*saved)[1].signature, "sig-1");
  EXPECT_EQ((*saved)[1].scored_at, web.scored_at);
  EXPECT_EQ((*saved)[1].state, bytes);
  EXPECT_EQ((*saved)[0].scored_at, api.scored_at);
}

TEST_F(ScorerStoreTest, SaveReplacesAndDeleteRemovesOnlyTheKeysGiven) {
  ASSERT_NE(store_, nullptr);
  ASSERT_TRUE(store_
                  ->Save({{{"memory", "shop", "web"}, "sig", clock_.Now(), "v1"},
                          {{"memory", "shop", "api"}, "sig", clock_.Now(), "v1"},
                          {{"latency", "shop", "web"}, "sig", clock_.Now(), "v1"}})
                  .ok());
  ASSERT_TRUE(store_->Save({{{"memory", "shop", "web"}, "sig", clock_.Now(), "v2"}}).ok());
  EXPECT_EQ(Keys(),
            (std::vector<std::string>{"latency/shop/web", "memory/shop/api", "memory/shop/web"}));
  EXPECT_EQ(store_->LoadAll()->back().state, "v2");

  ASSERT_TRUE(store_->Delete({{"memory", "shop", "web"}, {"memory", "nowhere", "x"}}).ok());
  EXPECT_EQ(Keys(), (std::vector<std::string>{"latency/shop/web", "memory/shop/api"}));
}

TEST_F(ScorerStoreTest, OpenWithoutAJournalIsUnavailable) {
  rebound::testing::TempDir empty;
  auto store = ScorerStore::Open(empty.path());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), common::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace rebound::controller::anomaly
