// Schema versions in a database that several components share (journal.db holds the journal's
// episodes, the heal log and the anomaly scorers' state): each component, the "owner" of its
// tables, creates and migrates them itself, and its version is kept apart from the others'.
//
// On disk: `PRAGMA user_version` is the file's format. Format 4 keeps one row per owner in
// `schema_versions(owner, version)`. Formats 1 to 3 were written by builds that numbered every
// table of the file in one sequence (1: episodes, 2: heal_log, 3: anomaly_scorers); the first
// Migrate on such a file converts it to format 4, keeping the old number in the row
// `legacy_user_version`, from which each owner's Schema::legacy_version tells whether its
// first migration was already applied. A file of a newer format is refused, as is an owner
// version newer than this build's migrations; a build of format 3 refuses format 4 in turn.
//
// Thread-safety: as the Database it runs on (store/sqlite.h). Different connections, in this
// process or another, may migrate the same file concurrently: each owner's migration is one
// BEGIN IMMEDIATE transaction that re-reads the versions inside it.
#pragma once

#include <span>
#include <string_view>

#include "common/status.h"
#include "store/sqlite.h"

namespace rebound::store {

// The tables of one owner.
struct Schema {
  std::string_view owner;  // its key in schema_versions, e.g. "heal_log"
  // Migration i takes the owner's tables from version i to i + 1. Append new ones, never edit
  // a shipped one.
  std::span<const std::string_view> migrations;
  // The file-wide user_version (formats 1 to 3) at which migration 1 had been applied; 0 for
  // an owner that did not exist before format 4. An owner had exactly one migration then.
  int legacy_version = 0;
};

// Brings `schema`'s tables up to date on `db`, in one transaction: either every missing
// migration is applied and recorded, or none. Internal when a migration fails or the file or
// the owner's version is newer than this build supports; Unavailable when the database cannot
// be written (busy, I/O error).
common::Status Migrate(const Database& db, const Schema& schema);

}  // namespace rebound::store
