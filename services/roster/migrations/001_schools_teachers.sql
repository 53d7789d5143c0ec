-- Platform-wide person numbers: the login name of students, the key of activation.
CREATE SEQUENCE kid_seq START WITH 18000001;

CREATE TABLE schools (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL UNIQUE,
    stages text[] NOT NULL,
    academic_year text,
    term text,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE teachers (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    school_id uuid NOT NULL REFERENCES schools (id),
    kid bigint NOT NULL UNIQUE DEFAULT nextval('kid_seq'),
    name text NOT NULL,
    gender text NOT NULL CHECK (gender IN ('男', '女')),
    id_type text NOT NULL,
    id_number text,
    phone text,
    remark text,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    permissions text[] NOT NULL DEFAULT '{}',
    -- "<import job>:<sheet row>" for teachers made by an import: a batch sent
    -- again after a crash finds its rows already here.
    import_ref text UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX teachers_id_document ON teachers (school_id, id_type, id_number)
    WHERE id_number IS NOT NULL;
CREATE INDEX teachers_by_school_name ON teachers (school_id, name);
