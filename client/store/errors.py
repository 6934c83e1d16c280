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

    message = (
        "无法打开本机数据库：密钥与数据库不匹配（或数据库文件已损坏）。"
        "请不要删除数据目录，联系管理员核对本机密钥环中的“onewindow / store-key”。"
    )


class StoreKeyMissing(StoreError):
    """An encrypted store exists but the keyring no longer holds its key."""

    message = (
        "本机数据库已加密，但系统密钥环中找不到它的密钥（可能换了系统账户或密钥环被清空）。"
        "为防止数据丢失，程序不会新建密钥。请联系管理员恢复密钥环，或由后台重新下发数据。"
    )


class StoreCorrupted(StoreError):
    """`PRAGMA integrity_check` found damage."""

    message = (
        "本机数据库完整性检查未通过，文件可能已损坏（如突然断电或磁盘故障）。"
        "请暂停受理，不要删除数据目录，立即联系管理员导出并修复；已报送后台的办件不会丢失。"
    )


class StoreRescued(StoreError):
    """The store was damaged; what could be read is sealed in a rescue file and the
    damaged file was set aside, so the next start opens a fresh store."""

    def __init__(self, detail: str, *, rescue_file, moved_to, cases: int, unsent: int, complete: bool):
        lost = "" if complete else "部分记录已无法读取，"
        super().__init__(
            detail,
            (
                f"本机数据库已损坏（{detail[:60]}）。{lost}可读取的 {cases} 件办件及 {unsent} 条未上报记录"
                f"已加密导出到：{rescue_file}；损坏的数据库文件已原样保留在：{moved_to}（未删除）。"
                "请重新启动本程序，系统已新建本机数据库，可以继续受理；联网后将自动从后台恢复本机构的在办办件，"
                "后台尚未收到的记录将重新排队报送，无法恢复的会在同步状态中提示。"
                "请同时告知管理员：管理员可用 onewindow store rescue <导出文件> 查看导出的办件。"
            ),
        )
        self.rescue_file = rescue_file
        self.moved_to = moved_to


class StoreUnreadableRescue(StoreError):
    """A rescue file that this machine's key cannot open (other machine, edited, truncated)."""

    message = (
        "无法解密该导出文件：文件不完整、被修改，或不是用本机密钥导出的。"
        "请在导出该文件的电脑上（使用同一系统账户的密钥环）执行。"
    )
