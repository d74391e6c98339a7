#include "controller/intake/episodes_handler.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "common/json_stream.h"
#include "common/time_format.h"

namespace rebound::controller::intake {
namespace {

constexpr size_t kDefaultLimit = 100;
constexpr size_t kMaxLimit = 10000;

std::string FormatTime(std::chrono::system_clock::time_point tp) {
  return common::FormatRfc3339(common::Timestamp::FromTimePoint(tp));
}

nlohmann::json ToJson(const Episode& episode) {
  return {
      {"fingerprint", episode.key.fingerprint},
      {"startsAt", episode.key.starts_at},
      {"endsAt", episode.ends_at},
      {"alertname", episode.alertname},
      {"status", AlertStatusName(episode.status)},
      {"state", EpisodeStateName(episode.state)},
      {"playbook", episode.playbook},
      {"labels", episode.labels},
      {"annotations", episode.annotations},
      {"generatorURL", episode.generator_url},
      {"receiver", episode.receiver},
      {"receivedAt", FormatTime(episode.received_at)},
      {"updatedAt", FormatTime(episode.updated_at)},
  };
}

}  // namespace

common::HttpResponse HandleListEpisodes(const Journal& journal,
                                        const common::HttpRequest& request) {
  std::optional<EpisodeState> state;
  if (std::optional<std::string> text = request.QueryParam("state")) {
    state = ParseEpisodeState(*text);
    if (!state) {
      return common::HttpResponse::Error(
          400, "state: unknown state \"" + *text + "\" (use received, pending, handled or closed)");
    }
  }
  size_t limit = kDefaultLimit;
  if (std::optional<std::string> text = request.QueryParam("limit")) {
    auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
    if (ec != std::errc() || ptr != text->data() + text->size() || limit < 1 ||
        limit > kMaxLimit) {
      return common::HttpResponse::Error(
          400, "limit: expected an integer from 1 to " + std::to_string(kMaxLimit));
    }
  }
  auto read = [&journal, state](size_t rows, const Episode* after, size_t max_bytes) {
    common::Result<std::vector<Episode>> page = journal.ListPage(state, rows, after, max_bytes);
    if (!page.ok()) {
      return common::Result<std::vector<Episode>>(page.status().WithContext("journal unavailable"));
    }
    return page;
  };
  common::JsonStreamOptions options;
  options.limit = limit;
  return common::StreamJsonData(common::PagesAfter<Episode>(read, ToJson), options);
}

}  // namespace rebound::controller::intake
