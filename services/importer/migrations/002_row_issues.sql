-- Staffing imports keep the teacher names of a row that matched several teachers
-- (or none) with the row, in data->'issues', together with the admin's choice.
-- Each choice, and each row the admin leaves out, is also logged here: who
-- settled what, and when.
CREATE TABLE job_resolutions (
    id bigserial PRIMARY KEY,
    job_id uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    row integer NOT NULL,
    -- Both NULL when the whole row was left out of the import.
    column_name text,
    name text,
    teacher_id uuid,
    account_id uuid,
    resolved_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_resolutions_by_job ON job_resolutions (job_id, row);
