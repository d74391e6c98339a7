#include "controller/healing/episode_context.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/percent_encoding.h"

namespace rebound::controller::healing {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

intake::Episode CrashEpisode() {
  intake::Episode e;
  e.key.fingerprint = "5f1c";
  e.key.starts_at = "2026-01-01T00:00:00Z";
  e.alertname = "KubePodCrashLooping";
  e.labels = {{"alertname", "KubePodCrashLooping"},
              {"deployment", "web"},
              {"namespace", "shop"},
              {"severity", "critical"}};
  e.annotations = {{"summary", "web keeps crashing"}};
  e.generator_url = "http://prometheus:9090/graph?g0.expr=up";
  e.external_url = "http://alertmanager:9093";
  return e;
}

actions::Target Web() {
  actions::Target t;
  t.kind = "Deployment";
  t.ns = "shop";
  t.name = "web";
  return t;
}

// The `filter` parameter of a silence link, percent-decoded.
std::string FilterOf(const std::string& link) {
  const std::string marker = "#/silences/new?filter=";
  size_t at = link.find(marker);
  if (at == std::string::npos) return "(no filter in " + link + ")";
  common::Result<std::string> filter =
      common::PercentDecode(std::string_view(link).substr(at + marker.size()));
  return filter.ok() ? *filter : filter.status().ToString();
}

TEST(EpisodeVarsTest, ExposesLabelsAnnotationsAndAlertFields) {
  templates::TemplateContext vars = EpisodeVars(CrashEpisode(), "crashloop");
  EXPECT_EQ(vars.Lookup("labels.deployment"), "web");
  EXPECT_EQ(vars.Lookup("labels.severity"), "critical");
  EXPECT_EQ(vars.Lookup("annotations.summary"), "web keeps crashing");
  EXPECT_EQ(vars.Lookup("alert.name"), "KubePodCrashLooping");
  EXPECT_EQ(vars.Lookup("alert.status"), "firing");
  EXPECT_EQ(vars.Lookup("alert.fingerprint"), "5f1c");
  EXPECT_EQ(vars.Lookup("alert.startsAt"), "2026-01-01T00:00:00Z");
  EXPECT_EQ(vars.Lookup("alert.generatorURL"), "http://prometheus:9090/graph?g0.expr=up");
  EXPECT_EQ(vars.Lookup("playbook"), "crashloop");
  EXPECT_EQ(vars.Lookup("labels.pod"), std::nullopt);
  EXPECT_EQ(vars.Lookup("target"), std::nullopt);  // not resolved yet
}

TEST(EpisodeVarsTest, ResolvedEpisodeWithoutPlaybook) {
  intake::Episode e = CrashEpisode();
  e.status = intake::AlertStatus::kResolved;
  templates::TemplateContext vars = EpisodeVars(e, "");
  EXPECT_EQ(vars.Lookup("alert.status"), "resolved");
  EXPECT_EQ(vars.Lookup("playbook"), std::nullopt);
}

TEST(EpisodeVarsTest, SetTargetVarsAddsTheTarget) {
  templates::TemplateContext vars = EpisodeVars(CrashEpisode(), "crashloop");
  SetTargetVars(vars, Web());
  EXPECT_EQ(vars.Lookup("target"), "shop/web");
  EXPECT_EQ(vars.Lookup("target.kind"), "Deployment");
  EXPECT_EQ(vars.Lookup("target.namespace"), "shop");
  EXPECT_EQ(vars.Lookup("target.name"), "web");
  EXPECT_EQ(vars.Lookup("labels.deployment"), "web");  // the episode's stay
}

TEST(EpisodeIdTest, FingerprintAtStartsAt) {
  EXPECT_EQ(EpisodeId(CrashEpisode().key), "5f1c@2026-01-01T00:00:00Z");
}

TEST(SilenceLinkTest, EncodesTheFilterAsTheAlertmanagerUiDoes) {
  // What the UI's own Silence button links to (ui/app/src/Views/SilenceForm/Parsing.elm):
  // percentEncode of {name="value", ...}, labels in order.
  EXPECT_EQ(SilenceLink("http://alertmanager:9093", {{"alertname", "X"}, {"namespace", "shop"}}),
            "http://alertmanager:9093/#/silences/new?filter="
            "%7Balertname%3D%22X%22%2C%20namespace%3D%22shop%22%7D");
}

TEST(SilenceLinkTest, KeepsThePathPrefixAndDropsTrailingSlashes) {
  EXPECT_EQ(SilenceLink("https://example.com/alertmanager//", {{"alertname", "X"}}),
            "https://example.com/alertmanager/#/silences/new?filter=%7Balertname%3D%22X%22%7D");
}

TEST(SilenceLinkTest, ValuesAreJsonStrings) {
  // The UI decodes each quoted value as JSON: quotes, backslashes and control characters are
  // escaped; other characters, UTF-8 included, are only percent-encoded.
  std::string link = SilenceLink("http://am", {{"alertname", "X"},
                                               {"path", "C:\\tmp \"a\"/b&c=d"},
                                               {"text", "line1\nline2\ttab"},
                                               {"city", "Zürich"}});
  EXPECT_EQ(
      FilterOf(link),
      R"({alertname="X", city="Zürich", path="C:\\tmp \"a\"/b&c=d", text="line1\nline2\ttab"})");
  // Nothing that would end the parameter or the fragment is left unencoded.
  std::string query = link.substr(link.find("filter=") + 7);
  EXPECT_EQ(query.find_first_of("&=#?/ {}\"+"), std::string::npos) << query;
}

TEST(SilenceLinkTest, EmptyWithoutExternalUrl) {
  EXPECT_EQ(SilenceLink("", {{"alertname", "X"}}), "");
}

TEST(EpisodeNotificationTest, CarriesFieldsAndLinks) {
  const actions::Target web = Web();
  notify::Notification n = EpisodeNotification(CrashEpisode(), "crashloop", &web);
  EXPECT_EQ(n.thread_key, "KubePodCrashLooping shop/web");
  EXPECT_THAT(n.fields,
              ElementsAre(Pair("Alert", "KubePodCrashLooping"), Pair("Severity", "critical"),
                          Pair("Target", "Deployment shop/web"), Pair("Playbook", "crashloop")));
  ASSERT_EQ(n.links.size(), 2u);
  EXPECT_EQ(n.links[0].text, "Prometheus");
  EXPECT_EQ(n.links[0].url, "http://prometheus:9090/graph?g0.expr=up");
  EXPECT_EQ(n.links[1].text, "Silence");
  EXPECT_EQ(n.links[1].url, SilenceLink("http://alertmanager:9093", CrashEpisode().labels));
  EXPECT_EQ(FilterOf(n.links[1].url),
            R"({alertname="KubePodCrashLooping", deployment="web", namespace="shop", )"
            R"(severity="critical"})");
}

TEST(EpisodeNotificationTest, OmitsWhatIsNotKnown) {
  intake::Episode e = CrashEpisode();
  e.labels.erase("severity");
  e.generator_url.clear();
  e.external_url.clear();
  notify::Notification n = EpisodeNotification(e, "", nullptr);
  EXPECT_EQ(n.thread_key, "KubePodCrashLooping");
  EXPECT_THAT(n.fields, ElementsAre(Pair("Alert", "KubePodCrashLooping")));
  EXPECT_TRUE(n.links.empty());
}

}  // namespace
}  // namespace rebound::controller::healing
