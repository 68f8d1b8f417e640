-- Hooks: where each hook stands in the journal, who delivers it now, and
-- every attempt. A hook delivers in journal order: `done_id` is the last
-- event it is done with (delivered, skipped, or not for it); `head_id` the
-- one it is working on (retrying, or parked after max_attempts until
-- `hooks retry` or `hooks skip`). Times in unix milliseconds.
CREATE TABLE hook_state (
    hook              TEXT PRIMARY KEY NOT NULL,
    done_id           INTEGER NOT NULL DEFAULT 0,
    last_delivered_id INTEGER NOT NULL DEFAULT 0,
    head_id           INTEGER,
    attempts          INTEGER NOT NULL DEFAULT 0,       -- failed attempts at head_id
    next_at           INTEGER NOT NULL DEFAULT 0,       -- head_id waits until then
    parked            INTEGER NOT NULL DEFAULT 0 CHECK (parked IN (0, 1)),
    lease_owner       TEXT,                             -- the consumer delivering it now
    lease_until       INTEGER NOT NULL DEFAULT 0,       -- its lease ends then
    updated_at        TEXT NOT NULL
);

CREATE TABLE hook_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    hook        TEXT NOT NULL,
    event_id    INTEGER NOT NULL,
    at          TEXT NOT NULL,
    outcome     TEXT NOT NULL,                          -- delivered | failed | timeout | parked | retry | skipped
    code        INTEGER,                                -- exit code or HTTP status
    detail      TEXT NOT NULL DEFAULT ''                -- first lines of stderr, or the error; never a secret
);
CREATE INDEX hook_attempts_hook ON hook_attempts (hook, id);
