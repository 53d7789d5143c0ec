"""Message texts. Each template names the parameters it needs."""

from shared.errors import InvalidInput

TEMPLATES = {
    "admin_welcome": "【校园云】{name}老师您好，您的学校管理员账号已开通，"
                     "请使用本手机号和设置的密码登录。",
    "verification_code": "【校园云】您的验证码是{code}，5分钟内有效。"
                         "如非本人操作请忽略。",
    "recovery_code": "【校园云】您正在找回密码，验证码是{code}，5分钟内有效。"
                     "如非本人操作请忽略，并请勿将验证码告诉他人。",
}

# Messages carrying a secret: once delivered (or given up on), their text is not kept.
SECRET_TEMPLATES = ("verification_code", "recovery_code")
FORGOTTEN_BODY = "（内容含验证码，发送后不再保存）"


def render(template: str, params: dict) -> str:
    try:
        return TEMPLATES[template].format(**params)
    except KeyError as missing:
        raise InvalidInput(f"短信模板“{template}”缺少参数或不存在：{missing}") from None
