"""Display width and wrapping for fixed-pitch thermal paper.

A thermal printer in Chinese mode prints every non-ASCII character (GB18030,
two or four bytes) as a full-width cell, i.e. two half-width columns.
"""

from __future__ import annotations

import unicodedata

# Punctuation that must not start a line (line-breaking rules for Chinese text).
_NO_LINE_START = set("，。、；：？！）》」』”’〕】…%,.;:?!)]}")


_PAIRED = set("—…")


def char_width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 1 if ord(ch) < 0x80 else 2


def display_width(text: str) -> int:
    return sum(char_width(ch) for ch in text)


def wrap_columns(text: str, width: int, indent: int = 0) -> tuple[str, ...]:
    """Wrap text to `width` columns; continuation lines get `indent` spaces.

    ASCII words (numbers, URLs) stay whole when they fit on a line, and closing
    punctuation is carried over with the character before it.
    """
    if width <= indent:
        raise ValueError(f"width {width} leaves no room after indent {indent}")
    tokens = _tokens(text)
    lines: list[list[str]] = [[]]
    used = 0
    room = width
    for tok in tokens:
        w = display_width(tok)
        if used + w <= room:
            lines[-1].append(tok)
            used += w
            continue
        if w > width - indent:  # a word longer than a line: split it by characters
            for ch in tok:
                cw = char_width(ch)
                if used + cw > room:
                    lines.append([" " * indent])
                    used, room = indent, width
                lines[-1].append(ch)
                used += cw
            continue
        carry: list[str] = []
        if tok[0] in _NO_LINE_START and len(lines[-1]) > 1:
            carry.append(lines[-1].pop())
        lines.append([" " * indent, *carry, tok])
        used, room = indent + sum(display_width(c) for c in carry) + w, width
    return tuple("".join(parts).rstrip() for parts in lines)


def balanced_wrap(text: str, width: int) -> tuple[str, ...]:
    """Wrap into as few lines as `wrap_columns` needs, but of even length (for centring).

    A centred office name then reads as two halves instead of a full line and a
    single orphaned character.
    """
    lines = wrap_columns(text, width)
    if len(lines) < 2:
        return lines
    for target in range(-(-display_width(text) // len(lines)), width):
        attempt = wrap_columns(text, target)
        if len(attempt) == len(lines):
            return attempt
    return lines


def _tokens(text: str) -> list[str]:
    """ASCII words (with their trailing space) as one token; anything else one char each."""
    tokens: list[str] = []
    word = ""
    for ch in text:
        if ch.isascii() and not ch.isspace():
            word += ch
            continue
        if word:
            tokens.append(word)
            word = ""
        if ch in _PAIRED and tokens and tokens[-1] == ch:
            tokens[-1] += ch  # —— and …… are one mark and never split
        else:
            tokens.append(ch)
    if word:
        tokens.append(word)
    return tokens
