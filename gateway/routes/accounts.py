"""Login, tokens and the caller's own account."""

from shared.contracts.identity import (
    AccountView,
    LoginIn,
    PasswordChangeIn,
    RefreshIn,
    Tokens,
)

from gateway.api import PUBLIC, USER, Call
from gateway.auth import bearer_token
from gateway.routes import api


@api.route("POST", "/auth/login", auth=PUBLIC, body=LoginIn, response=Tokens,
           tag="账号", summary="用户登录：kid、已验证的手机号或邮箱加密码")
async def login(call: Call):
    return await call.rpc("identity.login",
                          call.body.model_dump() | {"realm": "school"})


@api.route("POST", "/platform/auth/login", auth=PUBLIC, body=LoginIn, response=Tokens,
           tag="账号", summary="管理登录：平台管理员")
async def platform_login(call: Call):
    return await call.rpc("identity.login",
                          call.body.model_dump() | {"realm": "platform"})


@api.route("POST", "/auth/refresh", auth=PUBLIC, body=RefreshIn, response=Tokens,
           tag="账号", summary="用刷新令牌换新令牌（每个刷新令牌只能用一次）")
async def refresh(call: Call):
    return await call.rpc("identity.refresh", call.body)


@api.route("POST", "/auth/logout", auth=USER, tag="账号", summary="退出登录")
async def logout(call: Call):
    token = bearer_token(call.request)
    await call.rpc("identity.logout", {"token": token})
    call.request.app["authenticator"].forget(token)
    return {"ok": True}


@api.route("GET", "/me", auth=USER, response=AccountView, tag="账号",
           summary="当前登录的账号；家长账号的 children 列出关联的孩子"
                   "（kid、姓名、relation）")
async def me(call: Call):
    return await call.rpc("identity.me")


@api.route("POST", "/auth/password", auth=USER, body=PasswordChangeIn, tag="账号",
           summary="修改密码（须提供原密码）：本次登录保留，其他登录状态失效；"
                   "批量激活的学生首次登录须先修改密码")
async def change_password(call: Call):
    token = bearer_token(call.request)
    answer = await call.rpc("identity.change_password",
                            call.body.model_dump() | {"token": token})
    # The remembered account still says the password must change.
    call.request.app["authenticator"].forget(token)
    return answer
