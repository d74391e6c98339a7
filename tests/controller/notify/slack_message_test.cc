#include "controller/notify/slack_message.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "controller/notify/slack_text.h"

namespace rebound::controller::notify {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using Kind = Notification::Kind;

Notification Healed() {
  Notification n;
  n.kind = Kind::kOutcome;
  n.thread_key = "KubePodCrashLooping shop/web";
  n.title = "Deployment shop/web is healthy again";
  n.text = "KubePodCrashLooping fired; playbook restart-crashlooping restarted it";
  n.fields = {{"Target", "shop/web"}, {"Playbook", "restart-crashlooping"}};
  n.links = {{"Prometheus", "http://prometheus:9090/graph?g0.expr=up"},
             {"Silence", "http://alertmanager:9093/#/silences/new"}};
  n.time_to_heal = std::chrono::seconds(90);
  return n;
}

std::vector<json> BlocksOfType(const json& message, const std::string& type) {
  std::vector<json> found;
  for (const json& block : message.at("blocks")) {
    if (block.at("type") == type) found.push_back(block);
  }
  return found;
}

std::string ContextText(const json& message) {
  std::string text;
  const std::vector<json> contexts = BlocksOfType(message, "context");
  for (const json& element : contexts.at(0).at("elements")) {
    text += element.at("text").get<std::string>() + "\n";
  }
  return text;
}

std::string HeaderText(const json& message) {
  return BlocksOfType(message, "header").at(0).at("text").at("text");
}

// Every structural rule and length limit of Block Kit this renderer can run into.
void ExpectSlackAccepts(const json& message) {
  ASSERT_TRUE(message.at("text").is_string());
  EXPECT_LE(SlackLength(message.at("text").get<std::string>()), kSlackFallbackTextMaxChars);
  const json& blocks = message.at("blocks");
  ASSERT_TRUE(blocks.is_array());
  EXPECT_GE(blocks.size(), 1u);
  EXPECT_LE(blocks.size(), kSlackMaxBlocks);
  auto length = [](const json& text_object) {
    return SlackLength(text_object.at("text").get<std::string>());
  };
  for (const json& block : blocks) {
    const std::string type = block.at("type");
    if (type == "header") {
      EXPECT_EQ(block.at("text").at("type"), "plain_text");
      EXPECT_LE(length(block.at("text")), kSlackHeaderMaxChars);
    } else if (type == "section") {
      ASSERT_TRUE(block.contains("text") || block.contains("fields")) << block;
      if (block.contains("text")) {
        EXPECT_LE(length(block.at("text")), kSlackSectionTextMaxChars);
      }
      if (block.contains("fields")) {
        EXPECT_GE(block.at("fields").size(), 1u);
        EXPECT_LE(block.at("fields").size(), kSlackFieldsPerSection);
        for (const json& field : block.at("fields")) {
          EXPECT_EQ(field.at("type"), "mrkdwn");
          EXPECT_LE(length(field), kSlackFieldMaxChars);
        }
      }
    } else if (type == "context") {
      EXPECT_GE(block.at("elements").size(), 1u);
      EXPECT_LE(block.at("elements").size(), 10u);
    } else if (type == "actions") {
      EXPECT_GE(block.at("elements").size(), 1u);
      EXPECT_LE(block.at("elements").size(), kSlackButtonsPerActions);
      std::set<std::string> action_ids;
      for (const json& button : block.at("elements")) {
        EXPECT_EQ(button.at("type"), "button");
        EXPECT_EQ(button.at("text").at("type"), "plain_text");
        EXPECT_LE(length(button.at("text")), kSlackButtonTextMaxChars);
        EXPECT_LE(SlackLength(button.at("url").get<std::string>()), kSlackUrlMaxChars);
        EXPECT_TRUE(action_ids.insert(button.at("action_id")).second) << "duplicate action_id";
      }
    } else {
      ADD_FAILURE() << "unexpected block type " << type;
    }
  }
}

struct KindCase {
  Kind kind;
  bool success;
  bool dry_run;
  std::string emoji;
  std::string words;
};

void PrintTo(const KindCase& c, std::ostream* out) { *out << c.emoji << " " << c.words; }

class SlackMessageKindTest : public ::testing::TestWithParam<KindCase> {};

TEST_P(SlackMessageKindTest, ShowsStatusWithEmojiAndWords) {
  Notification n = Healed();
  n.kind = GetParam().kind;
  n.success = GetParam().success;
  n.dry_run = GetParam().dry_run;
  json message = RenderSlackMessage(n, "");
  ExpectSlackAccepts(message);
  // It survives a round trip through text, as Slack will parse it.
  EXPECT_EQ(json::parse(message.dump()), message);

  EXPECT_THAT(message.at("text").get<std::string>(),
              StartsWith("[Rebound] KubePodCrashLooping shop/web"));
  EXPECT_THAT(message.at("text").get<std::string>(), HasSubstr(GetParam().words));
  EXPECT_THAT(HeaderText(message), StartsWith(GetParam().emoji + " "));
  EXPECT_THAT(HeaderText(message), HasSubstr(n.title));
  EXPECT_THAT(ContextText(message), HasSubstr(GetParam().emoji + " *" + GetParam().words + "*"));
  EXPECT_EQ(message.at("blocks").at(0).at("type"), "header");
}

INSTANTIATE_TEST_SUITE_P(
    AllKinds, SlackMessageKindTest,
    ::testing::Values(KindCase{Kind::kAction, true, false, ":hammer_and_wrench:", "Action taken"},
                      KindCase{Kind::kAction, true, true, ":hammer_and_wrench:", "Would act"},
                      KindCase{Kind::kAction, false, false, ":x:", "Action failed"},
                      KindCase{Kind::kRefusal, false, false, ":no_entry:", "Refused"},
                      KindCase{Kind::kOutcome, true, false, ":white_check_mark:", "Healed"},
                      KindCase{Kind::kOutcome, false, false, ":x:", "Not healed"},
                      KindCase{Kind::kEscalation, false, false,
                               ":rotating_light:", "Escalated: a person must look"},
                      KindCase{Kind::kInfo, true, false, ":information_source:", "Info"},
                      KindCase{Kind::kInfo, false, false, ":warning:", "Warning"}));

TEST(SlackMessageTest, ThreadPrefixIsTheSameForOneEpisode) {
  Notification action = Healed();
  action.kind = Kind::kAction;
  action.title = "Restarted Deployment shop/web";
  Notification outcome = Healed();
  EXPECT_EQ(ThreadPrefix(action), "[Rebound] KubePodCrashLooping shop/web");
  EXPECT_EQ(ThreadPrefix(action), ThreadPrefix(outcome));
  Notification no_key;
  EXPECT_EQ(ThreadPrefix(no_key), "[Rebound]");
  EXPECT_THAT(RenderSlackMessage(no_key, "").at("text").get<std::string>(),
              StartsWith("[Rebound]: "));
}

TEST(SlackMessageTest, MarksDrillsAndDryRuns) {
  Notification n = Healed();
  n.drill = true;
  n.dry_run = true;
  json message = RenderSlackMessage(n, "");
  EXPECT_THAT(HeaderText(message), HasSubstr("[DRILL] [DRY-RUN] "));
  EXPECT_THAT(message.at("text").get<std::string>(), HasSubstr("[DRILL] [DRY-RUN] "));
  EXPECT_THAT(ContextText(message), HasSubstr("*DRILL*: caused by a chaos experiment"));
  EXPECT_THAT(ContextText(message), HasSubstr("*DRY-RUN*: nothing was changed"));

  json real = RenderSlackMessage(Healed(), "");
  EXPECT_THAT(real.dump(), Not(HasSubstr("DRILL")));
  EXPECT_THAT(real.dump(), Not(HasSubstr("DRY-RUN")));
}

TEST(SlackMessageTest, ShowsWhyFieldsTimeToHealAndLinks) {
  json message = RenderSlackMessage(Healed(), "");
  ExpectSlackAccepts(message);
  std::vector<json> sections = BlocksOfType(message, "section");
  ASSERT_EQ(sections.size(), 2u);
  EXPECT_EQ(sections[0].at("text").at("type"), "mrkdwn");
  EXPECT_EQ(sections[0].at("text").at("text"), Healed().text);
  json fields = sections[1].at("fields");
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[0].at("text"), "*Target*\nshop/web");
  EXPECT_EQ(fields[1].at("text"), "*Playbook*\nrestart-crashlooping");
  EXPECT_EQ(fields[2].at("text"), "*Time to heal*\n1m30s");
  EXPECT_THAT(ContextText(message), HasSubstr("Episode: KubePodCrashLooping shop/web"));

  std::vector<json> actions = BlocksOfType(message, "actions");
  ASSERT_EQ(actions.size(), 1u);
  json buttons = actions[0].at("elements");
  ASSERT_EQ(buttons.size(), 2u);
  EXPECT_EQ(buttons[0].at("text").at("text"), "Prometheus");
  EXPECT_EQ(buttons[0].at("url"), "http://prometheus:9090/graph?g0.expr=up");
  EXPECT_EQ(buttons[1].at("text").at("text"), "Silence");
  EXPECT_EQ(buttons[1].at("url"), "http://alertmanager:9093/#/silences/new");
}

TEST(SlackMessageTest, LeavesOutWhatIsEmpty) {
  Notification n;
  n.title = "Something happened";
  json message = RenderSlackMessage(n, "");
  ExpectSlackAccepts(message);
  EXPECT_TRUE(BlocksOfType(message, "section").empty());
  EXPECT_TRUE(BlocksOfType(message, "actions").empty());
  EXPECT_FALSE(message.contains("channel"));
  EXPECT_THAT(ContextText(message), Not(HasSubstr("Episode")));
}

TEST(SlackMessageTest, SendsTheChannelWhenConfigured) {
  EXPECT_EQ(RenderSlackMessage(Healed(), "#ops").at("channel"), "#ops");
}

TEST(SlackMessageTest, EscapesMrkdwnButNotPlainText) {
  Notification n = Healed();
  n.thread_key = "A&B shop/<web>";
  n.title = "<!channel> title & more";
  n.text = "see <http://evil.example|here> & <@U123>";
  n.fields = {{"a<b", "x>y & z"}};
  json message = RenderSlackMessage(n, "");
  EXPECT_THAT(message.at("text").get<std::string>(),
              StartsWith("[Rebound] A&amp;B shop/&lt;web&gt;: "));
  EXPECT_THAT(message.at("text").get<std::string>(),
              HasSubstr("&lt;!channel&gt; title &amp; more"));
  EXPECT_EQ(BlocksOfType(message, "section")[0].at("text").at("text"),
            "see &lt;http://evil.example|here&gt; &amp; &lt;@U123&gt;");
  EXPECT_EQ(BlocksOfType(message, "section")[1].at("fields")[0].at("text"),
            "*a&lt;b*\nx&gt;y &amp; z");
  EXPECT_THAT(ContextText(message), HasSubstr("Episode: A&amp;B shop/&lt;web&gt;"));
  // plain_text is shown as it is: Slack does not read markup in it.
  EXPECT_THAT(HeaderText(message), HasSubstr("<!channel> title & more"));
}

TEST(SlackMessageTest, CutsLongTextsToSlackLimits) {
  Notification n = Healed();
  n.title = std::string(500, 'T');
  n.text = std::string(2000, 'a') + std::string(2000, '&');  // 2000 + 2000 * 5 escaped
  n.fields = {{"Big", std::string(5000, 'v')}};
  n.links = {{std::string(200, 'L'), "https://example.com/x"}};
  json message = RenderSlackMessage(n, "");
  ExpectSlackAccepts(message);
  EXPECT_THAT(HeaderText(message), ::testing::EndsWith("…"));
  std::string why = BlocksOfType(message, "section")[0].at("text").at("text");
  // The last whole entity that fits, then the ellipsis: a split "&amp" is left out.
  EXPECT_LE(SlackLength(why), kSlackSectionTextMaxChars);
  EXPECT_GT(SlackLength(why), kSlackSectionTextMaxChars - 5);
  EXPECT_THAT(why, ::testing::EndsWith("&amp;…"));
  std::string field = BlocksOfType(message, "section")[1].at("fields")[0].at("text");
  EXPECT_EQ(SlackLength(field), kSlackFieldMaxChars);
  std::string button = BlocksOfType(message, "actions")[0].at("elements")[0].at("text").at("text");
  EXPECT_EQ(SlackLength(button), kSlackButtonTextMaxChars);
}

TEST(SlackMessageTest, SplitsFieldsTenToASectionWithinTheBlockLimit) {
  Notification n = Healed();
  n.fields.clear();
  for (int i = 0; i < 24; ++i) n.fields.emplace_back("F" + std::to_string(i), "v");
  json message = RenderSlackMessage(n, "");
  ExpectSlackAccepts(message);
  std::vector<json> sections = BlocksOfType(message, "section");
  ASSERT_EQ(sections.size(), 4u);  // the why, then 10 + 10 + 5 fields (time to heal last)
  EXPECT_EQ(sections[3].at("fields").size(), 5u);
  EXPECT_EQ(sections[3].at("fields")[4].at("text"), "*Time to heal*\n1m30s");

  for (int i = 0; i < 1000; ++i) n.fields.emplace_back("More", "v");
  message = RenderSlackMessage(n, "");
  ExpectSlackAccepts(message);
  EXPECT_EQ(message.at("blocks").size(), kSlackMaxBlocks);
  EXPECT_EQ(message.at("blocks").back().at("type"), "actions");  // the links are kept
}

TEST(SlackMessageTest, KeepsOnlyLinksSlackAccepts) {
  Notification n = Healed();
  n.links = {{"script", "javascript:alert(1)"},
             {"", "https://grafana.example/d/abc"},
             {"too long", "https://example.com/" + std::string(kSlackUrlMaxChars, 'x')},
             {"relative", "/silences"}};
  for (int i = 0; i < 40; ++i) n.links.push_back({"L" + std::to_string(i), "https://e.x/"});
  json message = RenderSlackMessage(n, "");
  ExpectSlackAccepts(message);
  json buttons = BlocksOfType(message, "actions").at(0).at("elements");
  ASSERT_EQ(buttons.size(), kSlackButtonsPerActions);
  EXPECT_EQ(buttons[0].at("text").at("text"), "Open link");
  EXPECT_EQ(buttons[0].at("url"), "https://grafana.example/d/abc");
  EXPECT_EQ(buttons[1].at("text").at("text"), "L0");

  n.links = {{"script", "javascript:alert(1)"}};
  EXPECT_TRUE(BlocksOfType(RenderSlackMessage(n, ""), "actions").empty());
}

}  // namespace
}  // namespace rebound::controller::notify
