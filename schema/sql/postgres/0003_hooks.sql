-- Hooks: where each hook stands in the journal, who delivers it now, and
-- every attempt. A hook delivers in journal order: `done_id` is the last
-- event it is done with (delivered, skipped, or not for it); `head_id` the
-- one it is working on (retrying, or parked after max_attempts until
-- `hooks retry` or `hooks skip`). Times in unix milliseconds.
CREATE TABLE hook_state (
    hook              TEXT PRIMARY KEY NOT NULL,
    done_id           BIGINT NOT NULL DEFAULT 0,
    last_delivered_id BIGINT NOT NULL DEFAULT 0,
    head_id           BIGINT,
    attempts          BIGINT NOT NULL DEFAULT 0,        -- failed attempts at head_id
    next_at           BIGINT NOT NULL DEFAULT 0,        -- head_id waits until then
    parked            BIGINT NOT NULL DEFAULT 0 CHECK (parked IN (0, 1)),
    lease_owner       TEXT,                             -- the consumer delivering it now
    lease_until       BIGINT NOT NULL DEFAULT 0,        -- its lease ends then
    updated_at        TEXT NOT NULL
);

CREATE TABLE hook_attempts (
    id          BIGSERIAL PRIMARY KEY,
    hook        TEXT NOT NULL,
    event_id    BIGINT NOT NULL,
    at          TEXT NOT NULL,
    outcome     TEXT NOT NULL,                          -- delivered | failed | timeout | parked | retry | skipped
    code        BIGINT,                                 -- exit code or HTTP status
    detail      TEXT NOT NULL DEFAULT ''                -- first lines of stderr, or the error; never a secret
);
CREATE INDEX hook_attempts_hook ON hook_attempts (hook, id);

-- Journal ids must become visible in order, or a consumer could move past
-- an id whose transaction commits later. Every change takes this row's
-- lock just before it appends its event and holds it to its commit.
CREATE TABLE journal_writer (
    id  BIGINT PRIMARY KEY,
    n   BIGINT NOT NULL
);
INSERT INTO journal_writer (id, n) VALUES (1, 0);
