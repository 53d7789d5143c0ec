"""People's names as the manual's forms take them: at most 20 characters.

Digits inside a name are allowed because the manual tells admins to tell same-name
teachers apart as 张三1, 张三2; a name made only of digits is a mistyped column.
"""

from shared.validators.text import InvalidValue, clean_text

PERSON_NAME_MAX = 20


def clean_person_name(
    raw: object, *, label: str = "姓名", max_length: int = PERSON_NAME_MAX
) -> str:
    """The trimmed name, or InvalidValue when it is empty, too long or not a name."""
    name = clean_text(raw, label=label)

    if name is None:
        raise InvalidValue(f"{label}不能为空")
    if len(name) > max_length:
        raise InvalidValue(f"{label}不能超过{max_length}个字，现在有{len(name)}个")
    if name.isdigit() or isinstance(raw, int | float):
        raise InvalidValue(f"{label}不能只有数字，请检查是否填错了列")
    return name
