#include "controller/intake/payload.h"

#include <cstdint>
#include <string>
#include <string_view>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/test_data.h"

namespace rebound::controller::intake {
namespace {

using common::StatusCode;
using common::Timestamp;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// 2026-11-22T05:05:09Z and 2026-11-22T05:41:04Z, computed independently of time_format.cc.
constexpr int64_t kDemoStartSeconds = 1795323909;
constexpr int64_t kCrashLoopStartSeconds = 1795326064;

std::string ReadFixture(const std::string& name) { return testing::AlertmanagerPayload(name); }

// The smallest payload the contract accepts; tests add or break one field at a time.
json MinimalPayload() {
  return json{
      {"version", "4"},
      {"alerts", json::array({json{{"status", "firing"},
                                   {"labels", {{"alertname", "DemoServiceDown"}}},
                                   {"startsAt", "2026-11-22T05:05:09.653Z"},
                                   {"fingerprint", "7fe44a7c20447f6a"}}})},
  };
}

common::Result<WebhookPayload> Parse(const json& body) { return ParseWebhookPayload(body.dump()); }

// Asserts that parsing fails with InvalidArgument and returns the message.
std::string RawParseError(std::string_view body) {
  auto result = ParseWebhookPayload(body);
  EXPECT_FALSE(result.ok()) << "unexpectedly parsed: " << body.substr(0, 200);
  if (result.ok()) return "";
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  return result.status().message();
}

std::string ParseError(const json& body) { return RawParseError(body.dump()); }

// Structural check only (lead byte, then the right number of continuation bytes): enough to
// catch a message cut in the middle of a character or quoting raw input bytes.
bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto lead = static_cast<unsigned char>(s[i]);
    size_t extra;
    if (lead < 0x80) {
      extra = 0;
    } else if ((lead & 0xE0) == 0xC0) {
      extra = 1;
    } else if ((lead & 0xF0) == 0xE0) {
      extra = 2;
    } else if ((lead & 0xF8) == 0xF0) {
      extra = 3;
    } else {
      return false;
    }
    if (i + extra >= s.size() && extra > 0) return false;
    for (size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

TEST(ParseWebhookPayloadTest, FiringFixtureParsesEveryField) {
  auto result = ParseWebhookPayload(ReadFixture("firing.json"));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const WebhookPayload& p = *result;
  EXPECT_EQ(p.version, "4");
  EXPECT_EQ(p.receiver, "selfheal");
  EXPECT_EQ(p.status, AlertStatus::kFiring);
  EXPECT_EQ(p.external_url, "http://127.0.0.1:19093");
  EXPECT_EQ(p.group_key, "{}:{alertname=\"DemoServiceDown\", service=\"demo\"}");
  EXPECT_EQ(p.truncated_alerts, 0);
  EXPECT_EQ(p.group_labels, (LabelSet{{"alertname", "DemoServiceDown"}, {"service", "demo"}}));
  EXPECT_EQ(p.common_labels.size(), 6u);
  EXPECT_EQ(p.common_annotations.size(), 2u);

  ASSERT_EQ(p.alerts.size(), 1u);
  const Alert& a = p.alerts[0];
  EXPECT_EQ(a.status, AlertStatus::kFiring);
  EXPECT_EQ(a.fingerprint, "7fe44a7c20447f6a");
  EXPECT_EQ(a.alertname(), "DemoServiceDown");
  EXPECT_EQ(a.labels, (LabelSet{{"action", "restart"},
                                {"alertname", "DemoServiceDown"},
                                {"instance", "127.0.0.1:19100"},
                                {"job", "demo"},
                                {"service", "demo"},
                                {"severity", "critical"}}));
  EXPECT_EQ(a.annotations.at("description"), "demo_service_up{service=\"demo\"} == 0");
  EXPECT_EQ(a.annotations.at("summary"), "service demo is down");
  EXPECT_EQ(a.starts_at, (Timestamp{kDemoStartSeconds, 653'000'000}));
  EXPECT_TRUE(a.ends_at.IsZero());
  // The body escapes '&' as \u0026.
  EXPECT_EQ(a.generator_url,
            "http://127.0.0.1:19090/graph?g0.expr=demo_service_up+%3D%3D+0&g0.tab=1");
}

TEST(ParseWebhookPayloadTest, ResolvedFixtureCarriesEndTime) {
  auto result = ParseWebhookPayload(ReadFixture("resolved.json"));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->status, AlertStatus::kResolved);
  ASSERT_EQ(result->alerts.size(), 1u);
  const Alert& a = result->alerts[0];
  EXPECT_EQ(a.status, AlertStatus::kResolved);
  EXPECT_EQ(a.fingerprint, "7fe44a7c20447f6a");
  EXPECT_EQ(a.labels.size(), 6u);
  EXPECT_EQ(a.starts_at, (Timestamp{kDemoStartSeconds, 653'000'000}));
  EXPECT_EQ(a.ends_at, (Timestamp{kDemoStartSeconds + 1, 653'000'000}));
  EXPECT_EQ(a.generator_url,
            "http://127.0.0.1:19090/graph?g0.expr=demo_service_up+%3D%3D+0&g0.tab=1");
}

TEST(ParseWebhookPayloadTest, GroupedTruncatedFiringFixtureHasTwoAlertsAndOneTruncated) {
  auto result = ParseWebhookPayload(ReadFixture("grouped-truncated-firing.json"));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const WebhookPayload& p = *result;
  EXPECT_EQ(p.receiver, "rebound");
  EXPECT_EQ(p.status, AlertStatus::kFiring);
  EXPECT_EQ(p.truncated_alerts, 1);
  EXPECT_EQ(p.group_labels,
            (LabelSet{{"alertname", "KubePodCrashLooping"}, {"namespace", "shop"}}));
  EXPECT_EQ(p.common_labels.size(), 5u);
  EXPECT_TRUE(p.common_annotations.empty());
  EXPECT_EQ(p.external_url, "http://alertmanager.example:9093");

  ASSERT_EQ(p.alerts.size(), 2u);
  EXPECT_EQ(p.alerts[0].fingerprint, "13420710fe4810f7");
  EXPECT_EQ(p.alerts[1].fingerprint, "924f9b2a85b4ad96");
  EXPECT_EQ(p.alerts[0].labels.at("pod"), "web-7d9f8b6c5-abcde");
  EXPECT_EQ(p.alerts[1].labels.at("pod"), "web-7d9f8b6c5-fghij");
  for (const Alert& a : p.alerts) {
    EXPECT_EQ(a.status, AlertStatus::kFiring);
    EXPECT_EQ(a.labels.size(), 6u);
    EXPECT_EQ(a.annotations.size(), 2u);
    EXPECT_TRUE(a.ends_at.IsZero());
  }
  EXPECT_EQ(p.alerts[0].starts_at, (Timestamp{kCrashLoopStartSeconds, 554'606'412}));
  EXPECT_EQ(p.alerts[1].starts_at, (Timestamp{kCrashLoopStartSeconds, 576'478'471}));
}

TEST(ParseWebhookPayloadTest, GroupedTruncatedResolvedFixtureHasWholeSecondEnds) {
  auto result = ParseWebhookPayload(ReadFixture("grouped-truncated-resolved.json"));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->status, AlertStatus::kResolved);
  EXPECT_EQ(result->truncated_alerts, 1);
  ASSERT_EQ(result->alerts.size(), 2u);
  EXPECT_EQ(result->alerts[0].fingerprint, "13420710fe4810f7");
  EXPECT_EQ(result->alerts[1].fingerprint, "924f9b2a85b4ad96");
  for (const Alert& a : result->alerts) {
    EXPECT_EQ(a.status, AlertStatus::kResolved);
    EXPECT_EQ(a.ends_at, (Timestamp{kCrashLoopStartSeconds + 3, 0}));
  }
}

TEST(ParseWebhookPayloadTest, AcceptsZeroToNineFractionalDigits) {
  const std::pair<const char*, int32_t> cases[] = {
      {"2026-11-22T05:05:09Z", 0},
      {"2026-11-22T05:05:09.6Z", 600'000'000},
      {"2026-11-22T05:05:09.653Z", 653'000'000},
      {"2026-11-22T05:05:09.653123Z", 653'123'000},
      {"2026-11-22T05:05:09.000000007Z", 7},
      {"2026-11-22T05:05:09.554606412Z", 554'606'412},
  };
  for (const auto& [text, nanos] : cases) {
    SCOPED_TRACE(text);
    json body = MinimalPayload();
    body["alerts"][0]["startsAt"] = text;
    auto result = Parse(body);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(result->alerts[0].starts_at, (Timestamp{kDemoStartSeconds, nanos}));
  }
}

TEST(ParseWebhookPayloadTest, RejectsTenFractionalDigits) {
  json body = MinimalPayload();
  body["alerts"][0]["startsAt"] = "2026-11-22T05:05:09.5546064120Z";
  EXPECT_THAT(ParseError(body), StartsWith("alerts[0].startsAt: invalid RFC 3339 timestamp"));
}

TEST(ParseWebhookPayloadTest, ConvertsTimezoneOffsetsToUtc) {
  const char* const same_instant[] = {
      "2026-11-22T07:05:09.653+02:00",
      "2026-11-21T23:35:09.653-05:30",
      "2026-11-22T05:05:09.653+00:00",
      "2026-11-22t05:05:09.653z",
  };
  for (const char* text : same_instant) {
    SCOPED_TRACE(text);
    json body = MinimalPayload();
    body["alerts"][0]["startsAt"] = text;
    auto result = Parse(body);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(result->alerts[0].starts_at, (Timestamp{kDemoStartSeconds, 653'000'000}));
  }
}

TEST(ParseWebhookPayloadTest, RejectsTimestampsWithoutZoneOrWithBadOffset) {
  for (const char* text : {"2026-11-22T05:05:09", "2026-11-22T05:05:09+0200",
                           "2026-11-22T05:05:09+24:00", "2026-11-22 05:05:09Z", ""}) {
    SCOPED_TRACE(text);
    json body = MinimalPayload();
    body["alerts"][0]["endsAt"] = text;
    EXPECT_THAT(ParseError(body), StartsWith("alerts[0].endsAt: invalid RFC 3339 timestamp"));
  }
}

// Found by tests/fuzz/payload_fuzz: an offset pushed the instant out of years 0001-9999 in UTC,
// and the parsed timestamp could not be formatted and read back.
TEST(ParseWebhookPayloadTest, RejectsTimestampOutsideRepresentableYears) {
  json body = MinimalPayload();
  body["alerts"][0]["startsAt"] = "0001-01-01T00:00:00+01:00";
  EXPECT_THAT(ParseError(body), StartsWith("alerts[0].startsAt: invalid RFC 3339 timestamp"));
  body = MinimalPayload();
  body["alerts"][0]["status"] = "resolved";
  body["alerts"][0]["endsAt"] = "9999-12-31T23:30:00-01:00";
  EXPECT_THAT(ParseError(body), StartsWith("alerts[0].endsAt: invalid RFC 3339 timestamp"));
}

TEST(ParseWebhookPayloadTest, MissingRequiredFieldIsNamedByPath) {
  {
    json body = MinimalPayload();
    body.erase("version");
    EXPECT_EQ(ParseError(body), "version: missing");
  }
  {
    json body = MinimalPayload();
    body.erase("alerts");
    EXPECT_EQ(ParseError(body), "alerts: missing");
  }
  for (const char* field : {"status", "labels", "startsAt", "fingerprint"}) {
    SCOPED_TRACE(field);
    json body = MinimalPayload();
    body["alerts"].push_back(body["alerts"][0]);
    body["alerts"][1].erase(field);
    EXPECT_EQ(ParseError(body), std::string("alerts[1].") + field + ": missing");
  }
}

TEST(ParseWebhookPayloadTest, RequiredFieldSetToNullIsATypeError) {
  json body = MinimalPayload();
  body["alerts"][0]["labels"] = nullptr;
  EXPECT_EQ(ParseError(body), "alerts[0].labels: expected an object, got null");
}

TEST(ParseWebhookPayloadTest, MissingOptionalFieldsGetDefaults) {
  auto result = Parse(MinimalPayload());
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const WebhookPayload& p = *result;
  EXPECT_EQ(p.version, "4");
  EXPECT_EQ(p.receiver, "");
  EXPECT_EQ(p.status, AlertStatus::kFiring);
  EXPECT_TRUE(p.group_labels.empty());
  EXPECT_TRUE(p.common_labels.empty());
  EXPECT_TRUE(p.common_annotations.empty());
  EXPECT_EQ(p.external_url, "");
  EXPECT_EQ(p.group_key, "");
  EXPECT_EQ(p.truncated_alerts, 0);
  ASSERT_EQ(p.alerts.size(), 1u);
  EXPECT_TRUE(p.alerts[0].annotations.empty());
  EXPECT_TRUE(p.alerts[0].ends_at.IsZero());
  EXPECT_EQ(p.alerts[0].generator_url, "");
}

TEST(ParseWebhookPayloadTest, NullOptionalFieldsGetDefaults) {
  json body = MinimalPayload();
  for (const char* field : {"receiver", "status", "groupLabels", "commonLabels",
                            "commonAnnotations", "externalURL", "groupKey", "truncatedAlerts"}) {
    body[field] = nullptr;
  }
  body["alerts"][0]["annotations"] = nullptr;
  body["alerts"][0]["endsAt"] = nullptr;
  body["alerts"][0]["generatorURL"] = nullptr;
  auto result = Parse(body);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->truncated_alerts, 0);
  EXPECT_TRUE(result->alerts[0].ends_at.IsZero());
}

TEST(ParseWebhookPayloadTest, ResolvedAlertWithoutEndsAtKeepsZeroEnd) {
  json body = MinimalPayload();
  body["alerts"][0]["status"] = "resolved";
  auto result = Parse(body);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->alerts[0].status, AlertStatus::kResolved);
  EXPECT_TRUE(result->alerts[0].ends_at.IsZero());
}

TEST(ParseWebhookPayloadTest, FiringAlertEndIsAlwaysZero) {
  json body = MinimalPayload();
  body["alerts"][0]["endsAt"] = "2026-11-22T05:10:09Z";
  auto result = Parse(body);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(result->alerts[0].ends_at.IsZero());
}

TEST(ParseWebhookPayloadTest, VersionMustBeTheStringFour) {
  json body = MinimalPayload();
  body["version"] = 4;
  EXPECT_EQ(ParseError(body), "version: expected a string, got number");
  body["version"] = "3";
  EXPECT_EQ(ParseError(body), "version: expected \"4\", got \"3\"");
}

TEST(ParseWebhookPayloadTest, QuotedValuesInErrorsAreShortAndValidUtf8) {
  json body = MinimalPayload();
  // 63 ASCII bytes, then two-byte characters: a 64-byte cut would split one.
  body["version"] = std::string(63, 'v') + "\xC3\xA9\xC3\xA9" + std::string(10000, 'x');
  std::string message = ParseError(body);
  EXPECT_THAT(message, StartsWith("version: expected \"4\", got \"vvv"));
  EXPECT_LT(message.size(), 200u);
  EXPECT_TRUE(IsValidUtf8(message)) << message;

  body = MinimalPayload();
  body["alerts"][0]["startsAt"] = std::string(63, '2') + "\xC3\xA9";
  message = ParseError(body);
  EXPECT_THAT(message, StartsWith("alerts[0].startsAt: invalid RFC 3339 timestamp"));
  EXPECT_TRUE(IsValidUtf8(message)) << message;
}

TEST(ParseWebhookPayloadTest, WrongTypesAreNamedByPath) {
  struct Case {
    json::json_pointer pointer;
    json value;
    std::string error;
  };
  const Case cases[] = {
      {json::json_pointer("/alerts"), json::object(), "alerts: expected an array, got object"},
      {json::json_pointer("/alerts/0"), "x", "alerts[0]: expected an object, got string"},
      {json::json_pointer("/alerts/0/status"), "pending",
       "alerts[0].status: expected \"firing\" or \"resolved\", got \"pending\""},
      {json::json_pointer("/alerts/0/status"), true,
       "alerts[0].status: expected a string, got boolean"},
      {json::json_pointer("/alerts/0/labels/severity"), 3,
       "alerts[0].labels.severity: expected a string, got number"},
      {json::json_pointer("/alerts/0/labels/app.kubernetes.io~1name"), json::array(),
       "alerts[0].labels[\"app.kubernetes.io/name\"]: expected a string, got array"},
      {json::json_pointer("/alerts/0/labels"), json::array(),
       "alerts[0].labels: expected an object, got array"},
      {json::json_pointer("/alerts/0/labels/"), "x", "alerts[0].labels: empty label name"},
      {json::json_pointer("/alerts/0/annotations/summary"), false,
       "alerts[0].annotations.summary: expected a string, got boolean"},
      {json::json_pointer("/alerts/0/startsAt"), 1795323909,
       "alerts[0].startsAt: expected a string, got number"},
      {json::json_pointer("/alerts/0/generatorURL"), json::object(),
       "alerts[0].generatorURL: expected a string, got object"},
      {json::json_pointer("/alerts/0/fingerprint"), "", "alerts[0].fingerprint: must not be empty"},
      {json::json_pointer("/alerts/0/fingerprint"), 7,
       "alerts[0].fingerprint: expected a string, got number"},
      {json::json_pointer("/status"), "silenced",
       "status: expected \"firing\" or \"resolved\", got \"silenced\""},
      {json::json_pointer("/receiver"), 1, "receiver: expected a string, got number"},
      {json::json_pointer("/groupLabels"), "a=b", "groupLabels: expected an object, got string"},
      {json::json_pointer("/commonLabels/job"), nullptr,
       "commonLabels.job: expected a string, got null"},
      {json::json_pointer("/commonAnnotations/x"), 1,
       "commonAnnotations.x: expected a string, got number"},
      {json::json_pointer("/externalURL"), json::array(),
       "externalURL: expected a string, got array"},
      {json::json_pointer("/groupKey"), 2, "groupKey: expected a string, got number"},
      {json::json_pointer("/truncatedAlerts"), -1,
       "truncatedAlerts: expected a non-negative integer, got -1"},
      {json::json_pointer("/truncatedAlerts"), 1.5,
       "truncatedAlerts: expected a non-negative integer, got number"},
      {json::json_pointer("/truncatedAlerts"), "1",
       "truncatedAlerts: expected a non-negative integer, got string"},
      {json::json_pointer("/truncatedAlerts"), uint64_t{1} << 63,
       "truncatedAlerts: 9223372036854775808 is out of range"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.pointer.to_string());
    json body = MinimalPayload();
    body[c.pointer] = c.value;
    EXPECT_EQ(ParseError(body), c.error);
  }
}

TEST(ParseWebhookPayloadTest, AcceptsLargestTruncatedCount) {
  json body = MinimalPayload();
  body["truncatedAlerts"] = INT64_MAX;
  auto result = Parse(body);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->truncated_alerts, INT64_MAX);
}

TEST(ParseWebhookPayloadTest, TopLevelMustBeAnObject) {
  EXPECT_EQ(RawParseError("[]"), "payload: expected an object, got array");
  EXPECT_EQ(RawParseError("null"), "payload: expected an object, got null");
  EXPECT_EQ(RawParseError("\"4\""), "payload: expected an object, got string");
}

TEST(ParseWebhookPayloadTest, IgnoresUnknownFields) {
  json body = MinimalPayload();
  body["newField"] = {{"nested", json::array({1, 2, 3})}};
  body["alerts"][0]["silencedBy"] = json::array({"abc"});
  auto result = Parse(body);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->alerts[0].fingerprint, "7fe44a7c20447f6a");
}

TEST(ParseWebhookPayloadTest, EmptyAlertsArrayIsValid) {
  json body = MinimalPayload();
  body["alerts"] = json::array();
  auto result = Parse(body);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(result->alerts.empty());
}

TEST(ParseWebhookPayloadTest, HugeLabelSetParsesCompletely) {
  json body = MinimalPayload();
  json& labels = body["alerts"][0]["labels"];
  for (int i = 0; i < 5000; ++i) {
    labels["label_" + std::to_string(i)] = std::string(150, 'a' + i % 26) + std::to_string(i);
  }
  const std::string text = body.dump();
  ASSERT_GT(text.size(), 750'000u);
  auto result = ParseWebhookPayload(text);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const LabelSet& parsed = result->alerts[0].labels;
  EXPECT_EQ(parsed.size(), 5001u);
  EXPECT_EQ(parsed.at("label_4999"), std::string(150, 'a' + 4999 % 26) + "4999");
  EXPECT_EQ(parsed.at("label_0"), std::string(150, 'a') + "0");
}

TEST(ParseWebhookPayloadTest, DecodesUnicodeEscapesAndKeepsUtf8) {
  const std::string text =
      R"({"version":"4","alerts":[{"status":"firing",)"
      R"("labels":{"team":"caf\u00e9","city":"Zürich"},)"
      R"("startsAt":"2026-11-22T05:05:09Z","fingerprint":"f","generatorURL":"a\u0026b\/c"}]})";
  auto result = ParseWebhookPayload(text);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->alerts[0].labels.at("team"), "caf\xC3\xA9");
  EXPECT_EQ(result->alerts[0].labels.at("city"), "Z\xC3\xBCrich");
  EXPECT_EQ(result->alerts[0].generator_url, "a&b/c");
}

TEST(ParseWebhookPayloadTest, RejectsDeepNestingWithoutCrashing) {
  EXPECT_THAT(RawParseError(std::string(100000, '[')), HasSubstr("nested deeper than 64"));
  EXPECT_THAT(RawParseError(std::string(100000, '{')), HasSubstr("nested deeper than 64"));

  const std::string prefix = R"({"version":"4","alerts":[],"x":)";
  const std::string deep = prefix + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_THAT(RawParseError(deep), HasSubstr("nested deeper than 64"));
}

TEST(ParseWebhookPayloadTest, AcceptsNestingUpToTheLimit) {
  const std::string prefix = R"({"version":"4","alerts":[],"x":)";
  // The root object is level 1.
  const std::string at_limit = prefix + std::string(63, '[') + std::string(63, ']') + "}";
  EXPECT_TRUE(ParseWebhookPayload(at_limit).ok());
  const std::string over_limit = prefix + std::string(64, '[') + std::string(64, ']') + "}";
  EXPECT_THAT(RawParseError(over_limit), HasSubstr("nested deeper than 64"));
}

TEST(ParseWebhookPayloadTest, BracketsInsideStringsDoNotCountAsNesting) {
  json body = MinimalPayload();
  body["alerts"][0]["annotations"]["expr"] = std::string(1000, '[') + "\\\"{{";
  auto result = Parse(body);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->alerts[0].annotations.at("expr").size(), 1004u);
}

TEST(ParseWebhookPayloadTest, SyntaxErrorGivesByteOffset) {
  EXPECT_THAT(RawParseError(R"({"version":"4",,"alerts":[]})"),
              StartsWith("invalid JSON at byte offset 15: "));
  EXPECT_THAT(RawParseError(R"({"version":"4")"), StartsWith("invalid JSON at byte offset 14: "));
  EXPECT_THAT(RawParseError(""), StartsWith("invalid JSON at byte offset 0: "));
}

TEST(ParseWebhookPayloadTest, GarbageBodiesAreRejected) {
  for (const std::string& body :
       {std::string("not json"), std::string("{"), std::string("}"), std::string("\x00", 1),
        std::string("{\"version\":\"4\",\"alerts\":[]} trailing"), std::string("\xff\xfe{}"),
        std::string("{\"version\":\"4\",\"alerts\":[1e999]}")}) {
    SCOPED_TRACE(body);
    const std::string message = RawParseError(body);
    EXPECT_THAT(message, StartsWith("invalid JSON"));
    EXPECT_TRUE(IsValidUtf8(message)) << message;
  }
}

TEST(ParseWebhookPayloadTest, InvalidUtf8InStringIsRejectedWithPrintableMessage) {
  const std::string body = std::string(R"({"version":"4","alerts":[],"receiver":"ab)") +
                           "\xC3\x28" + std::string(5000, 'z') + "\"}";
  const std::string message = RawParseError(body);
  // 0xC3 is at offset 41; '(' at 42 is the byte that makes the sequence ill-formed.
  EXPECT_THAT(message, StartsWith("invalid JSON at byte offset 42: "));
  EXPECT_THAT(message, HasSubstr("UTF-8"));
  EXPECT_TRUE(IsValidUtf8(message)) << message;
  EXPECT_LT(message.size(), 300u);
}

TEST(ParseWebhookPayloadTest, AlertStatusNames) {
  EXPECT_EQ(AlertStatusName(AlertStatus::kFiring), "firing");
  EXPECT_EQ(AlertStatusName(AlertStatus::kResolved), "resolved");
}

TEST(ParseWebhookPayloadTest, AlertnameIsEmptyWhenLabelAbsent) {
  Alert alert;
  EXPECT_EQ(alert.alertname(), "");
  alert.labels["alertname"] = "X";
  EXPECT_EQ(alert.alertname(), "X");
}

}  // namespace
}  // namespace rebound::controller::intake
