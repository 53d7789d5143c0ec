CREATE TABLE accounts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind text NOT NULL CHECK (kind IN ('operator', 'teacher', 'student', 'parent')),
    kid bigint UNIQUE,
    login_name text UNIQUE,
    person_id uuid UNIQUE,
    school_id uuid,
    name text,
    phone text,
    phone_verified boolean NOT NULL DEFAULT false,
    email text,
    email_verified boolean NOT NULL DEFAULT false,
    permissions text[] NOT NULL DEFAULT '{}',
    password_hash text,
    status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'active', 'disabled', 'deleted')),
    must_change_password boolean NOT NULL DEFAULT false,
    failed_logins integer NOT NULL DEFAULT 0,
    locked_until timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- A verified phone or e-mail is a login name, so it may belong to one account only.
CREATE UNIQUE INDEX accounts_verified_phone ON accounts (phone) WHERE phone_verified;
CREATE UNIQUE INDEX accounts_verified_email ON accounts (lower(email)) WHERE email_verified;

CREATE TABLE sessions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    access_hash bytea NOT NULL UNIQUE,
    access_expires_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    revoked_reason text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_live_by_account ON sessions (account_id) WHERE revoked_at IS NULL;

-- Every refresh token ever issued: a used one presented again ends its session.
CREATE TABLE refresh_tokens (
    token_hash bytea PRIMARY KEY,
    session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    used_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
