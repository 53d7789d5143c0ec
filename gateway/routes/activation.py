"""Account activation by kid, and the school admin's batch operations on students'
accounts (initial passwords, parent links)."""

from shared.contracts.identity import (
    ActivationPhoneIn,
    ActivationStartIn,
    ActivationView,
    BatchActivationIn,
    CodeIn,
    NewPasswordIn,
    ScopeIn,
)

from gateway.api import ADMIN, PUBLIC, Call
from gateway.routes import api

GONE = "激活已过期或不存在，请重新开始激活"


async def _step(call: Call, method: str):
    activation_id = call.path_uuid("id", GONE)
    return await call.rpc(f"identity.{method}",
                          {"activation_id": activation_id, **call.body.model_dump()})


@api.route("POST", "/activation/start", auth=PUBLIC, body=ActivationStartIn,
           response=ActivationView, status=201, tag="账号激活",
           summary="开始激活（30分钟内完成）：教师 kind=teacher + kid + 姓名；"
                   "学生 kind=student + kid + 姓名 + i_am_the_student；"
                   "家长 kind=parent + 学生的 kid + student_name + relation"
                   "（father 爸爸、mother 妈妈、relative 亲戚）")
async def start_activation(call: Call):
    return await call.rpc("identity.start_activation", call.body)


@api.route("POST", "/activation/{id}/phone", auth=PUBLIC, body=ActivationPhoneIn,
           response=ActivationView, tag="账号激活",
           summary="教师、家长：填写手机号，发送6位短信验证码（60秒后可重新获取）")
async def activation_phone(call: Call):
    return await _step(call, "activation_phone")


@api.route("POST", "/activation/{id}/verify", auth=PUBLIC, body=CodeIn,
           response=ActivationView, tag="账号激活",
           summary="教师、家长：输入短信验证码（5分钟内有效，最多错5次）；"
                   "existing_account 为 true 表示该手机号已有家长账号")
async def activation_verify(call: Call):
    return await _step(call, "activation_verify")


@api.route("POST", "/activation/{id}/password", auth=PUBLIC, body=NewPasswordIn,
           response=ActivationView, tag="账号激活",
           summary="设置登录密码，激活完成；该手机号已有家长账号时，"
                   "输入该账号的密码以关联新的孩子")
async def activation_password(call: Call):
    return await _step(call, "activation_password")


@api.route("POST", "/students/activate", auth=ADMIN, body=BatchActivationIn,
           tag="学生",
           summary="批量激活：为全校、某年级或某班尚未激活的学生设置初始密码，"
                   "学生首次登录须修改密码；回答 activated（本次激活人数）"
                   "与 students（范围内人数）")
async def activate_students(call: Call):
    return await call.rpc("identity.activate_students", call.body)


@api.route("POST", "/students/sync-parents", auth=ADMIN, body=ScopeIn, tag="学生",
           summary="批量同步家长关系：按学生身份证号把家长账号重新关联到学生"
                   "（如转入的学生）；回答 linked 为新建立的关联数")
async def sync_parents(call: Call):
    return await call.rpc("identity.sync_parents", call.body)
