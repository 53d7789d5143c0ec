"""The delivery log of text messages and e-mails, for platform operators."""

from shared.contracts.notify import MessagePage, MessageQuery

from gateway.api import OPERATOR, Call
from gateway.routes import api


@api.route("GET", "/platform/notifications", auth=OPERATOR, query=MessageQuery,
           response=MessagePage, tag="通知",
           summary="短信和邮件的发送记录（收件人打码，不含内容）："
                   "queued 排队、sent 已发送、dead 多次重试仍失败")
async def list_notifications(call: Call):
    return await call.rpc("notify.list_messages", call.query)
