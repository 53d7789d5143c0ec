-- The whole school model of the manual. Grades are numbered across stages:
-- 1-6 primary (一年级..六年级), 7-9 junior (初一..初三), 10-12 senior (高一..高三).

ALTER TABLE schools
    ADD COLUMN logo bytea,
    ADD COLUMN logo_type text,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
-- academic_year is '2026-2027'; term is 1 (第一学期) or 2 (第二学期).
ALTER TABLE schools ALTER COLUMN term TYPE smallint USING NULL;

-- Every row that a promotion may touch carries a version, bumped on each update,
-- so undoing a promotion can tell whether anything changed since.
CREATE FUNCTION bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1;
    NEW.updated_at := now();
    RETURN NEW;
END $$;

CREATE TABLE grades (
    school_id uuid NOT NULL REFERENCES schools (id),
    grade smallint NOT NULL CHECK (grade BETWEEN 1 AND 12),
    subject_mode text NOT NULL DEFAULT 'normal' CHECK (subject_mode IN ('normal', '3+3')),
    PRIMARY KEY (school_id, grade)
);

CREATE TABLE subjects (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    school_id uuid NOT NULL,
    grade smallint NOT NULL,
    category text NOT NULL CHECK (category IN
        ('思想品德', '学业水平', '身心健康', '艺术素养', '社会实践', '体艺2+1', '校本课程')),
    name text NOT NULL,
    sort_order integer NOT NULL DEFAULT 0,
    FOREIGN KEY (school_id, grade) REFERENCES grades (school_id, grade),
    UNIQUE (school_id, grade, name)
);

CREATE TABLE classes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    school_id uuid NOT NULL REFERENCES schools (id),
    -- NULL once a promotion moved the class past the school's top grade.
    grade smallint CHECK (grade BETWEEN 1 AND 12),
    kind text NOT NULL DEFAULT 'administrative'
        CHECK (kind IN ('administrative', 'tiered', 'elective')),
    number integer NOT NULL CHECK (number BETWEEN 1 AND 999),
    alias text,
    virtual boolean NOT NULL DEFAULT false,
    sort_order integer NOT NULL DEFAULT 0,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX classes_numbered ON classes (school_id, grade, kind, number)
    WHERE grade IS NOT NULL;
CREATE TRIGGER classes_version BEFORE UPDATE ON classes
    FOR EACH ROW EXECUTE FUNCTION bump_version();

CREATE TABLE students (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    school_id uuid NOT NULL REFERENCES schools (id),
    kid bigint NOT NULL UNIQUE DEFAULT nextval('kid_seq'),
    name text NOT NULL,
    gender text NOT NULL CHECK (gender IN ('男', '女')),
    id_type text NOT NULL,
    id_number text,
    grade smallint CHECK (grade BETWEEN 1 AND 12),
    class_id uuid REFERENCES classes (id),
    student_number text,
    registry_number text,
    enrolment text NOT NULL DEFAULT '在籍' CHECK (enrolment IN ('在籍', '借读')),
    status text NOT NULL DEFAULT 'active'
        CHECK (status IN ('active', 'disabled', 'graduated')),
    graduated_at timestamptz,
    import_ref text UNIQUE,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- Student numbers are unique among a school's current students; ID numbers are
-- unique on the platform among current students (graduates keep theirs on record).
CREATE UNIQUE INDEX students_number_in_school ON students (school_id, student_number)
    WHERE status <> 'graduated' AND student_number IS NOT NULL;
CREATE UNIQUE INDEX students_current_id_document ON students (id_type, id_number)
    WHERE status <> 'graduated' AND id_number IS NOT NULL;
CREATE INDEX students_by_class ON students (class_id);
CREATE INDEX students_by_school_grade ON students (school_id, grade, status);
CREATE INDEX students_by_name ON students (school_id, name);
CREATE TRIGGER students_version BEFORE UPDATE ON students
    FOR EACH ROW EXECUTE FUNCTION bump_version();

-- Where a student sat, term by term: kept with the archive when they leave.
CREATE TABLE student_class_history (
    id bigserial PRIMARY KEY,
    student_id uuid NOT NULL,
    school_id uuid NOT NULL,
    class_id uuid,
    grade smallint,
    academic_year text,
    term smallint,
    started_at timestamptz NOT NULL DEFAULT now(),
    ended_at timestamptz
);
CREATE INDEX student_class_history_by_student ON student_class_history (student_id);

-- A transferred-out student's record and class history, readable afterwards; the
-- person (kid) is found again by ID number when they transfer in elsewhere.
CREATE TABLE student_archive (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    student_id uuid NOT NULL,
    school_id uuid NOT NULL,
    kid bigint NOT NULL,
    id_type text NOT NULL,
    id_number text,
    record jsonb NOT NULL,
    class_history jsonb NOT NULL,
    reason text,
    transferred_out_at timestamptz NOT NULL DEFAULT now(),
    transferred_in_school_id uuid
);
CREATE INDEX student_archive_by_document ON student_archive (id_type, id_number);
CREATE INDEX student_archive_by_school ON student_archive (school_id, transferred_out_at DESC);

-- Preparation groups (备课组): per grade and subject; a leader is always a member.
CREATE TABLE prep_group_members (
    school_id uuid NOT NULL,
    grade smallint NOT NULL,
    subject_id uuid NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
    teacher_id uuid NOT NULL REFERENCES teachers (id) ON DELETE CASCADE,
    is_leader boolean NOT NULL DEFAULT false,
    PRIMARY KEY (subject_id, teacher_id)
);
CREATE INDEX prep_group_members_by_grade ON prep_group_members (school_id, grade);

CREATE TABLE grade_leaders (
    school_id uuid NOT NULL,
    grade smallint NOT NULL,
    teacher_id uuid NOT NULL REFERENCES teachers (id) ON DELETE CASCADE,
    PRIMARY KEY (school_id, grade, teacher_id)
);

CREATE TABLE class_head_teachers (
    class_id uuid PRIMARY KEY REFERENCES classes (id) ON DELETE CASCADE,
    teacher_id uuid NOT NULL REFERENCES teachers (id) ON DELETE CASCADE
);

CREATE TABLE class_subject_teachers (
    class_id uuid NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    subject_id uuid NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
    teacher_id uuid NOT NULL REFERENCES teachers (id) ON DELETE CASCADE,
    PRIMARY KEY (class_id, subject_id, teacher_id)
);

-- The last promotions, with what they changed, so the newest can be undone.
CREATE TABLE promotions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    school_id uuid NOT NULL REFERENCES schools (id),
    applied_at timestamptz NOT NULL DEFAULT now(),
    applied_by uuid,
    from_year text,
    to_year text,
    -- [{"id", "kind": "class"|"student", "before": {...}, "version": n}]
    changes jsonb NOT NULL,
    undone_at timestamptz
);
CREATE INDEX promotions_by_school ON promotions (school_id, applied_at DESC);

-- Every change made by a person: who, when, what, before and after.
CREATE TABLE audit_log (
    id bigserial PRIMARY KEY,
    school_id uuid,
    at timestamptz NOT NULL DEFAULT now(),
    actor_account_id uuid,
    actor_kid bigint,
    actor_kind text,
    action text NOT NULL,
    target_kind text NOT NULL,
    target_id text,
    before jsonb,
    after jsonb,
    request_id text
);
CREATE INDEX audit_log_by_school ON audit_log (school_id, at DESC);
CREATE INDEX audit_log_by_school_kind ON audit_log (school_id, target_kind, at DESC);

-- Teachers: a version like the rest, and deletion for good keeps nothing.
ALTER TABLE teachers ADD COLUMN version integer NOT NULL DEFAULT 1;
CREATE TRIGGER teachers_version BEFORE UPDATE ON teachers
    FOR EACH ROW EXECUTE FUNCTION bump_version();
