-- A student number is unique within its class, not across the school: the manual
-- and the schools' own rosters number each class 01, 02, ... Current students
-- without a class share one numbering per grade. The class alone is the key of a
-- placed student, so a class moving up a grade never collides with another.
DROP INDEX students_number_in_school;
CREATE UNIQUE INDEX students_number_in_class
    ON students (class_id, student_number)
    WHERE status <> 'graduated' AND student_number IS NOT NULL
      AND class_id IS NOT NULL;
CREATE UNIQUE INDEX students_number_in_grade_unplaced
    ON students (school_id, grade, student_number)
    WHERE status <> 'graduated' AND student_number IS NOT NULL
      AND class_id IS NULL;
