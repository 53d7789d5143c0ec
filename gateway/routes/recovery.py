"""Password recovery by verified phone or e-mail."""

from shared.contracts.identity import (
    CodeIn,
    NewPasswordIn,
    RecoveryStartIn,
    RecoveryView,
)

from gateway.api import PUBLIC, Call
from gateway.routes import api

GONE = "找回密码已过期或不存在，请重新开始"


async def _step(call: Call, method: str):
    recovery_id = call.path_uuid("id", GONE)
    return await call.rpc(f"identity.{method}",
                          {"recovery_id": recovery_id, **call.body.model_dump()})


@api.route("POST", "/recovery/start", auth=PUBLIC, body=RecoveryStartIn,
           response=RecoveryView, tag="找回密码",
           summary="找回密码：输入已绑定的手机号或邮箱，发送验证码（无论账号是否存在，"
                   "回答都相同）")
async def start_recovery(call: Call):
    return await call.rpc("identity.start_recovery", call.body)


@api.route("POST", "/recovery/{id}/verify", auth=PUBLIC, body=CodeIn,
           response=RecoveryView, tag="找回密码",
           summary="输入验证码（5分钟内有效，最多错5次）")
async def recovery_verify(call: Call):
    return await _step(call, "recovery_verify")


@api.route("POST", "/recovery/{id}/password", auth=PUBLIC, body=NewPasswordIn,
           response=RecoveryView, tag="找回密码",
           summary="设置新密码：该账号所有登录状态随之失效")
async def recovery_password(call: Call):
    return await _step(call, "recovery_password")
