-- Hooks: where each hook stands in the journal, who delivers it now, and
-- every attempt. A hook delivers in journal order: `done_id` is the last
-- event it is done with (delivered, skipped, or not for it); `head_id` the
-- one it is working on (retrying, or parked after max_attempts until
-- `hooks retry` or `hooks skip`). Times in unix milliseconds.
CREATE TABLE hook_state (
    hook              VARCHAR(255) PRIMARY KEY NOT NULL,
    done_id           BIGINT NOT NULL DEFAULT 0,
    last_delivered_id BIGINT NOT NULL DEFAULT 0,
    head_id           BIGINT,
    attempts          BIGINT NOT NULL DEFAULT 0,
    next_at           BIGINT NOT NULL DEFAULT 0,
    parked            BIGINT NOT NULL DEFAULT 0 CHECK (parked IN (0, 1)),
    lease_owner       VARCHAR(255),
    lease_until       BIGINT NOT NULL DEFAULT 0,
    updated_at        VARCHAR(255) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE hook_attempts (
    id          BIGINT AUTO_INCREMENT PRIMARY KEY,
    hook        VARCHAR(255) NOT NULL,
    event_id    BIGINT NOT NULL,
    at          VARCHAR(255) NOT NULL,
    outcome     VARCHAR(32) NOT NULL,
    code        BIGINT,
    detail      TEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX hook_attempts_hook ON hook_attempts (hook, id);

-- Journal ids must become visible in order, or a consumer could move past
-- an id whose transaction commits later. Every change takes this row's
-- lock just before it appends its event and holds it to its commit.
CREATE TABLE journal_writer (
    id  BIGINT PRIMARY KEY,
    n   BIGINT NOT NULL
) ENGINE=InnoDB;
INSERT INTO journal_writer (id, n) VALUES (1, 0);
