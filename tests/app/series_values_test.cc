#include "app/series_values.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

namespace rebound::app {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<double> Values(std::string_view text) {
  common::Result<std::vector<double>> values = ParseSeriesValues(text);
  EXPECT_TRUE(values.ok()) << text << ": " << values.status().ToString();
  return values.ok() ? *values : std::vector<double>();
}

TEST(ParseSeriesValuesTest, ExpandsPromtoolNotation) {
  EXPECT_THAT(Values("1 2.5 -3 1e3"), ElementsAre(1, 2.5, -3, 1000));
  EXPECT_THAT(Values("100+5x3"), ElementsAre(100, 105, 110, 115));
  EXPECT_THAT(Values("10-2x2  7x1"), ElementsAre(10, 8, 6, 7, 7));
  EXPECT_THAT(Values("-1-1x2"), ElementsAre(-1, -2, -3));
  EXPECT_THAT(Values("1e-3+1e-3x1"), ElementsAre(0.001, 0.002));
  EXPECT_THAT(Values(""), IsEmpty());
}

TEST(ParseSeriesValuesTest, UnderscoreIsAMissingPoint) {
  std::vector<double> values = Values("1 _ _x2 4");
  ASSERT_EQ(values.size(), 5u);
  EXPECT_EQ(values[0], 1);
  EXPECT_TRUE(std::isnan(values[1]) && std::isnan(values[2]) && std::isnan(values[3]));
  EXPECT_EQ(values[4], 4);
}

TEST(ParseSeriesValuesTest, RejectsOtherItemsNamingThem) {
  for (std::string_view bad : {"1 two", "1+x3", "1+2", "5x", "5x-1", "_+1x2", "+5"}) {
    SCOPED_TRACE(bad);
    common::Result<std::vector<double>> values = ParseSeriesValues(bad);
    ASSERT_FALSE(values.ok());
    EXPECT_THAT(values.status().message(), HasSubstr("promtool's series notation"));
  }
  common::Result<std::vector<double>> huge = ParseSeriesValues("0+1x100000000");
  ASSERT_FALSE(huge.ok());
  EXPECT_THAT(huge.status().message(), HasSubstr("more than 11000 values"));
}

}  // namespace
}  // namespace rebound::app
