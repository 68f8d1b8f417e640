-- Every mailbox change checks its domain's limits: how many mailboxes the
-- domain has and the sum of their quotas. This index holds both, so the
-- count and the sum read it alone instead of visiting every mailbox row.
CREATE INDEX mailboxes_domain_quota ON mailboxes (domain, quota_bytes);
