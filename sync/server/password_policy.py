"""What a real account's password must be: long, mixed, not the name, not a common one.

Checked where an administrator sets a password (`onewindow-server user-add`); the demo's
accounts are exempt on purpose and marked as demo instead. The rule follows what a level-3
assessment (等保 2.0) asks of "口令复杂度": length, several character classes, no trivial values.
"""

from __future__ import annotations

import string

MIN_LENGTH = 10
MIN_CLASSES = 3
# The passwords guessed first (leaked-password top lists, Chinese keyboard and pinyin habits),
# compared in lower case with the case-insensitive substrings below.
COMMON_PASSWORDS = frozenset(
    {
        "123456",
        "12345678",
        "123456789",
        "1234567890",
        "password",
        "password1",
        "password123",
        "p@ssw0rd",
        "p@ssw0rd123",
        "passw0rd",
        "qwerty",
        "qwerty123",
        "qwertyuiop",
        "1qaz2wsx",
        "1qaz@wsx",
        "1qaz@wsx3edc",
        "1q2w3e4r",
        "1q2w3e4r5t",
        "abc123",
        "abc@123",
        "abcd1234",
        "abcd@1234",
        "admin",
        "admin123",
        "admin@123",
        "admin@1234",
        "administrator",
        "root@123",
        "test@123",
        "welcome1",
        "woaini1314",
        "5201314",
        "iloveyou",
        "aa123456",
        "a123456789",
        "zxcvbnm",
        "zxcvbnm123",
        "111111",
        "000000",
        "888888",
        "666666",
        "onewindow",
        "onewindow123",
        "yichuangtong",
    }
)


def _classes(password: str) -> int:
    return sum(
        (
            any(c in string.ascii_lowercase for c in password),
            any(c in string.ascii_uppercase for c in password),
            any(c in string.digits for c in password),
            any(not c.isascii() or not c.isalnum() for c in password),
        )
    )


def password_problem(username: str, password: str) -> str:
    """The rule `password` breaks, in Chinese for the administrator; "" when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"密码至少需要 {MIN_LENGTH} 个字符"
    if _classes(password) < MIN_CLASSES:
        return f"密码须包含大写字母、小写字母、数字、符号中的至少 {MIN_CLASSES} 类"
    lowered, name = password.lower(), username.strip().lower()
    if name and (name in lowered or lowered in name):
        return "密码不能包含用户名"
    if lowered in COMMON_PASSWORDS or lowered.rstrip(string.punctuation + string.digits) in COMMON_PASSWORDS:
        return "密码过于常见，请换一个不易猜到的密码"
    return ""
