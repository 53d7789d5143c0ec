"""Grades and their subjects."""

from services.roster.grades import STAGE_GRADES
from services.roster.subjects import default_subjects


class GradeHandlers:
    async def seed_default_subjects(self, connection, school_id, stages) -> None:
        """Give every grade of a new school the usual subjects of its stage."""
        rows = [
            (school_id, grade, category, name, order)
            for stage in stages
            for grade in STAGE_GRADES[stage]
            for order, (category, name) in enumerate(default_subjects(stage))
        ]
        await connection.executemany(
            "INSERT INTO subjects (school_id, grade, category, name, sort_order)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            rows,
        )
