#include "app/status_page.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <ctime>
#include <string_view>
#include <utility>

#include "common/html_escape.h"
#include "common/time_format.h"

namespace rebound::app {
namespace {

using common::HtmlEscape;
using nlohmann::json;

constexpr std::string_view kStyle = R"css(
body{font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;
max-width:70rem;padding:.5rem .75rem;color:#1b1f24;background:#fff}
h1{font-size:1.4rem;margin:.3rem 0}h2{font-size:1.1rem;margin:1.2rem 0 .4rem;
border-bottom:1px solid #d0d7de}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.25rem .4rem;border-bottom:1px solid #eaeef2;vertical-align:top}
th{background:#f6f8fa;white-space:nowrap}td{overflow-wrap:break-word}time{white-space:nowrap}
.age,.note{color:#57606a;font-size:.85em}.empty{color:#57606a;font-style:italic}
.ok{color:#1a7f37}.bad{color:#cf222e;font-weight:600}.warn{color:#9a6700;font-weight:600}
ul.deps{list-style:none;padding:0;margin:.3rem 0;display:flex;flex-wrap:wrap;gap:.3rem 1rem}
footer{margin:1.5rem 0 .5rem;font-size:.85rem}footer a{margin-right:.8rem}
)css";

// The text of `value`: a string as it is, null or missing as "", anything else as JSON.
std::string Str(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

// object[key]; null when `object` is not an object or has no such member.
const json& Member(const json& object, std::string_view key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string Str(const json& object, std::string_view key) { return Str(Member(object, key)); }

// Escaped text; "—" for "".
std::string Text(std::string_view text) { return text.empty() ? "—" : HtmlEscape(text); }

std::string Duration(double seconds) {
  if (seconds < 60) return fmt::format("{:.1f} s", seconds);
  auto whole = static_cast<int64_t>(std::llround(seconds));
  if (whole < 3600) return fmt::format("{}m {}s", whole / 60, whole % 60);
  if (whole < 86400) return fmt::format("{}h {}m", whole / 3600, whole % 3600 / 60);
  return fmt::format("{}d {}h", whole / 86400, whole % 86400 / 3600);
}

// "3m ago", "in 20s": the coarsest whole unit.
std::string Age(std::chrono::system_clock::duration since) {
  const bool future = since < std::chrono::system_clock::duration::zero();
  int64_t s = std::chrono::duration_cast<std::chrono::seconds>(future ? -since : since).count();
  std::string amount = s < 60      ? fmt::format("{}s", s)
                       : s < 3600  ? fmt::format("{}m", s / 60)
                       : s < 86400 ? fmt::format("{}h", s / 3600)
                                   : fmt::format("{}d", s / 86400);
  return future ? "in " + amount : amount + " ago";
}

// An RFC 3339 time as "2026-11-22 10:22:03 UTC (3m ago)"; "—" for none; the text as it is
// when it is not a time.
std::string When(const json& value, std::chrono::system_clock::time_point now) {
  const std::string text = Str(value);
  if (text.empty()) return "—";
  common::Result<common::Timestamp> ts = common::ParseRfc3339(text);
  if (!ts.ok()) return HtmlEscape(text);
  std::time_t seconds = static_cast<std::time_t>(ts->seconds);
  std::tm tm{};
  char utc[32] = "";
  if (gmtime_r(&seconds, &tm) == nullptr ||
      std::strftime(utc, sizeof utc, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0) {
    return HtmlEscape(text);
  }
  return fmt::format(R"(<time datetime="{}">{}</time> <span class="age">({})</span>)",
                     HtmlEscape(text), utc, Age(now - ts->ToTimePoint()));
}

std::string Seconds(const json& value) {
  return value.is_number() ? Duration(value.get<double>()) : "—";
}

// A section: a table of at most kStatusPageRows rows, or what the empty state says.
class Table {
 public:
  explicit Table(std::initializer_list<std::string_view> headings) : headings_(headings) {}

  // Whether another row fits; counts the rows left out.
  bool Room() {
    if (rows_.size() < kStatusPageRows) return true;
    ++left_out_;
    return false;
  }
  // `cells` are HTML (escaped already).
  void Add(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  // A row rendered by `row` for each element of the array `list` that `keep` accepts.
  template <typename Row, typename Keep>
  void AddAll(const json& list, Row row, Keep keep) {
    if (!list.is_array()) return;
    for (const json& element : list) {
      if (keep(element) && Room()) Add(row(element));
    }
  }
  template <typename Row>
  void AddAll(const json& list, Row row) {
    AddAll(list, row, [](const json&) { return true; });
  }

  // `empty`: what an empty table says; `more`: where the rows left out are.
  std::string Html(std::string_view empty, std::string_view more) const {
    if (rows_.empty()) return fmt::format(R"(<p class="empty">{}</p>)", empty);
    std::string out = R"(<div class="scroll"><table><thead><tr>)";
    for (std::string_view h : headings_) out += fmt::format("<th>{}</th>", h);
    out += "</tr></thead><tbody>";
    for (const std::vector<std::string>& row : rows_) {
      out += "<tr>";
      for (const std::string& cell : row) out += "<td>" + cell + "</td>";
      out += "</tr>";
    }
    out += "</tbody></table></div>";
    if (left_out_ > 0) {
      out += fmt::format(R"(<p class="note">{} more not shown: see <a href="{}">{}</a></p>)",
                         left_out_, more, more);
    }
    return out;
  }

 private:
  std::vector<std::string_view> headings_;
  std::vector<std::vector<std::string>> rows_;
  size_t left_out_ = 0;
};

// The error a part holds, escaped, or "" when it holds data.
std::string Unavailable(const json& part) {
  if (part.is_object() && part.contains("error")) {
    return fmt::format(R"(<p class="bad">unavailable: {}</p>)", HtmlEscape(Str(part["error"])));
  }
  return "";
}

std::string Section(std::string_view id, std::string_view title, const std::string& body) {
  return fmt::format(R"(<section id="{}"><h2>{}</h2>{}</section>)", id, title, body);
}

std::string Header(const StatusPageData& data) {
  const json& status = data.status;
  std::string out = "<header><h1>Rebound</h1>";
  std::vector<std::string> facts = {"version " + Text(data.version)};
  if (std::string error = Unavailable(status); !error.empty()) {
    out += "<p>" + facts.front() + "</p>" + error + "</header>";
    return out;
  }
  const json& leader = Member(status, "leader");
  if (Member(leader, "is_leader") == true) {
    facts.push_back(R"(<span class="ok">this replica leads</span>)");
  } else {
    facts.push_back(R"(<span class="warn">follower</span>, leader: )" +
                    Text(Str(leader, "holder")));
  }
  facts.push_back(Member(status, "paused") == true
                      ? R"(<span class="bad">healing PAUSED (kill switch on)</span>)"
                      : R"(<span class="ok">healing active</span>)");
  if (Member(status, "dryRun") == true) facts.push_back(R"(<span class="warn">dry run</span>)");
  out += "<p>";
  for (size_t i = 0; i < facts.size(); ++i) out += (i ? " · " : "") + facts[i];
  out += "</p><ul class=\"deps\">";
  const json& deps = Member(status, "dependencies");
  const std::array<std::pair<std::string_view, std::string>, 4> rows = {{
      {"Kubernetes", Str(deps, "kubernetes")},
      {"Prometheus", Str(deps, "prometheus")},
      {"Alertmanager", data.alertmanager},
      {"Slack", Str(deps, "slack")},
  }};
  for (const auto& [name, state] : rows) {
    const bool ok = state.starts_with("configured");
    out += fmt::format(R"(<li title="{}">{}: <span class="{}">{}</span></li>)", HtmlEscape(state),
                       name, ok ? "ok" : "bad", ok ? "ok" : "missing");
  }
  return out + "</ul></header>";
}

std::string Targets(const StatusPageData& data) {
  if (std::string error = Unavailable(data.targets); !error.empty()) return error;
  static constexpr std::array<std::string_view, 3> kOrder = {"healing", "escalated",
                                                             "circuit_open"};
  Table table({"state", "target"});
  for (std::string_view state : kOrder) {
    for (const json& t : data.targets) {
      if (Str(t, "state") != state || !table.Room()) continue;
      table.Add(
          {fmt::format(R"(<span class="{}">{}</span>)", state == "healing" ? "warn" : "bad", state),
           HtmlEscape(Str(t, "kind") + " " + Str(t, "namespace") + "/" + Str(t, "name"))});
    }
  }
  return table.Html("every target is healthy (none healing, escalated or circuit_open)",
                    "/metrics");
}

// The heal records of `kind` ("outcome", "decision"), newest first, as `row` renders them.
template <typename Row>
std::string Records(const StatusPageData& data, std::string_view kind, Table table, Row row,
                    std::string_view empty) {
  if (std::string error = Unavailable(data.actions); !error.empty()) return error;
  table.AddAll(data.actions, row, [kind](const json& r) { return Str(r, "kind") == kind; });
  return table.Html(empty, "/api/v1/actions");
}

std::string Healed(const StatusPageData& data) {
  return Records(
      data, "outcome", Table({"target", "playbook", "when", "result", "took"}),
      [&](const json& r) -> std::vector<std::string> {
        const std::string result = Str(r, "result");
        return {Text(Str(r, "target")), Text(Str(r, "playbook")), When(Member(r, "at"), data.now),
                fmt::format(R"(<span class="{}">{}</span>)", result == "healed" ? "ok" : "bad",
                            Text(result)),
                Seconds(Member(r, "durationSeconds"))};
      },
      "no remediation ended recently");
}

std::string Decisions(const StatusPageData& data) {
  return Records(
      data, "decision",
      Table({"when", "alert", "target", "playbook", "action", "result", "reason / message"}),
      [&](const json& r) -> std::vector<std::string> {
        std::string reason = Str(r, "reason");
        std::string message = Str(r, "message");
        std::string why = reason.empty()    ? Text(message)
                          : message.empty() ? Text(reason)
                                            : fmt::format("<b>{}</b>: {}", HtmlEscape(reason),
                                                          HtmlEscape(message));
        return {When(Member(r, "at"), data.now),
                fmt::format(R"(<span title="fingerprint {}">{}</span>)",
                            HtmlEscape(Str(r, "fingerprint")), Text(Str(r, "alertname"))),
                Text(Str(r, "target")),
                Text(Str(r, "playbook")),
                Text(Str(r, "action")),
                Text(Str(r, "result")),
                why};
      },
      "no decision yet");
}

std::string Remediations(const StatusPageData& data) {
  if (std::string error = Unavailable(data.status); !error.empty()) return error;
  Table table({"target", "playbook", "step", "phase", "started", "episodes"});
  table.AddAll(Member(data.status, "remediations"), [&](const json& r) {
    const json& episodes = Member(r, "episodes");
    return std::vector<std::string>{Text(Str(r, "target")),
                                    Text(Str(r, "playbook")),
                                    Text(Str(r, "step")),
                                    Text(Str(r, "phase")),
                                    When(Member(r, "startedAt"), data.now),
                                    std::to_string(episodes.is_array() ? episodes.size() : 0)};
  });
  std::string out = table.Html("no remediation in progress", "/api/v1/status");
  if (const json& queued = Member(data.status, "queued"); queued.is_number() && queued > 0) {
    out += fmt::format(R"(<p class="note">{} matched episode(s) waiting for a slot</p>)",
                       queued.dump());
  }
  return out;
}

std::string ChaosTarget(const json& target) {
  if (!target.is_object()) return "—";
  std::string where = Str(target, "namespace");
  std::string name = Str(target, "name");
  if (name.empty()) name = Str(target, "selector");
  return HtmlEscape(Str(target, "kind") + " " + (where.empty() ? "" : where + "/") + name);
}

std::string LastRun(const json& run) {
  if (!run.is_object()) return "never run";
  std::string result = Str(run, "result");
  std::string out = result.empty()
                        ? Text(Str(run, "phase")) + " (running)"
                        : fmt::format(R"(<span class="{}">{}</span>)",
                                      result == "passed" ? "ok" : "bad", HtmlEscape(result));
  if (run.contains("recoverySeconds")) out += ", recovered in " + Seconds(run["recoverySeconds"]);
  std::string id = HtmlEscape(Str(run, "id"));
  return out + fmt::format(R"( <a href="/api/v1/chaos/runs/{}">run #{}</a>)", id, id);
}

std::string Chaos(const StatusPageData& data) {
  if (std::string error = Unavailable(data.chaos); !error.empty()) return error;
  Table table({"experiment", "target", "schedule", "next run", "last run", "last run started"});
  table.AddAll(Member(data.chaos, "experiments"), [&](const json& e) {
    const json& last = Member(e, "lastRun");
    return std::vector<std::string>{
        Text(Str(e, "name")),  ChaosTarget(Member(e, "target")),
        Text(Str(e, "state")), When(Member(e, "next"), data.now),
        LastRun(last),         last.is_object() ? When(Member(last, "startedAt"), data.now) : "—"};
  });
  return table.Html("no chaos experiment loaded", "/api/v1/chaos");
}

std::string Coverage(const StatusPageData& data) {
  if (std::string error = Unavailable(data.coverage); !error.empty()) return error;
  Table table({"playbook", "last proven", "last recovery", "experiments"});
  table.AddAll(Member(data.coverage, "playbooks"), [&](const json& p) {
    std::string experiments;
    for (const json& e : Member(p, "experiments")) {
      experiments += (experiments.empty() ? "" : ", ") + Str(e);
    }
    const json& proven = Member(p, "last_proven");
    return std::vector<std::string>{
        Text(Str(p, "playbook")),
        proven.is_null() ? R"(<span class="warn">never</span>)" : When(proven, data.now),
        Seconds(Member(p, "last_recovery_seconds")),
        experiments.empty() ? "none" : HtmlEscape(experiments)};
  });
  return table.Html("no playbook loaded", "/api/v1/coverage");
}

std::string Footer(const StatusPageData& data) {
  std::string out = "<footer><p>";
  for (std::string_view link : {"/metrics", "/api/v1/status", "/api/v1/actions", "/api/v1/episodes",
                                "/api/v1/chaos", "/api/v1/coverage"}) {
    out += fmt::format(R"(<a href="{}">{}</a>)", link, link);
  }
  out += "</p><p class=\"note\">rendered " +
         When(common::FormatRfc3339(common::Timestamp::FromTimePoint(data.now)), data.now) +
         "; refreshes every 5 s</p></footer>";
  return out;
}

// Collects a streamed body, refusing more than `max_bytes`.
class StringWriter final : public common::StreamWriter {
 public:
  explicit StringWriter(size_t max_bytes) : max_bytes_(max_bytes) {}
  bool Write(std::string_view chunk) override {
    if (text_.size() + chunk.size() > max_bytes_) {
      overflow_ = true;
      return false;
    }
    text_ += chunk;
    return true;
  }
  bool Stopping() const override { return false; }
  std::string& text() { return text_; }
  bool overflow() const { return overflow_; }

 private:
  size_t max_bytes_;
  std::string text_;
  bool overflow_ = false;
};

}  // namespace

json ApiData(const common::HttpResponse& response, size_t max_bytes) {
  std::string streamed;
  const std::string* body = &response.body;
  if (response.stream) {
    StringWriter writer(max_bytes);
    response.stream(writer);
    if (writer.overflow()) {
      return {{"error", fmt::format("the answer is larger than {} bytes", max_bytes)}};
    }
    streamed = std::move(writer.text());
    body = &streamed;
  }
  json parsed = json::parse(*body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return {{"error", "the answer is not JSON"}};
  if (response.status != 200) {
    std::string error = Str(parsed, "error");
    return {{"error", error.empty() ? "HTTP " + std::to_string(response.status) : error}};
  }
  if (parsed.is_object() && parsed.contains("data")) return parsed["data"];
  return parsed;
}

json TargetStatesJson(const std::vector<prometheus::MetricFamily>& families) {
  json out = json::array();
  for (const prometheus::MetricFamily& family : families) {
    if (family.name != "rebound_target_state") continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      json sample = json::object();
      for (const prometheus::ClientMetric::Label& label : metric.label) {
        sample[label.name] = label.value;
      }
      out.push_back(std::move(sample));
    }
  }
  return out;
}

std::string RenderStatusPage(const StatusPageData& data) {
  std::string out = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="5">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rebound status</title><style>)";
  out += kStyle;
  out += "</style></head><body>\n";
  out += Header(data);
  out += Section("targets", "Targets by health state", Targets(data));
  out += Section("healed", "Recently healed (remediation outcomes)", Healed(data));
  out += Section("remediations", "Remediations in progress", Remediations(data));
  out += Section("decisions", "Last decisions", Decisions(data));
  out += Section("chaos", "Chaos experiments", Chaos(data));
  out += Section("coverage", "Last proven, per playbook", Coverage(data));
  out += Footer(data);
  out += "\n</body></html>\n";
  return out;
}

common::HttpResponse StatusPageResponse(std::string html) {
  common::HttpResponse response =
      common::HttpResponse::Text(200, std::move(html), "text/html; charset=utf-8");
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

}  // namespace rebound::app
