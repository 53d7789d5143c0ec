-- A teacher's phone number is theirs alone within the school: it is how they log
-- in and how the school reaches them, so two teachers of one school never share
-- one. Checked by the handlers too, to name who has it; this index settles two
-- requests that arrive together.
CREATE UNIQUE INDEX teachers_phone_in_school ON teachers (school_id, phone)
    WHERE phone IS NOT NULL;
