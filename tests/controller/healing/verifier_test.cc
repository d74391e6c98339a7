#include "controller/healing/verifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controller/healing/episode_context.h"
#include "kube/resource.h"
#include "tests/controller/healing/healing_test_support.h"

namespace rebound::controller::healing {
namespace {

using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kErrorRate[] =
    R"(sum(rate(http_errors_total{namespace="{{ labels.namespace }}"}[1m])) < 0.1)";
constexpr char kRenderedErrorRate[] = R"(sum(rate(http_errors_total{namespace="shop"}[1m])) < 0.1)";

playbook::Verify Within(std::chrono::milliseconds within) {
  playbook::Verify spec;
  spec.within = within;
  return spec;
}

playbook::Verify WithQuery(std::chrono::milliseconds within, const std::string& query) {
  playbook::Verify spec = Within(within);
  common::Result<templates::Template> parsed = templates::Template::Parse(query);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  if (parsed.ok()) spec.query = *parsed;
  return spec;
}

class VerifierTest : public HealingTest {
 protected:
  VerifierTest() {
    web_.kind = "Deployment";
    web_.ns = "shop";
    web_.name = "web";
  }

  // Fires the alert the remediation is about; it is one of the episodes to verify.
  intake::Episode FireWeb(const std::string& fingerprint = "f1") {
    intake::Episode episode =
        Fire(fingerprint, {{"alertname", "KubePodCrashLooping"}, {"namespace", "shop"}});
    episodes_.push_back(episode.key);
    vars_ = EpisodeVars(episode, "crashloop");
    return episode;
  }

  void NotReady(int ready) {
    nlohmann::json d = ReadyDeployment("shop", "web", 3);
    d["status"]["readyReplicas"] = ready;
    store_.Put(kube::kDeployments, d);
  }

  VerifyOutcome Run(const playbook::Verify& spec) { return Run(spec, &prometheus_); }
  VerifyOutcome Run(const playbook::Verify& spec, promql::PrometheusApi* prometheus) {
    Verifier verifier(Verifier::Deps{*journal_, kube_, prometheus, clock_, sleeper_, seconds(5)});
    return verifier.Verify(
        spec, web_, [&] { return episodes_; }, vars_, stop_.get_token());
  }

  // The elapsed time at every sleep's end.
  void RecordPolls() {
    const auto start = clock_.MonotonicNow();
    sleeper_.SetHook([this, start](int) {
      polls_.push_back(
          std::chrono::duration_cast<std::chrono::milliseconds>(clock_.MonotonicNow() - start));
    });
  }

  actions::Target web_;
  std::vector<intake::EpisodeKey> episodes_;
  templates::TemplateContext vars_;
  std::stop_source stop_;
  std::vector<std::chrono::milliseconds> polls_;
};

TEST_F(VerifierTest, PassesAtOnceWhenEverythingHolds) {
  ReadyDeployment("shop", "web", 3);
  Resolve(FireWeb());

  VerifyOutcome out = Run(Within(seconds(60)));
  EXPECT_TRUE(out.passed);
  EXPECT_EQ(out.reason, VerifyReason::kNone);
  EXPECT_EQ(out.message, "verified after 0s: alert resolved, Deployment shop/web ready");
  EXPECT_EQ(out.took, seconds(0));
  EXPECT_EQ(sleeper_.sleeps(), 0);
}

TEST_F(VerifierTest, PollsAtTheIntervalUntilEverythingHolds) {
  ReadyDeployment("shop", "web", 3);
  intake::Episode episode = FireWeb();
  sleeper_.SetHook([&](int sleeps) {
    if (sleeps == 3) Resolve(episode);
  });

  VerifyOutcome out = Run(Within(seconds(60)));
  EXPECT_TRUE(out.passed) << out.message;
  EXPECT_EQ(sleeper_.sleeps(), 3);
  EXPECT_EQ(out.took, seconds(15));
  EXPECT_EQ(out.message, "verified after 15s: alert resolved, Deployment shop/web ready");
}

TEST_F(VerifierTest, FailsAtTheDeadlineWithoutOvershooting) {
  ReadyDeployment("shop", "web", 3);
  FireWeb();
  RecordPolls();

  VerifyOutcome out = Run(Within(seconds(12)));
  EXPECT_FALSE(out.passed);
  EXPECT_EQ(out.reason, VerifyReason::kNotResolved);
  EXPECT_EQ(out.message, "not verified within 12s: the alert is still firing");
  EXPECT_EQ(out.took, seconds(12));
  EXPECT_THAT(polls_, ElementsAre(seconds(5), seconds(10), seconds(12)));
}

TEST_F(VerifierTest, ReportsTheLastUnmetCondition) {
  NotReady(1);
  intake::Episode episode = FireWeb();
  sleeper_.SetHook([&](int sleeps) {
    if (sleeps == 1) Resolve(episode);
  });

  VerifyOutcome out = Run(Within(seconds(20)));
  EXPECT_FALSE(out.passed);
  EXPECT_EQ(out.reason, VerifyReason::kNotReady);
  EXPECT_EQ(out.message,
            "not verified within 20s: Deployment shop/web not ready: 1 of 3 replicas ready");
}

TEST_F(VerifierTest, ResolvedIsNoProofUntilTheWorkloadIsReady) {
  NotReady(2);
  Resolve(FireWeb());
  sleeper_.SetHook([&](int sleeps) {
    if (sleeps == 2) ReadyDeployment("shop", "web", 3);
  });

  VerifyOutcome out = Run(Within(seconds(60)));
  EXPECT_TRUE(out.passed) << out.message;
  EXPECT_EQ(out.took, seconds(10));
}

TEST_F(VerifierTest, MissingWorkloadIsNotReady) {
  Resolve(FireWeb());

  VerifyOutcome out = Run(Within(seconds(5)));
  EXPECT_FALSE(out.passed);
  EXPECT_EQ(out.reason, VerifyReason::kNotReady);
  EXPECT_THAT(out.message, HasSubstr("cannot read Deployment shop/web"));
}

TEST_F(VerifierTest, EveryEpisodeOfTheRemediationMustResolve) {
  ReadyDeployment("shop", "web", 3);
  intake::Episode first = FireWeb("f1");
  intake::Episode folded;
  sleeper_.SetHook([&](int sleeps) {
    if (sleeps == 1) {
      Resolve(first);
      folded = FireWeb("f2");  // joins the remediation while it verifies
    }
    if (sleeps == 3) Resolve(folded);
  });

  VerifyOutcome out = Run(Within(seconds(60)));
  EXPECT_TRUE(out.passed) << out.message;
  EXPECT_EQ(sleeper_.sleeps(), 3);
}

TEST_F(VerifierTest, UnreadableEpisodeIsNotResolved) {
  ReadyDeployment("shop", "web", 3);
  intake::EpisodeKey unknown;
  unknown.fingerprint = "gone";
  unknown.starts_at = "2026-01-01T00:00:00Z";
  episodes_.push_back(unknown);

  VerifyOutcome out = Run(Within(seconds(5)));
  EXPECT_EQ(out.reason, VerifyReason::kNotResolved);
  EXPECT_THAT(out.message, HasSubstr("cannot read the alert episode"));
}

TEST_F(VerifierTest, ResolvedFalseIgnoresTheAlert) {
  ReadyDeployment("shop", "web", 3);
  FireWeb();  // still firing
  playbook::Verify spec = Within(seconds(60));
  spec.resolved = false;

  VerifyOutcome out = Run(spec);
  EXPECT_TRUE(out.passed) << out.message;
  EXPECT_EQ(out.message, "verified after 0s: Deployment shop/web ready");
}

TEST_F(VerifierTest, QueryIsRenderedAndMustHold) {
  ReadyDeployment("shop", "web", 3);
  Resolve(FireWeb());
  prometheus_.SetVector(kRenderedErrorRate, 0.02);

  VerifyOutcome out = Run(WithQuery(seconds(60), kErrorRate));
  EXPECT_TRUE(out.passed) << out.message;
  EXPECT_EQ(out.message, std::string("verified after 0s: alert resolved, Deployment shop/web "
                                     "ready, ") +
                             kRenderedErrorRate + " holds");
  EXPECT_THAT(prometheus_.queries(), ElementsAre(kRenderedErrorRate));
}

TEST_F(VerifierTest, QueryThatDoesNotHoldFails) {
  ReadyDeployment("shop", "web", 3);
  Resolve(FireWeb());
  prometheus_.SetVector(kRenderedErrorRate, std::nullopt);  // empty vector: false

  VerifyOutcome out = Run(WithQuery(seconds(10), kErrorRate));
  EXPECT_FALSE(out.passed);
  EXPECT_EQ(out.reason, VerifyReason::kQuery);
  EXPECT_EQ(out.message,
            std::string("not verified within 10s: condition does not hold: ") + kRenderedErrorRate);
  EXPECT_EQ(prometheus_.queries().size(), 3u);  // at 0s, 5s and 10s
}

TEST_F(VerifierTest, UnreachablePrometheusCountsAsNotHolding) {
  ReadyDeployment("shop", "web", 3);
  Resolve(FireWeb());  // FakePrometheus fails every query it has no answer for

  VerifyOutcome out = Run(WithQuery(seconds(10), kErrorRate));
  EXPECT_FALSE(out.passed);
  EXPECT_EQ(out.reason, VerifyReason::kQuery);
  EXPECT_THAT(out.message, HasSubstr(std::string("cannot evaluate ") + kRenderedErrorRate));
  EXPECT_THAT(out.message, HasSubstr("FakePrometheus: no answer"));
}

TEST_F(VerifierTest, PrometheusComingBackIsPolledAgain) {
  ReadyDeployment("shop", "web", 3);
  Resolve(FireWeb());
  sleeper_.SetHook([&](int sleeps) {
    if (sleeps == 2)
      prometheus_.SetVector(kRenderedErrorRate, 0);  // the filter kept a sample: true
  });

  VerifyOutcome out = Run(WithQuery(seconds(60), kErrorRate));
  EXPECT_TRUE(out.passed) << out.message;
  EXPECT_EQ(out.took, seconds(10));
}

TEST_F(VerifierTest, QueryWithoutPrometheusFailsClearly) {
  ReadyDeployment("shop", "web", 3);
  Resolve(FireWeb());

  VerifyOutcome out = Run(WithQuery(seconds(5), kErrorRate), nullptr);
  EXPECT_FALSE(out.passed);
  EXPECT_EQ(out.reason, VerifyReason::kQuery);
  EXPECT_EQ(out.message,
            std::string("not verified within 5s: no Prometheus is configured (prometheus.url) to "
                        "evaluate ") +
                kRenderedErrorRate);
  // Without a query no Prometheus is needed.
  EXPECT_TRUE(Run(Within(seconds(5)), nullptr).passed);
}

TEST_F(VerifierTest, StopInterruptsTheWait) {
  ReadyDeployment("shop", "web", 3);
  FireWeb();
  sleeper_.SetHook([&](int sleeps) {
    if (sleeps == 1) stop_.request_stop();
  });

  VerifyOutcome out = Run(Within(seconds(60)));
  EXPECT_FALSE(out.passed);
  EXPECT_EQ(out.reason, VerifyReason::kStopped);
  EXPECT_EQ(sleeper_.sleeps(), 1);
}

TEST_F(VerifierTest, StopDoesNotHideAPass) {
  ReadyDeployment("shop", "web", 3);
  Resolve(FireWeb());
  stop_.request_stop();

  EXPECT_TRUE(Run(Within(seconds(60))).passed);
}

TEST_F(VerifierTest, TemplateThatCannotRenderFailsAtOnce) {
  ReadyDeployment("shop", "web", 3);
  Resolve(FireWeb());

  VerifyOutcome out = Run(WithQuery(seconds(60), "up{pod=\"{{ labels.pod }}\"} == 1"));
  EXPECT_FALSE(out.passed);
  EXPECT_EQ(out.reason, VerifyReason::kTemplate);
  EXPECT_THAT(out.message, HasSubstr("cannot render verify.query"));
  EXPECT_THAT(out.message, HasSubstr("pod"));
  EXPECT_EQ(sleeper_.sleeps(), 0);
  EXPECT_TRUE(kube_.calls().empty());
  EXPECT_TRUE(prometheus_.queries().empty());
}

}  // namespace
}  // namespace rebound::controller::healing
