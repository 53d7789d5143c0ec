CREATE TABLE messages (
    id uuid PRIMARY KEY,
    channel text NOT NULL CHECK (channel IN ('sms', 'email')),
    recipient text NOT NULL,
    template text NOT NULL,
    body text NOT NULL,
    state text NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'sent', 'failed', 'dead')),
    attempts integer NOT NULL DEFAULT 0,
    provider text,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz
);
CREATE INDEX messages_by_recipient ON messages (recipient, created_at DESC);
