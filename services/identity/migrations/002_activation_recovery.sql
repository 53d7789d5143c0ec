-- Activation and recovery: step-by-step records, the codes they send, parent links.

-- One person activating one account, step by step; the id is the only handle the
-- client holds, so it is random (gen_random_uuid) and short-lived.
CREATE TABLE activations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind text NOT NULL CHECK (kind IN ('teacher', 'student', 'parent')),
    -- Teacher and student: the account being activated. Parent: the parent account
    -- the verified phone already has, if any.
    account_id uuid REFERENCES accounts (id) ON DELETE CASCADE,
    -- Parent: the child's account and how the parent is related to the child.
    student_account_id uuid REFERENCES accounts (id) ON DELETE CASCADE,
    relation text CHECK (relation IN ('father', 'mother', 'relative')),
    phone text,
    step text NOT NULL DEFAULT 'started'
        CHECK (step IN ('started', 'code_sent', 'verified', 'done')),
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);

-- A password reset; account_id is NULL when the login named no account, so that the
-- answers stay the same either way.
CREATE TABLE recoveries (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id uuid REFERENCES accounts (id) ON DELETE CASCADE,
    recipient text NOT NULL,
    channel text NOT NULL CHECK (channel IN ('sms', 'email')),
    step text NOT NULL DEFAULT 'code_sent'
        CHECK (step IN ('code_sent', 'verified', 'done')),
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);

-- Every code issued, kept a day at least: the sending limits count them.
CREATE TABLE verification_codes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    recipient text NOT NULL,
    channel text NOT NULL CHECK (channel IN ('sms', 'email')),
    purpose text NOT NULL CHECK (purpose IN ('activation', 'recovery')),
    -- The activation or recovery the code belongs to.
    subject_id uuid NOT NULL,
    code_hash text NOT NULL,
    wrong_attempts integer NOT NULL DEFAULT 0,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    used_at timestamptz,
    dead_at timestamptz
);
CREATE INDEX verification_codes_by_recipient
    ON verification_codes (recipient, created_at DESC);
CREATE INDEX verification_codes_by_subject
    ON verification_codes (subject_id, created_at DESC);

-- A parent account linked to one roster record of a student. The student's ID
-- document is remembered so that the parent can be linked again to a new record of
-- the same child (a transfer in, a record made again).
CREATE TABLE parent_links (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    parent_account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    student_kid bigint NOT NULL,
    student_id uuid NOT NULL,
    school_id uuid NOT NULL,
    student_id_type text,
    student_id_number text,
    relation text NOT NULL CHECK (relation IN ('father', 'mother', 'relative')),
    made_by text NOT NULL CHECK (made_by IN ('activation', 'sync')),
    created_at timestamptz NOT NULL DEFAULT now(),
    -- Set when the student's record leaves the school.
    ended_at timestamptz
);
CREATE UNIQUE INDEX parent_links_live
    ON parent_links (parent_account_id, student_id) WHERE ended_at IS NULL;
CREATE INDEX parent_links_by_student ON parent_links (student_id) WHERE ended_at IS NULL;
CREATE INDEX parent_links_by_document
    ON parent_links (student_id_type, student_id_number)
    WHERE student_id_number IS NOT NULL;
