// Text for Slack messages: escaping for mrkdwn and cutting to Slack's length limits.
//
// Slack rejects a whole message (400 invalid_blocks) when one text is over its limit, so every
// text is cut before it is sent. Lengths are counted in UTF-16 code units, which is never fewer
// than the characters Slack counts, so a cut text always fits. Cuts fall between code points
// (never inside a UTF-8 sequence) and, in mrkdwn, never inside an escape entity; a cut text
// ends with "…". Bytes that are not valid UTF-8 count as one character each.
//
// Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace rebound::controller::notify {

// The length of `text` as measured against Slack's limits.
size_t SlackLength(std::string_view text);

// `text` itself when it has at most `max_chars` characters; otherwise its longest prefix that
// fits together with a trailing "…" (empty when max_chars is 0).
std::string TruncatePlainText(std::string_view text, size_t max_chars);

// `text` with &, < and > written as &amp;, &lt; and &gt;, so that Slack shows them instead of
// reading links, mentions or entities out of text it did not come up with.
std::string EscapeMrkdwn(std::string_view text);

// Like TruncatePlainText, for mrkdwn that is already escaped: the entities count at their
// escaped length, and a cut that would split one drops it whole.
std::string TruncateMrkdwn(std::string_view escaped, size_t max_chars);

}  // namespace rebound::controller::notify
