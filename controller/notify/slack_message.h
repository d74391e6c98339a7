// SlackMessage: a Notification as the JSON body of a Slack incoming-webhook POST (Block Kit).
//
// Layout, top to bottom: a header (status emoji, DRILL / DRY-RUN markers, the title); a context
// line (the status in words, what the markers mean, the episode); a section with the why; the
// fields, ten to a section, time to heal among them; one button per link. The top-level `text`
// is what Slack shows in notifications and where blocks cannot be shown; it starts with
// ThreadPrefix, so that one episode's messages read as one thread in the channel.
//
// Every text is cut to Slack's limit for its place (see slack_text.h) and mrkdwn is escaped,
// so no content can make Slack reject the message; links Slack would refuse (not http(s), or
// longer than its URL limit) are left out.
//
// Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "controller/notify/notifier.h"

namespace rebound::controller::notify {

// Slack's limits (https://api.slack.com/reference/block-kit), in characters or items.
inline constexpr size_t kSlackMaxBlocks = 50;
inline constexpr size_t kSlackHeaderMaxChars = 150;
inline constexpr size_t kSlackSectionTextMaxChars = 3000;
inline constexpr size_t kSlackFieldsPerSection = 10;
inline constexpr size_t kSlackFieldMaxChars = 2000;
inline constexpr size_t kSlackButtonsPerActions = 25;
inline constexpr size_t kSlackButtonTextMaxChars = 75;
inline constexpr size_t kSlackUrlMaxChars = 3000;
// Slack splits a longer top-level `text` into several messages (and truncates at 40000).
inline constexpr size_t kSlackFallbackTextMaxChars = 4000;

// "[Rebound] <thread_key>", or "[Rebound]" when the key is empty.
std::string ThreadPrefix(const Notification& notification);

// The webhook body for `notification`. `channel` (e.g. "#ops") is sent when not empty; webhooks
// that are bound to a channel ignore it.
nlohmann::json RenderSlackMessage(const Notification& notification, std::string_view channel);

}  // namespace rebound::controller::notify
