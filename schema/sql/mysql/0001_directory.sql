-- postier directory schema (MariaDB / MySQL). Postfix and Dovecot read these tables
-- directly: keep their queries single-table or one join, on indexed keys.
-- Integers are 0/1 for flags and bytes for sizes (0 = unlimited).

CREATE TABLE domains (
    name                VARCHAR(255) PRIMARY KEY NOT NULL,       -- A-label, lowercase
    description         TEXT NOT NULL DEFAULT '',
    active              BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    max_mailboxes       BIGINT NOT NULL DEFAULT 0,
    max_aliases         BIGINT NOT NULL DEFAULT 0,
    quota_bytes         BIGINT NOT NULL DEFAULT 0,      -- cap on the sum of mailbox quotas
    default_quota_bytes BIGINT NOT NULL DEFAULT 0,
    created_at          VARCHAR(255) NOT NULL,
    updated_at          VARCHAR(255) NOT NULL,
    version             BIGINT NOT NULL DEFAULT 1
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE alias_domains (
    name        VARCHAR(255) PRIMARY KEY NOT NULL,
    target      VARCHAR(255) NOT NULL REFERENCES domains (name),
    active      BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  VARCHAR(255) NOT NULL,
    updated_at  VARCHAR(255) NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX alias_domains_target ON alias_domains (target);

CREATE TABLE mailboxes (
    address     VARCHAR(255) PRIMARY KEY NOT NULL,               -- local@domain, lowercase
    local_part  VARCHAR(255) NOT NULL,
    domain      VARCHAR(255) NOT NULL REFERENCES domains (name),
    name        VARCHAR(255) NOT NULL DEFAULT '',
    password    TEXT NOT NULL,                           -- {SCHEME}hash
    quota_bytes BIGINT NOT NULL DEFAULT 0,
    maildir     TEXT NOT NULL,                           -- relative to the mail root
    active      BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  VARCHAR(255) NOT NULL,
    updated_at  VARCHAR(255) NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX mailboxes_domain ON mailboxes (domain, address);

CREATE TABLE aliases (
    address     VARCHAR(255) PRIMARY KEY NOT NULL,               -- local@domain, or @domain (catch-all)
    domain      VARCHAR(255) NOT NULL REFERENCES domains (name),
    active      BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  VARCHAR(255) NOT NULL,
    updated_at  VARCHAR(255) NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX aliases_domain ON aliases (domain, address);

CREATE TABLE alias_targets (
    alias       VARCHAR(255) NOT NULL REFERENCES aliases (address) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    target      VARCHAR(255) NOT NULL,
    PRIMARY KEY (alias, target)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE audit_log (
    id          BIGINT AUTO_INCREMENT PRIMARY KEY,
    at          VARCHAR(255) NOT NULL,
    actor       VARCHAR(255) NOT NULL,
    action      VARCHAR(255) NOT NULL,
    object      VARCHAR(320) NOT NULL,
    before_json TEXT,                                    -- JSON, never a password or hash
    after_json  TEXT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE journal (
    id          BIGINT AUTO_INCREMENT PRIMARY KEY,
    at          VARCHAR(255) NOT NULL,
    event       VARCHAR(255) NOT NULL,
    object      VARCHAR(320) NOT NULL,
    payload     TEXT NOT NULL,
    done_at     VARCHAR(255)                                     -- set by the hook runner
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX journal_pending ON journal (done_at, id);
