#include "store/schema.h"

#include <optional>
#include <string>

namespace rebound::store {
namespace {

using common::Result;
using common::Status;

// user_version of a file whose owners keep their versions in schema_versions.
constexpr int kFormat = 4;
// The owner row that keeps a converted file's user_version of formats 1 to 3.
constexpr std::string_view kLegacyOwner = "legacy_user_version";

// Creates schema_versions in a file of format 0 (new) to 3 (one sequence for every table).
Status ConvertToFormat4(const Database& db, int64_t user_version) {
  REBOUND_RETURN_IF_ERROR(Exec(db,
                               "CREATE TABLE schema_versions ("
                               "owner TEXT PRIMARY KEY, version INTEGER NOT NULL)",
                               "create schema_versions"));
  if (user_version > 0) {
    REBOUND_RETURN_IF_ERROR(Exec(db,
                                 "INSERT INTO schema_versions VALUES ('" +
                                     std::string(kLegacyOwner) + "', " +
                                     std::to_string(user_version) + ")",
                                 "keep the legacy schema version"));
  }
  return Exec(db, "PRAGMA user_version = " + std::to_string(kFormat), "set the file format");
}

// The recorded version of `owner`, or nullopt when it has no row.
Result<std::optional<int64_t>> RecordedVersion(const Database& db, std::string_view owner) {
  Statement select;
  REBOUND_RETURN_IF_ERROR(
      select.Prepare(db, "SELECT version FROM schema_versions WHERE owner = ?1"));
  Query query(db, select, "read the schema version of " + std::string(owner));
  query.Text(owner);
  Result<bool> row = query.Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<int64_t>();
  return std::optional<int64_t>(query.ColumnInt(0));
}

Status Apply(const Database& db, const Schema& schema) {
  Result<int64_t> format = PragmaInt(db, "PRAGMA user_version");
  if (!format.ok()) return format.status();
  if (*format > kFormat) {
    return common::Internal(db.name() + ": database format version " + std::to_string(*format) +
                            " is newer than this build supports (" + std::to_string(kFormat) +
                            "); refusing to use it");
  }
  if (*format < kFormat) REBOUND_RETURN_IF_ERROR(ConvertToFormat4(db, *format));

  Result<std::optional<int64_t>> recorded = RecordedVersion(db, schema.owner);
  if (!recorded.ok()) return recorded.status();
  int64_t version = 0;
  if (*recorded) {
    version = **recorded;
  } else if (schema.legacy_version > 0) {
    Result<std::optional<int64_t>> legacy = RecordedVersion(db, kLegacyOwner);
    if (!legacy.ok()) return legacy.status();
    if (legacy->value_or(0) >= schema.legacy_version) version = 1;
  }
  const auto latest = static_cast<int64_t>(schema.migrations.size());
  if (version > latest) {
    return common::Internal(db.name() + ": the schema of " + std::string(schema.owner) +
                            " is version " + std::to_string(version) +
                            ", newer than this build supports (" + std::to_string(latest) +
                            "); refusing to use it");
  }
  for (int64_t v = version; v < latest; ++v) {
    REBOUND_RETURN_IF_ERROR(
        Exec(db, schema.migrations[static_cast<size_t>(v)],
             "migrate " + std::string(schema.owner) + " to version " + std::to_string(v + 1)));
  }
  if (*recorded && version == latest) return Status::Ok();
  Statement upsert;
  REBOUND_RETURN_IF_ERROR(upsert.Prepare(
      db, "INSERT OR REPLACE INTO schema_versions (owner, version) VALUES (?1, ?2)"));
  return Query(db, upsert, "record the schema version of " + std::string(schema.owner))
      .Text(schema.owner)
      .Int(latest)
      .Run();
}

}  // namespace

Status Migrate(const Database& db, const Schema& schema) {
  return InTransaction(db, "migrate " + std::string(schema.owner), [&]() -> Status {
    Status status = Apply(db, schema);
    // The schema is what this build expects or it is not: no retry helps.
    return status.ok() ? status : common::Internal(status.message());
  });
}

}  // namespace rebound::store
