// HTML escaping for server-rendered pages (the status page at GET /): text that comes from
// alerts, Kubernetes or configuration is printed only through HtmlEscape, so that a label value
// such as <script>alert(1)</script> shows as text. Pure function, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace rebound::common {

// `text` with & < > " ' replaced by &amp; &lt; &gt; &quot; &#39;: safe as element content and
// as a quoted attribute value (single or double quotes). Other bytes, UTF-8 included, are
// copied as they are.
std::string HtmlEscape(std::string_view text);

}  // namespace rebound::common
