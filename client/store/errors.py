"""Why the local store cannot be opened, each with a message for the clerk.

The window and the CLI show `.message`; the English text goes to the log.
"""
from __future__ import annotations


class StoreError(Exception):
    message = "本机数据库出现问题，请联系管理员"

    def __init__(self, detail: str = "", message: str | None = None):
        super().__init__(detail or self.message)
        if message is not None:
            self.message = message


class StoreLocked(StoreError):
    """The file is not a database under this key: wrong key, or encrypted vs. plaintext."""

    message = ("无法打开本机数据库：密钥与数据库不匹配（或数据库文件已损坏）。"
               "请不要删除数据目录，联系管理员核对本机密钥环中的“onewindow / store-key”。")


class StoreKeyMissing(StoreError):
    """An encrypted store exists but the keyring no longer holds its key."""

    message = ("本机数据库已加密，但系统密钥环中找不到它的密钥（可能换了系统账户或密钥环被清空）。"
               "为防止数据丢失，程序不会新建密钥。请联系管理员恢复密钥环，或由后台重新下发数据。")


class StoreCorrupted(StoreError):
    """`PRAGMA integrity_check` found damage."""

    message = ("本机数据库完整性检查未通过，文件可能已损坏（如突然断电或磁盘故障）。"
               "请暂停受理，不要删除数据目录，立即联系管理员导出并修复；已报送后台的办件不会丢失。")
