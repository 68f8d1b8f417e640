-- postier directory schema (PostgreSQL). Postfix and Dovecot read these tables
-- directly: keep their queries single-table or one join, on indexed keys.
-- Integers are 0/1 for flags and bytes for sizes (0 = unlimited).

CREATE TABLE domains (
    name                TEXT PRIMARY KEY NOT NULL,       -- A-label, lowercase
    description         TEXT NOT NULL DEFAULT '',
    active              BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    max_mailboxes       BIGINT NOT NULL DEFAULT 0,
    max_aliases         BIGINT NOT NULL DEFAULT 0,
    quota_bytes         BIGINT NOT NULL DEFAULT 0,      -- cap on the sum of mailbox quotas
    default_quota_bytes BIGINT NOT NULL DEFAULT 0,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    version             BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE alias_domains (
    name        TEXT PRIMARY KEY NOT NULL,
    target      TEXT NOT NULL REFERENCES domains (name),
    active      BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX alias_domains_target ON alias_domains (target);

CREATE TABLE mailboxes (
    address     TEXT PRIMARY KEY NOT NULL,               -- local@domain, lowercase
    local_part  TEXT NOT NULL,
    domain      TEXT NOT NULL REFERENCES domains (name),
    name        TEXT NOT NULL DEFAULT '',
    password    TEXT NOT NULL,                           -- {SCHEME}hash
    quota_bytes BIGINT NOT NULL DEFAULT 0,
    maildir     TEXT NOT NULL,                           -- relative to the mail root
    active      BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX mailboxes_domain ON mailboxes (domain, address);

CREATE TABLE aliases (
    address     TEXT PRIMARY KEY NOT NULL,               -- local@domain, or @domain (catch-all)
    domain      TEXT NOT NULL REFERENCES domains (name),
    active      BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX aliases_domain ON aliases (domain, address);

CREATE TABLE alias_targets (
    alias       TEXT NOT NULL REFERENCES aliases (address) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    target      TEXT NOT NULL,
    PRIMARY KEY (alias, target)
);

CREATE TABLE audit_log (
    id          BIGSERIAL PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    object      TEXT NOT NULL,
    before_json TEXT,                                    -- JSON, never a password or hash
    after_json  TEXT
);

CREATE TABLE journal (
    id          BIGSERIAL PRIMARY KEY,
    at          TEXT NOT NULL,
    event       TEXT NOT NULL,
    object      TEXT NOT NULL,
    payload     TEXT NOT NULL,
    done_at     TEXT                                     -- set by the hook runner
);
CREATE INDEX journal_pending ON journal (done_at, id);
