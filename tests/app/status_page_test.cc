#include "app/status_page.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "common/time_format.h"

namespace rebound::app {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kScript[] = "<script>alert(1)</script>";
constexpr char kEscapedScript[] = "&lt;script&gt;alert(1)&lt;/script&gt;";

std::chrono::system_clock::time_point At(const std::string& rfc3339) {
  return common::ParseRfc3339(rfc3339)->ToTimePoint();
}

json Decision(int id, const std::string& alertname, const std::string& message) {
  return {{"id", id},
          {"at", "2026-11-22T10:21:44Z"},
          {"kind", "decision"},
          {"result", "matched"},
          {"alertname", alertname},
          {"fingerprint", "a1b2\"c3"},
          {"playbook", "restart-crashlooping"},
          {"target", "Deployment shop/web"},
          {"action", "restart"},
          {"reason", "cooldown"},
          {"message", message}};
}

// A page with something in every section.
StatusPageData Full() {
  StatusPageData data;
  data.version = "0.1.0";
  data.now = At("2026-11-22T10:25:03Z");
  data.alertmanager = "not configured (alertmanager.url)";
  data.status = {{"paused", false},
                 {"dryRun", false},
                 {"queued", 2},
                 {"leader", {{"is_leader", true}, {"holder", "rebound-0"}, {"lease", ""}}},
                 {"dependencies",
                  {{"kubernetes", "configured (kubeconfig /k, https://10.0.0.1:6443)"},
                   {"prometheus", "configured"},
                   {"slack", "not configured: notifications go to the log"}}},
                 {"remediations",
                  {{{"id", 7},
                    {"playbook", "scale-up"},
                    {"target", "Deployment shop/search"},
                    {"step", 1},
                    {"phase", "verifying"},
                    {"startedAt", "2026-11-22T10:24:03Z"},
                    {"episodes", {{{"fingerprint", "f"}}}}}}}};
  data.actions = {{{"id", 9},
                   {"at", "2026-11-22T10:22:03Z"},
                   {"kind", "outcome"},
                   {"result", "healed"},
                   {"alertname", "KubePodCrashLooping"},
                   {"playbook", "restart-crashlooping"},
                   {"target", "Deployment shop/web"},
                   {"message", "remediation healed"},
                   {"durationSeconds", 123.5}},
                  Decision(8, "KubePodCrashLooping", "in cooldown for 4m")};
  data.targets = {
      {{"namespace", "shop"}, {"kind", "Deployment"}, {"name", "cart"}, {"state", "escalated"}},
      {{"namespace", "shop"}, {"kind", "Deployment"}, {"name", "search"}, {"state", "healing"}}};
  data.chaos = {{"experiments",
                 {{{"name", "kill-web-pod"},
                   {"state", "scheduled"},
                   {"next", "2026-11-22T11:00:00Z"},
                   {"target", {{"kind", "Deployment"}, {"namespace", "shop"}, {"name", "web"}}},
                   {"lastRun",
                    {{"id", 42},
                     {"result", "passed"},
                     {"phase", "finished"},
                     {"startedAt", "2026-11-22T10:00:00Z"},
                     {"recoverySeconds", 4.2}}}}}}};
  data.coverage = {{"playbooks",
                    {{{"playbook", "restart-crashlooping"},
                      {"last_proven", "2026-11-22T10:00:05Z"},
                      {"last_recovery_seconds", 4.2},
                      {"experiments", {"kill-web-pod"}}},
                     {{"playbook", "scale-up"},
                      {"last_proven", nullptr},
                      {"last_recovery_seconds", nullptr},
                      {"experiments", json::array()}}}}};
  return data;
}

// The text of the section with this id.
std::string SectionOf(const std::string& page, const std::string& id) {
  size_t start = page.find("<section id=\"" + id + "\">");
  if (start == std::string::npos) return "";
  return page.substr(start, page.find("</section>", start) - start);
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(StatusPageTest, IsAPhoneFriendlyHtmlPageThatRefreshesItself) {
  std::string page = RenderStatusPage(Full());
  EXPECT_TRUE(page.starts_with("<!doctype html>"));
  EXPECT_THAT(page, HasSubstr(R"(<meta http-equiv="refresh" content="5">)"));
  EXPECT_THAT(page,
              HasSubstr(R"(<meta name="viewport" content="width=device-width, initial-scale=1">)"));
  EXPECT_THAT(page, HasSubstr("<style>"));
  EXPECT_THAT(page, Not(HasSubstr("<script")));
  EXPECT_THAT(page, Not(HasSubstr("http://")));
  for (const char* link : {"/metrics", "/api/v1/status", "/api/v1/actions", "/api/v1/episodes",
                           "/api/v1/chaos", "/api/v1/coverage"}) {
    EXPECT_THAT(page, HasSubstr(std::string("<a href=\"") + link + "\">")) << link;
  }
}

TEST(StatusPageTest, HeaderShowsVersionLeaderKillSwitchAndDependencies) {
  StatusPageData data = Full();
  std::string page = RenderStatusPage(data);
  EXPECT_THAT(page, HasSubstr("version 0.1.0"));
  EXPECT_THAT(page, HasSubstr("this replica leads"));
  EXPECT_THAT(page, HasSubstr("healing active"));
  EXPECT_THAT(page, HasSubstr(R"(Kubernetes: <span class="ok">ok</span>)"));
  EXPECT_THAT(page, HasSubstr(R"(Prometheus: <span class="ok">ok</span>)"));
  EXPECT_THAT(page, HasSubstr(R"(Alertmanager: <span class="bad">missing</span>)"));
  EXPECT_THAT(page, HasSubstr(R"(Slack: <span class="bad">missing</span>)"));

  data.status["paused"] = true;
  data.status["leader"] = {{"is_leader", false}, {"holder", "rebound-1"}};
  page = RenderStatusPage(data);
  EXPECT_THAT(page, HasSubstr("healing PAUSED"));
  EXPECT_THAT(page, HasSubstr("follower</span>, leader: rebound-1"));
}

TEST(StatusPageTest, SectionsShowTheirRows) {
  std::string page = RenderStatusPage(Full());
  std::string targets = SectionOf(page, "targets");
  EXPECT_THAT(targets, HasSubstr("Deployment shop/cart"));
  // Healing first, then escalated.
  EXPECT_LT(targets.find("shop/search"), targets.find("shop/cart"));

  std::string healed = SectionOf(page, "healed");
  EXPECT_THAT(healed, HasSubstr("Deployment shop/web"));
  EXPECT_THAT(healed, HasSubstr("restart-crashlooping"));
  EXPECT_THAT(healed, HasSubstr("2026-11-22 10:22:03 UTC"));
  EXPECT_THAT(healed, HasSubstr("(3m ago)"));
  EXPECT_THAT(healed, HasSubstr(">healed<"));
  EXPECT_THAT(healed, HasSubstr("2m 4s"));          // 123.5 s
  EXPECT_THAT(healed, Not(HasSubstr("cooldown")));  // decisions are not outcomes

  std::string remediations = SectionOf(page, "remediations");
  EXPECT_THAT(remediations, HasSubstr("Deployment shop/search"));
  EXPECT_THAT(remediations, HasSubstr("verifying"));
  EXPECT_THAT(remediations, HasSubstr("(1m ago)"));
  EXPECT_THAT(remediations, HasSubstr("2 matched episode(s) waiting"));

  std::string decisions = SectionOf(page, "decisions");
  EXPECT_THAT(decisions, HasSubstr("KubePodCrashLooping"));
  EXPECT_THAT(decisions, HasSubstr("<b>cooldown</b>: in cooldown for 4m"));
  EXPECT_THAT(decisions, Not(HasSubstr("remediation healed")));

  std::string chaos = SectionOf(page, "chaos");
  EXPECT_THAT(chaos, HasSubstr("kill-web-pod"));
  EXPECT_THAT(chaos, HasSubstr("scheduled"));
  EXPECT_THAT(chaos, HasSubstr("(in 34m)"));
  EXPECT_THAT(chaos, HasSubstr("recovered in 4.2 s"));
  EXPECT_THAT(chaos, HasSubstr(R"(<a href="/api/v1/chaos/runs/42">run #42</a>)"));

  std::string coverage = SectionOf(page, "coverage");
  EXPECT_THAT(coverage, HasSubstr("(24m ago)"));
  EXPECT_THAT(coverage, HasSubstr("never"));
}

TEST(StatusPageTest, EmptySectionsSaySo) {
  StatusPageData data = Full();
  data.status["remediations"] = json::array();
  data.status["queued"] = 0;
  data.actions = json::array();
  data.targets = json::array();
  data.chaos = {{"experiments", json::array()}};
  data.coverage = {{"playbooks", json::array()}};
  std::string page = RenderStatusPage(data);
  EXPECT_THAT(SectionOf(page, "targets"), HasSubstr("every target is healthy"));
  EXPECT_THAT(SectionOf(page, "healed"), HasSubstr("no remediation ended recently"));
  EXPECT_THAT(SectionOf(page, "remediations"), HasSubstr("no remediation in progress"));
  EXPECT_THAT(SectionOf(page, "decisions"), HasSubstr("no decision yet"));
  EXPECT_THAT(SectionOf(page, "chaos"), HasSubstr("no chaos experiment loaded"));
  EXPECT_THAT(SectionOf(page, "coverage"), HasSubstr("no playbook loaded"));
  EXPECT_EQ(Count(page, "<table>"), 0u);
}

TEST(StatusPageTest, AnUnavailablePartSaysWhy) {
  StatusPageData data = Full();
  data.chaos = {{"error", "chaos is not running"}};
  data.status = {{"error", "healing is not running"}};
  std::string page = RenderStatusPage(data);
  EXPECT_THAT(SectionOf(page, "chaos"), HasSubstr("unavailable: chaos is not running"));
  EXPECT_THAT(SectionOf(page, "remediations"), HasSubstr("unavailable: healing is not running"));
  EXPECT_THAT(page, HasSubstr("version 0.1.0"));
}

TEST(StatusPageTest, DataOfAnUnexpectedShapeRendersAsEmpty) {
  StatusPageData data;
  data.status = "not an object";
  data.actions = json::object();
  data.targets = 3;
  data.chaos = json::array({1, 2});
  data.coverage = {{"playbooks", {{{"playbook", 1}, {"experiments", "x"}}}}};
  std::string page = RenderStatusPage(data);
  EXPECT_THAT(SectionOf(page, "remediations"), HasSubstr("no remediation in progress"));
  EXPECT_THAT(SectionOf(page, "chaos"), HasSubstr("no chaos experiment loaded"));
  EXPECT_THAT(SectionOf(page, "coverage"), HasSubstr("<td>1</td>"));
  EXPECT_THAT(page, HasSubstr("follower"));
}

TEST(StatusPageTest, EscapesWhatAlertsAndKubernetesSay) {
  StatusPageData data = Full();
  data.version = kScript;
  data.actions = {Decision(1, kScript, "label \"x\" was '<b>bold</b>' & more")};
  data.actions[0]["fingerprint"] = "\" onmouseover=\"alert(1)";
  data.targets = {
      {{"namespace", "shop"}, {"kind", "Deployment"}, {"name", kScript}, {"state", "escalated"}}};
  data.status["dependencies"]["slack"] = "cannot read \"x\" <y>";
  data.chaos["experiments"][0]["name"] = kScript;
  data.chaos["experiments"][0]["lastRun"]["id"] = "1\"><script>";
  std::string page = RenderStatusPage(data);
  EXPECT_THAT(page, Not(HasSubstr("<script")));
  EXPECT_THAT(page, Not(HasSubstr("<b>bold")));
  EXPECT_GE(Count(page, kEscapedScript), 4u);  // version, alert, target, experiment
  EXPECT_THAT(page,
              HasSubstr("label &quot;x&quot; was &#39;&lt;b&gt;bold&lt;/b&gt;&#39; &amp; more"));
  // Attribute values cannot be left: every quote inside one is escaped.
  EXPECT_THAT(page, HasSubstr(R"x(title="fingerprint &quot; onmouseover=&quot;alert(1)")x"));
  EXPECT_THAT(page, HasSubstr(R"(title="cannot read &quot;x&quot; &lt;y&gt;")"));
  EXPECT_THAT(page, HasSubstr(R"(href="/api/v1/chaos/runs/1&quot;&gt;&lt;script&gt;")"));
  EXPECT_THAT(page, Not(HasSubstr("onmouseover=\"")));
}

TEST(StatusPageTest, RowsPerSectionAreBounded) {
  StatusPageData data = Full();
  data.actions = json::array();
  for (int i = 0; i < 50; ++i) data.actions.push_back(Decision(i, "A" + std::to_string(i), "m"));
  data.targets = json::array();
  for (int i = 0; i < 30; ++i) {
    data.targets.push_back({{"namespace", "shop"},
                            {"kind", "Deployment"},
                            {"name", "w" + std::to_string(i)},
                            {"state", "circuit_open"}});
  }
  std::string page = RenderStatusPage(data);
  std::string decisions = SectionOf(page, "decisions");
  EXPECT_EQ(Count(decisions, "<tr>"), kStatusPageRows + 1);  // + the heading row
  EXPECT_THAT(decisions, HasSubstr(">A0<"));                 // newest first, as given
  EXPECT_THAT(decisions, Not(HasSubstr(">A20<")));
  EXPECT_THAT(decisions, HasSubstr("30 more not shown"));
  std::string targets = SectionOf(page, "targets");
  EXPECT_EQ(Count(targets, "<tr>"), kStatusPageRows + 1);
  EXPECT_THAT(targets, HasSubstr("10 more not shown"));
}

TEST(StatusPageTest, ApiDataReadsPlainAndStreamedAnswers) {
  EXPECT_EQ(ApiData(common::HttpResponse::Json(200, {{"status", "success"}, {"data", {1, 2}}})),
            json({1, 2}));
  EXPECT_EQ(ApiData(common::HttpResponse::Json(200, {{"playbooks", json::array()}})),
            json({{"playbooks", json::array()}}));
  EXPECT_EQ(ApiData(common::HttpResponse::Error(503, "healing is not running")),
            json({{"error", "healing is not running"}}));
  EXPECT_EQ(ApiData(common::HttpResponse::Text(200, "not json")),
            json({{"error", "the answer is not JSON"}}));

  common::HttpResponse streamed;
  streamed.stream = [](common::StreamWriter& out) {
    out.Write(R"({"status":"success","data":[)");
    out.Write(R"({"id":1}])");
    out.Write("}");
  };
  EXPECT_EQ(ApiData(streamed), json::parse(R"([{"id":1}])"));
  json too_long = ApiData(streamed, 10);
  EXPECT_THAT(too_long.value("error", ""), HasSubstr("larger than 10 bytes"));
}

TEST(StatusPageTest, TargetStatesComeFromTheMetricFamily) {
  prometheus::MetricFamily states;
  states.name = "rebound_target_state";
  prometheus::ClientMetric metric;
  metric.label = {
      {"namespace", "shop"}, {"kind", "Deployment"}, {"name", "web"}, {"state", "healing"}};
  states.metric.push_back(metric);
  prometheus::MetricFamily other;
  other.name = "rebound_other";
  other.metric.push_back(metric);
  EXPECT_EQ(TargetStatesJson({states, other}),
            json::parse(R"([{"namespace":"shop","kind":"Deployment","name":"web",
                             "state":"healing"}])"));
}

TEST(StatusPageTest, ResponseIsHtmlThatIsNotCached) {
  common::HttpResponse response = StatusPageResponse("<p>x</p>");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(response.body, "<p>x</p>");
  EXPECT_THAT(response.headers, ::testing::Contains(std::pair<std::string, std::string>(
                                    "Cache-Control", "no-store")));
}

}  // namespace
}  // namespace rebound::app
