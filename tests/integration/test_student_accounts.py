"""Identity keeps a student's account in step with the roster, keyed by the kid."""

import asyncio

from tests.integration.test_students import add_student, id_number, make_class


async def account_of(db, kid: int, *, until=None, seconds: float = 5.0):
    """The student's identity account once `until(account)` holds (events are async)."""
    for _ in range(int(seconds * 10)):
        row = await db.fetchrow(
            "SELECT kind, school_id, status, person_id FROM identity.accounts"
            " WHERE kid = $1", kid)
        if row is not None and (until is None or until(row)):
            return row
        await asyncio.sleep(0.1)
    raise AssertionError(f"account of {kid} never reached the expected state: {row}")


async def test_a_new_student_gets_an_account_waiting_for_activation(new_school, db):
    admin = await new_school()
    klass = await make_class(admin, 7, 1)

    student = await add_student(admin, class_id=klass)

    account = await account_of(db, student["kid"])
    assert account["kind"] == "student"
    assert str(account["school_id"]) == admin.school["id"]
    assert account["status"] == "pending"


async def test_disabling_and_transferring_follow_the_student(new_school, db):
    first, second = await new_school(), await new_school()
    number = id_number()
    student = await add_student(first, class_id=await make_class(first, 7, 1),
                                id_number=number)
    await account_of(db, student["kid"])

    await first.json("POST", "/students/disable", json={"student_ids": [student["id"]]})
    disabled = await account_of(db, student["kid"],
                                until=lambda a: a["status"] == "disabled")
    await first.json("POST", "/students/enable", json={"student_ids": [student["id"]]})
    await first.json("POST", f"/students/{student['id']}/transfer-out", json={})
    left = await account_of(db, student["kid"],
                            until=lambda a: a["status"] == "deleted")
    arrived = await add_student(second, class_id=await make_class(second, 7, 1),
                                id_number=number)
    moved = await account_of(db, student["kid"],
                             until=lambda a: a["status"] == "pending")

    assert disabled["status"] == "disabled" and left["status"] == "deleted"
    assert arrived["kid"] == student["kid"]
    assert str(moved["school_id"]) == second.school["id"]
    assert str(moved["person_id"]) == arrived["id"]
