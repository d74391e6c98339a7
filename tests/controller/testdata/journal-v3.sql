-- journal.db as the build before per-owner schema versions (commit 402fc99) wrote it: Journal,
-- HealLog and ScorerStore each appended a little, then `sqlite3 journal.db .dump`. The dump
-- leaves out the file's user_version and journal mode, restored at the end.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE episodes (
  fingerprint    TEXT    NOT NULL,
  starts_at      TEXT    NOT NULL,  -- canonical RFC 3339
  starts_at_ns   INTEGER NOT NULL,  -- starts_at in Unix nanoseconds (saturated)
  alertname      TEXT    NOT NULL,
  status         TEXT    NOT NULL,  -- AlertStatusName
  state          TEXT    NOT NULL,  -- EpisodeStateName
  labels         TEXT    NOT NULL,  -- JSON object
  annotations    TEXT    NOT NULL,  -- JSON object
  ends_at        TEXT    NOT NULL,  -- canonical RFC 3339, '' while firing
  generator_url  TEXT    NOT NULL,
  receiver       TEXT    NOT NULL,
  external_url   TEXT    NOT NULL,
  playbook       TEXT    NOT NULL,
  received_at_ms INTEGER NOT NULL,
  updated_at_ms  INTEGER NOT NULL,
  PRIMARY KEY (fingerprint, starts_at)
);
INSERT INTO episodes VALUES('f1','2026-01-01T00:00:00.653Z',1767225600653000000,'HighLatency','firing','pending','{"alertname":"HighLatency","pod":"web-1"}','{"summary":"p99 > 1s"}','','http://prometheus:9090/graph','team-web','http://alertmanager:9093','crashloop',1767225600000,1767225600000);
INSERT INTO episodes VALUES('f2','2026-01-01T00:00:00.653Z',1767225600653000000,'HighLatency','resolved','closed','{"alertname":"HighLatency","pod":"web-1"}','{"summary":"p99 > 1s"}','2026-01-01T00:05:00Z','http://prometheus:9090/graph','team-web','http://alertmanager:9093','',1767225600000,1767225600000);
CREATE TABLE heal_log (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms       INTEGER NOT NULL,
  fingerprint TEXT    NOT NULL,
  starts_at   TEXT    NOT NULL,
  alertname   TEXT    NOT NULL,
  playbook    TEXT    NOT NULL,
  target      TEXT    NOT NULL,  -- "Deployment shop/web", '' before the target is known
  step        INTEGER NOT NULL,  -- 0-based step, -1 outside steps
  action      TEXT    NOT NULL,
  kind        TEXT    NOT NULL,  -- HealRecord::Kind
  result      TEXT    NOT NULL,
  reason      TEXT    NOT NULL,
  message     TEXT    NOT NULL,
  duration_ms INTEGER NOT NULL
);
INSERT INTO heal_log VALUES(1,1767225600000,'f1','2026-01-01T00:00:00.653Z','HighLatency','crashloop','Deployment shop/web',0,'restart','action','done','','restarted Deployment shop/web',1250);
CREATE TABLE anomaly_scorers (
  signal_set   TEXT    NOT NULL,
  namespace    TEXT    NOT NULL,
  workload     TEXT    NOT NULL,
  signature    TEXT    NOT NULL,  -- the set's step, season and queries the state was learnt with
  scored_at_ms INTEGER NOT NULL,  -- the time of the last sample learnt
  state        BLOB    NOT NULL,  -- anomaly::Scorer::Serialize()
  PRIMARY KEY (signal_set, namespace, workload)
);
INSERT INTO anomaly_scorers VALUES('latency','shop','web','step=30s',1767225600000,X'0100027374617465');
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('heal_log',1);
CREATE INDEX episodes_by_state_received ON episodes (state, received_at_ms);
CREATE INDEX episodes_by_received ON episodes (received_at_ms);
CREATE INDEX episodes_by_state_updated ON episodes (state, updated_at_ms);
CREATE INDEX episodes_by_fingerprint_status_start ON episodes (fingerprint, status, starts_at_ns);
CREATE INDEX heal_log_by_at ON heal_log (at_ms);
COMMIT;
PRAGMA user_version = 3;
PRAGMA journal_mode = WAL;
