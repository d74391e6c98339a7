#include "controller/actions/webhook_action.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

#include "common/duration.h"
#include "controller/actions/action_support.h"
#include "common/backoff.h"

namespace rebound::controller::actions {
namespace {

using Header = std::pair<std::string, std::string>;

constexpr std::chrono::milliseconds kDefaultTimeout{10000};

common::RetryPolicy WebhookRetryPolicy() {
  common::RetryPolicy policy;
  policy.max_attempts = 3;
  policy.initial_backoff = std::chrono::seconds(1);
  policy.max_backoff = std::chrono::seconds(8);
  return policy;
}

bool HasHttpScheme(std::string_view url) {
  return url.starts_with("http://") || url.starts_with("https://");
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

// The default body: what a receiver needs to tell which episode this is about.
std::string EpisodeJson(const ActionContext& ctx) {
  nlohmann::json alert = nlohmann::json::object();
  for (const char* field : {"name", "status", "fingerprint", "startsAt", "generatorURL"}) {
    if (auto value = ctx.vars.Lookup(std::string("alert.") + field)) alert[field] = *value;
  }
  nlohmann::json body;
  body["alert"] = std::move(alert);
  body["target"] = {
      {"kind", ctx.target.kind}, {"namespace", ctx.target.ns}, {"name", ctx.target.name}};
  if (auto playbook = ctx.vars.Lookup("playbook")) body["playbook"] = *playbook;
  body["dryRun"] = ctx.dry_run;
  return body.dump();
}

class WebhookAction final : public Action {
 public:
  WebhookAction(templates::Template url, std::optional<templates::Template> body,
                std::chrono::milliseconds timeout, std::vector<Header> headers)
      : url_(std::move(url)),
        body_(std::move(body)),
        timeout_(timeout),
        headers_(std::move(headers)) {}

  ActionResult Run(const ActionContext& ctx) const override {
    common::Result<std::string> url = url_.Render(ctx.vars);
    if (!url.ok()) return TemplateFailure("url", url.status());
    std::string body;
    if (body_) {
      common::Result<std::string> rendered = body_->Render(ctx.vars);
      if (!rendered.ok()) return TemplateFailure("body", rendered.status());
      body = std::move(rendered).value();
    } else {
      body = EpisodeJson(ctx);
    }
    const std::string origin = UrlOrigin(*url);
    if (!HasHttpScheme(*url)) {
      return Failed("invalid_url",
                    "the webhook URL must start with http:// or https://, not \"" + origin + "\"");
    }
    common::Result<nlohmann::json> target = ReadTarget(ctx);
    if (!target.ok()) return TargetFailure(ctx, target.status());
    if (ctx.dry_run) return DryRun("would POST to " + origin);

    common::HttpClientRequest request;
    request.method = "POST";
    request.url = *url;
    request.body = std::move(body);
    request.timeout = timeout_;
    request.headers = headers_;
    bool has_content_type = std::any_of(headers_.begin(), headers_.end(), [](const Header& h) {
      return EqualsIgnoreCase(h.first, "Content-Type");
    });
    if (!has_content_type) request.headers.emplace_back("Content-Type", "application/json");
    return Post(ctx, request, origin);
  }

  std::vector<const templates::Template*> Templates() const override {
    std::vector<const templates::Template*> templates = {&url_};
    if (body_) templates.push_back(&*body_);
    return templates;
  }

  std::string Describe() const override { return "POST to " + UrlOrigin(url_.text()); }

 private:
  static ActionResult Post(const ActionContext& ctx, const common::HttpClientRequest& request,
                           const std::string& origin) {
    static common::SystemRandom random;
    const common::RetryPolicy policy = WebhookRetryPolicy();
    std::string last_error;
    bool answered = false;
    for (int attempt = 1;; ++attempt) {
      common::Result<common::HttpClientResponse> response = ctx.http.Send(request);
      std::optional<std::chrono::milliseconds> retry_after;
      if (response.ok()) {
        const int status = response->status;
        if (status >= 200 && status < 300) {
          return Done("posted to " + origin + " (HTTP " + std::to_string(status) + ")");
        }
        answered = true;
        last_error = origin + " answered HTTP " + std::to_string(status);
        if (status < 500 && status != 429) return Failed("http_error", last_error);
        if (auto seconds = common::ParseRetryAfter(response->Header("retry-after"))) {
          retry_after = *seconds;
        }
      } else {
        if (response.status().code() == common::StatusCode::kInvalidArgument) {
          return Failed("invalid_url",
                        "cannot POST to " + origin + ": " + response.status().message());
        }
        answered = false;
        last_error = "cannot reach " + origin + ": " +
                     std::string(common::StatusCodeName(response.status().code()));
      }
      if (attempt >= policy.max_attempts) break;
      if (retry_after && *retry_after > policy.max_retry_after) break;
      const std::chrono::milliseconds delay =
          retry_after.value_or(common::BackoffDelay(policy, attempt, random));
      spdlog::warn("webhook: {} (attempt {}/{}), retrying in {}ms", last_error, attempt,
                   policy.max_attempts, delay.count());
      if (!ctx.sleeper.SleepFor(delay, ctx.stop)) {
        return Failed("stopped", "stopped while retrying: " + last_error);
      }
    }
    return Failed(answered ? "http_error" : "unreachable", last_error + " (gave up)");
  }

  templates::Template url_;
  std::optional<templates::Template> body_;
  std::chrono::milliseconds timeout_;
  std::vector<Header> headers_;
};

// The `headers` mapping; adds an error at each bad entry.
std::vector<Header> ReadHeaders(const common::StrictMap& step) {
  std::vector<Header> headers;
  std::optional<YAML::Node> node = step.Find("headers");
  if (!node) return headers;
  const std::string name = step.Qualified("headers");
  if (!node->IsMap()) {
    step.errors().Add(*node, "\"" + name +
                                 "\": expected a mapping of header names to values, got " +
                                 common::DescribeYaml(*node));
    return headers;
  }
  for (auto it = node->begin(); it != node->end(); ++it) {
    const YAML::Node key = it->first;
    std::optional<std::string> header = common::YamlString(key, name, step.errors());
    if (!header) continue;
    const std::string qualified = name + "." + *header;
    if (header->empty() || header->find_first_of(" \t\r\n:") != std::string::npos) {
      step.errors().Add(key, "\"" + qualified + "\": not a valid header name");
      continue;
    }
    std::optional<std::string> value = common::YamlString(it->second, qualified, step.errors());
    if (!value) continue;
    if (value->find_first_of("\r\n") != std::string::npos) {
      step.errors().Add(it->second, "\"" + qualified + "\": a header value cannot span lines");
      continue;
    }
    headers.emplace_back(*header, *value);
  }
  return headers;
}

class WebhookActionFactory final : public ActionFactory {
 public:
  ActionTraits Traits() const override { return {.changes_cluster = false, .tells_people = false}; }
  std::vector<std::string> Keys() const override { return {"url", "body", "timeout", "headers"}; }

  std::unique_ptr<Action> Create(const common::StrictMap& step) const override {
    const size_t errors_before = step.errors().size();
    step.Require("url");
    std::optional<templates::Template> url = TemplateParam(step, "url");
    // A URL that starts with a variable gets its scheme checked when it is rendered.
    if (url && !url->text().starts_with("{{") && !HasHttpScheme(url->text())) {
      step.errors().Add(*step.Find("url"),
                        "\"" + step.Qualified("url") + "\" must start with http:// or https://");
    }
    std::optional<templates::Template> body = TemplateParam(step, "body");
    std::optional<std::chrono::milliseconds> timeout =
        step.Duration("timeout", std::chrono::milliseconds(1));
    std::vector<Header> headers = ReadHeaders(step);
    if (!url || step.errors().size() != errors_before) return nullptr;
    return std::make_unique<WebhookAction>(std::move(*url), std::move(body),
                                           timeout.value_or(kDefaultTimeout), std::move(headers));
  }
};

}  // namespace

std::unique_ptr<ActionFactory> NewWebhookActionFactory() {
  return std::make_unique<WebhookActionFactory>();
}

}  // namespace rebound::controller::actions
