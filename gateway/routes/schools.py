"""Schools: created by platform operators, read by their members."""

from shared.contracts.common import PageQuery
from shared.contracts.roster import AdminIn, School, SchoolIn, Teacher
from shared.errors import DomainError

from gateway.api import OPERATOR, USER, Call
from gateway.routes import api


@api.route("POST", "/schools", auth=OPERATOR, body=SchoolIn, response=School,
           status=201, tag="学校", summary="创建学校")
async def create_school(call: Call):
    return await call.rpc("roster.create_school", call.body)


@api.route("GET", "/schools", auth=OPERATOR, query=PageQuery, tag="学校",
           summary="学校列表")
async def list_schools(call: Call):
    return await call.rpc("roster.list_schools", call.query)


@api.route("POST", "/schools/{id}/admins", auth=OPERATOR, body=AdminIn,
           response=Teacher, status=201, tag="学校",
           summary="为学校添加管理员：一位持有管理员权限、可直接用手机号登录的教师")
async def create_school_admin(call: Call):
    school_id = call.path_uuid("id", "学校不存在")
    admin = call.body
    # The roster record and the account are made by two services: identity is
    # asked first whether it will take the phone and password, and should it
    # refuse anyway (a race), the roster record is taken back.
    await call.rpc("identity.check_school_account",
                   {"phone": admin.phone, "password": admin.password})
    teacher = await call.rpc("roster.create_school_admin", {
        "school_id": school_id, "name": admin.name, "gender": admin.gender,
        "phone": admin.phone,
    })
    try:
        await call.rpc("identity.create_school_account", {
            "kid": teacher["kid"], "person_id": teacher["id"],
            "school_id": school_id, "name": teacher["name"], "phone": admin.phone,
            "password": admin.password, "permissions": teacher["permissions"],
        })
    except DomainError:
        await call.rpc("roster.discard_school_admin",
                       {"school_id": school_id, "teacher_id": teacher["id"]})
        raise
    return teacher


@api.route("GET", "/school", auth=USER, response=School, tag="学校",
           summary="当前账号所在的学校")
async def my_school(call: Call):
    return await call.rpc("roster.get_school")
