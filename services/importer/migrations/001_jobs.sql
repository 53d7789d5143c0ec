CREATE TABLE jobs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    school_id uuid NOT NULL,
    kind text NOT NULL,
    state text NOT NULL DEFAULT 'queued' CHECK (state IN
        ('queued', 'parsing', 'ready', 'committing', 'done', 'failed')),
    filename text NOT NULL,
    file bytea NOT NULL,
    -- The admin who uploaded, replayed as the caller when the worker commits.
    caller jsonb NOT NULL,
    all_or_nothing boolean NOT NULL DEFAULT false,
    total integer NOT NULL DEFAULT 0,
    done integer NOT NULL DEFAULT 0,
    ok integer NOT NULL DEFAULT 0,
    warnings integer NOT NULL DEFAULT 0,
    errors integer NOT NULL DEFAULT 0,
    committed integer NOT NULL DEFAULT 0,
    failure text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE INDEX jobs_by_school ON jobs (school_id, created_at DESC);

CREATE TABLE job_rows (
    job_id uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    row integer NOT NULL,
    status text NOT NULL CHECK (status IN ('ok', 'warning', 'error')),
    messages jsonb NOT NULL DEFAULT '[]',
    data jsonb NOT NULL,
    raw jsonb NOT NULL,
    committed boolean NOT NULL DEFAULT false,
    kid bigint,
    PRIMARY KEY (job_id, row)
);
