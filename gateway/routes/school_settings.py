"""The admin's school: settings, terms, the logo and the yearly promotion."""

import base64

from aiohttp import web

from shared.contracts.roster import (
    LOGO_MAX_BYTES,
    PromoteQuery,
    Promotion,
    PromotionUndone,
    SchoolChanges,
    SchoolSettings,
    TermIn,
    TermSwitch,
)
from shared.errors import BadFile, FileTooLarge, InvalidInput

from gateway.api import ADMIN, USER, Call
from gateway.routes import api

TAG = "学校设置"
LOGO_TOO_LARGE = f"学校LOGO不能超过{LOGO_MAX_BYTES // 1024}KB，请压缩后再上传"


@api.route("GET", "/school/settings", auth=ADMIN, response=SchoolSettings, tag=TAG,
           summary="学校设置页：名称、学段、当前学年学期（文字）、是否有LOGO、"
                   "教师人数、学科数量、班级数量")
async def school_settings(call: Call):
    return await call.rpc("roster.school_settings")


@api.route("PATCH", "/school", auth=ADMIN, body=SchoolChanges, response=SchoolSettings,
           tag=TAG,
           summary="修改学校名称、学段（primary/junior/senior）、当前学年"
                   "（2026-2027）或学期（1 第一学期、2 第二学期）；只改提交的字段。"
                   "增加学段会添加其年级与常用学科；去掉的学段若还有班级或学生则拒绝")
async def update_school(call: Call):
    changes = call.body.model_dump(mode="json", exclude_unset=True)
    return await call.rpc("roster.update_school_settings", changes)


@api.route("POST", "/school/term", auth=ADMIN, body=TermIn, response=TermSwitch,
           tag=TAG,
           summary="切换学期：写明要切换到的学年和学期（如 2026-2027 第2学期）；"
                   "已在该学期则不做改动（changed 为 false）。进入新学年请用一键升学年")
async def switch_term(call: Call):
    return await call.rpc("roster.switch_term", call.body)


@api.route("PUT", "/school/logo", auth=ADMIN, response=SchoolSettings, tag=TAG,
           upload=("image/png", "image/jpeg"),
           summary="上传学校LOGO：请求内容即图片本身（PNG 或 JPEG，不超过512KB）")
async def set_logo(call: Call):
    content = await read_logo(call.request)
    return await call.rpc("roster.set_school_logo",
                          {"content_b64": base64.b64encode(content).decode()})


@api.route("GET", "/school/logo", auth=USER, binary="image/png", tag=TAG,
           summary="学校LOGO图片（PNG 或 JPEG）；未设置时 404")
async def get_logo(call: Call):
    logo = await call.rpc("roster.school_logo")
    return web.Response(body=base64.b64decode(logo["content_b64"]),
                        content_type=logo["content_type"],
                        headers={"Cache-Control": "private, no-cache"})


@api.route("DELETE", "/school/logo", auth=ADMIN, response=SchoolSettings, tag=TAG,
           summary="删除学校LOGO")
async def remove_logo(call: Call):
    return await call.rpc("roster.remove_school_logo")


@api.route("POST", "/school/promote", auth=ADMIN, query=PromoteQuery,
           response=Promotion, tag=TAG,
           summary="一键升学年：dry_run=true 只预览将发生的变化；不带则照此执行——"
                   "各班升一个年级，毕业年级的班级不再属于任何年级、其学生毕业"
                   "（初三、高三，以及没有初中的学校的六年级；初三不升入高一），"
                   "学年加一并回到第一学期。两个请求同时到达只执行一次；"
                   "可带 from_year 防止重复升学年")
async def promote(call: Call):
    return await call.rpc("roster.promote", call.query)


@api.route("POST", "/school/promote/undo", auth=ADMIN, response=PromotionUndone,
           tag=TAG,
           summary="撤销最近一次升学年：升学年后涉及的班级、学生和学年学期都没有再改动"
                   "时才能撤销，否则 409 并说明改动了什么")
async def undo_promotion(call: Call):
    return await call.rpc("roster.undo_promotion")


async def read_logo(request: web.Request) -> bytes:
    """The request body as the image, refused past the size limit before it is read."""
    if request.content_type.startswith("multipart/"):
        raise InvalidInput("请直接把图片作为请求内容上传"
                           "（Content-Type: image/png 或 image/jpeg），不要用表单")
    if (request.content_length or 0) > LOGO_MAX_BYTES:
        raise FileTooLarge(LOGO_TOO_LARGE)
    content = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        content.extend(chunk)
        if len(content) > LOGO_MAX_BYTES:
            raise FileTooLarge(LOGO_TOO_LARGE)
    if not content:
        raise BadFile("没有收到图片：请把 PNG 或 JPEG 图片作为请求内容上传")
    return bytes(content)
