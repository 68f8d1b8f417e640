-- postier's local state store for an LDAP directory (SQLite). LDAP has no
-- transactions, so every change is first written here as an intent, then
-- applied to the directory, then marked done together with its audit entry
-- and journal event. A change left pending by a process that died is
-- finished (or undone) by the next process that opens the store.

CREATE TABLE ldap_changes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    token       TEXT NOT NULL UNIQUE,        -- also written to the entries as postierChange
    owner       TEXT NOT NULL,               -- the process applying it (see the owner lock files)
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    object      TEXT NOT NULL,
    change_json TEXT,                        -- the change; may hold a password hash, cleared when finished
    before_json TEXT,                        -- the object before the first write, for the audit entry
    state       TEXT NOT NULL CHECK (state IN ('pending', 'done', 'rolled_back')),
    outcome     TEXT,                        -- why it was rolled back
    finished_at TEXT
);
CREATE INDEX ldap_changes_pending ON ldap_changes (state, owner);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    object      TEXT NOT NULL,
    before_json TEXT,                        -- JSON, never a password or hash
    after_json  TEXT
);

CREATE TABLE journal (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    event       TEXT NOT NULL,
    object      TEXT NOT NULL,
    payload     TEXT NOT NULL,
    done_at     TEXT                         -- set by the hook runner
);
CREATE INDEX journal_pending ON journal (done_at, id);
