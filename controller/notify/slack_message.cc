#include "controller/notify/slack_message.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/duration.h"
#include "controller/notify/slack_text.h"

namespace rebound::controller::notify {
namespace {

using nlohmann::json;
using Kind = Notification::Kind;

struct Label {
  std::string_view emoji;  // a Slack shortcode
  std::string_view words;
};

Label LabelOf(const Notification& n) {
  switch (n.kind) {
    case Kind::kAction:
      if (!n.success) return {":x:", "Action failed"};
      return {":hammer_and_wrench:", n.dry_run ? "Would act" : "Action taken"};
    case Kind::kRefusal:
      return {":no_entry:", "Refused"};
    case Kind::kOutcome:
      return n.success ? Label{":white_check_mark:", "Healed"} : Label{":x:", "Not healed"};
    case Kind::kEscalation:
      return {":rotating_light:", "Escalated: a person must look"};
    case Kind::kInfo:
      break;
  }
  return n.success ? Label{":information_source:", "Info"} : Label{":warning:", "Warning"};
}

// "[DRILL] [DRY-RUN] ", or empty: repeated wherever a reader might see only one line.
std::string Markers(const Notification& n) {
  std::string markers;
  if (n.drill) markers += "[DRILL] ";
  if (n.dry_run) markers += "[DRY-RUN] ";
  return markers;
}

json PlainText(std::string_view text, size_t max_chars) {
  return {{"type", "plain_text"}, {"text", TruncatePlainText(text, max_chars)}, {"emoji", true}};
}

json Mrkdwn(std::string_view escaped, size_t max_chars) {
  return {{"type", "mrkdwn"}, {"text", TruncateMrkdwn(escaped, max_chars)}};
}

std::string FallbackText(const Notification& n, const Label& label) {
  std::string text = EscapeMrkdwn(ThreadPrefix(n)) + ": " + Markers(n) + std::string(label.emoji) +
                     " " + std::string(label.words);
  if (!n.title.empty()) text += " — " + EscapeMrkdwn(n.title);
  return TruncateMrkdwn(text, kSlackFallbackTextMaxChars);
}

json Header(const Notification& n, const Label& label) {
  std::string title = n.title.empty() ? std::string(label.words) : n.title;
  return {{"type", "header"},
          {"text",
           PlainText(std::string(label.emoji) + " " + Markers(n) + title, kSlackHeaderMaxChars)}};
}

json Context(const Notification& n, const Label& label) {
  std::vector<std::string> lines;
  lines.push_back(std::string(label.emoji) + " *" + std::string(label.words) + "*");
  if (n.drill) lines.push_back(":test_tube: *DRILL*: caused by a chaos experiment");
  if (n.dry_run) lines.push_back(":eyes: *DRY-RUN*: nothing was changed");
  if (!n.thread_key.empty()) lines.push_back("Episode: " + EscapeMrkdwn(n.thread_key));
  json elements = json::array();
  for (const std::string& line : lines) {
    elements.push_back(Mrkdwn(line, kSlackSectionTextMaxChars));
  }
  return {{"type", "context"}, {"elements", std::move(elements)}};
}

json Section(const std::string& text) {
  return {{"type", "section"}, {"text", Mrkdwn(EscapeMrkdwn(text), kSlackSectionTextMaxChars)}};
}

// Sections of at most ten fields each, no more than `max_sections` of them.
std::vector<json> FieldSections(const Notification& n, size_t max_sections) {
  std::vector<std::pair<std::string, std::string>> fields = n.fields;
  if (n.time_to_heal) fields.emplace_back("Time to heal", common::FormatDuration(*n.time_to_heal));
  std::vector<json> sections;
  for (size_t first = 0; first < fields.size() && sections.size() < max_sections;
       first += kSlackFieldsPerSection) {
    json items = json::array();
    size_t end = std::min(fields.size(), first + kSlackFieldsPerSection);
    for (size_t i = first; i < end; ++i) {
      const auto& [name, value] = fields[i];
      items.push_back(
          Mrkdwn("*" + EscapeMrkdwn(name) + "*\n" + EscapeMrkdwn(value), kSlackFieldMaxChars));
    }
    sections.push_back({{"type", "section"}, {"fields", std::move(items)}});
  }
  return sections;
}

bool SlackAcceptsUrl(std::string_view url) {
  bool web = url.starts_with("https://") || url.starts_with("http://");
  return web && SlackLength(url) <= kSlackUrlMaxChars;
}

// One button per usable link; nullopt when there is none.
std::optional<json> Buttons(const Notification& n) {
  json buttons = json::array();
  for (const Notification::Link& link : n.links) {
    if (buttons.size() == kSlackButtonsPerActions) break;
    if (!SlackAcceptsUrl(link.url)) continue;
    buttons.push_back(
        {{"type", "button"},
         {"text", PlainText(link.text.empty() ? "Open link" : link.text, kSlackButtonTextMaxChars)},
         {"url", link.url},
         // Unique within the block, as Slack requires.
         {"action_id", "link-" + std::to_string(buttons.size())}});
  }
  if (buttons.empty()) return std::nullopt;
  return json{{"type", "actions"}, {"elements", std::move(buttons)}};
}

}  // namespace

std::string ThreadPrefix(const Notification& notification) {
  if (notification.thread_key.empty()) return "[Rebound]";
  return "[Rebound] " + notification.thread_key;
}

json RenderSlackMessage(const Notification& notification, std::string_view channel) {
  const Label label = LabelOf(notification);
  json blocks = json::array();
  blocks.push_back(Header(notification, label));
  blocks.push_back(Context(notification, label));
  if (!notification.text.empty()) blocks.push_back(Section(notification.text));
  std::optional<json> buttons = Buttons(notification);
  size_t room_for_fields = kSlackMaxBlocks - blocks.size() - (buttons ? 1 : 0);
  for (json& section : FieldSections(notification, room_for_fields)) {
    blocks.push_back(std::move(section));
  }
  if (buttons) blocks.push_back(std::move(*buttons));

  json message = {{"text", FallbackText(notification, label)}, {"blocks", std::move(blocks)}};
  if (!channel.empty()) message["channel"] = std::string(channel);
  return message;
}

}  // namespace rebound::controller::notify
