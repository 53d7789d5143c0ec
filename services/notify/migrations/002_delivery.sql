-- Sending is separate from receiving: a message waits in 'queued' until its turn
-- (next_attempt_at), is 'sending' while a sender holds it (until the lease in
-- next_attempt_at ends), is retried with growing pauses, and ends 'sent' or 'dead'.
ALTER TABLE messages
    ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN dead_at timestamptz,
    DROP CONSTRAINT messages_state_check,
    ADD CONSTRAINT messages_state_check
        CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'dead'));
CREATE INDEX messages_due ON messages (next_attempt_at)
    WHERE state IN ('queued', 'sending');
CREATE INDEX messages_recent_by_recipient ON messages (recipient, sent_at);
