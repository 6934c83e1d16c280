"""The one error type views catch: its `message` is plain Chinese with what to do next."""


class ServiceError(Exception):
    def __init__(self, message: str, detail: str = ""):
        super().__init__(f"{message} [{detail}]" if detail else message)
        self.message = message


def clerk_message(exc: BaseException, fallback: str) -> str:
    """Chinese text for any error a device, the network or the store raised."""
    return getattr(exc, "message", None) or fallback
