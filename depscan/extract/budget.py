"""The memory a parse may take, bounded before the parse begins.

CPython's parser keeps every token of a module and builds its whole syntax tree
as objects: about 600 to 900 bytes of memory per token. The size limit on files
(10 MiB by default) does not bound that, since the densest source makes about a
token per byte: one megabyte of ``a`` lines took 912 MB to parse, and a
ten-megabyte file of them would take nine gigabytes. So a module of more than
:data:`MAX_TOKENS` tokens is not parsed (DS014), whatever its size, which bounds
a parse at about a gigabyte. The largest real module seen, Google Cloud SDK's
6 MB ``gcloud_completions.py``, has 713,000 tokens and parses in 312 MB.

The count is cheap where it can be: a file of fewer than ``MAX_TOKENS / 2``
bytes cannot have more tokens than that (a token takes a character, at most a byte, but for the
dedents, which follow indents, and the end), and a larger UTF-8 one is first bounded from above
by a regular expression's count of words and other characters, which runs in
C. Only a file over both is read token by token, strings as strings, up to the limit.
"""

from __future__ import annotations

import re
from typing import AnyStr

from depscan.extract import grammar
from depscan.source import declares_an_encoding

MAX_TOKENS = 1_000_000
"""Modules with more tokens than this are not parsed (DS014)."""

# Each token (but a line end, an indent or a dedent) holds a run of word characters or another
# character that is not space: this counts at least as many pieces as there are such tokens. A run
# holds two tokens where it starts with a number (``1if``, ``0x1f0x1f``): its digits are a piece.
_PIECES = re.compile(rb"[0-9][0-9_]*|[A-Za-z0-9_\x80-\xff]+|[^\sA-Za-z0-9_\x80-\xff]")


def too_many_tokens(source: bytes, limit: int = MAX_TOKENS) -> bool:
    """True when parsing ``source`` would read more than ``limit`` tokens (fields of f-strings counted)."""
    # At most a token a byte (a dedent follows an indent), and a line end and an end marker at the end.
    if 2 * len(source) + 2 <= limit:
        return False
    # In another encoding than UTF-8 the bytes need not bound the text: in UTF-7, ``+AGEACg-`` is ``a``
    # and a line end, and a run of such is one word to a count of bytes.
    if not declares_an_encoding(source) and _pieces(source, limit) + _line_tokens(source) + _braces(source) <= limit:
        return False
    return _tokens(source, limit) > limit


def _line_tokens(source: bytes) -> int:
    """At least as many as the tokens that hold no character: line ends, and the indents (with their
    dedents) the parser takes, which follow a line that ends with a colon (any other is an error)."""
    lines = source.count(b"\n") + source.count(b"\r") + 1
    headers = _count(_HEADER, source)
    return lines + 2 * (headers + 1)


def _braces(source: bytes) -> int:
    """At least as many as the literal parts of f-strings that hold no piece (see :func:`_formatted_tokens`)."""
    return source.count(b"{") + source.count(b"}")


# (A chunk's end counts as a line's: a header cut there is counted, as is, at worst, a colon that is not one.)
_HEADER = re.compile(rb":[ \t\f]*(?:#[^\r\n]*)?(?:[\r\n]|\Z)")


def _pieces(data: bytes, limit: int) -> int:
    """How many runs of word characters and other characters but space ``data`` holds, counted up to
    past ``limit``; a word cut in two by a chunk counts twice, which is still a bound."""
    return _count(_PIECES, data, limit)


def _count(pattern: re.Pattern[AnyStr], data: AnyStr, limit: int | None = None) -> int:
    """The matches of ``pattern`` in ``data``, a chunk at a time (``subn`` holds a list of its pieces:
    over a whole file of short lines, 90 bytes a byte), counted up to past ``limit``."""
    count = 0
    for start in range(0, len(data), _CHUNK):
        count += pattern.subn(data[:0], data[start : start + _CHUNK])[1]
        if limit is not None and count > limit:
            break
    return count


_CHUNK = 1 << 16


def _tokens(source: bytes, limit: int) -> int:
    """At least as many as the tokens of ``source``, counted up to past ``limit``: a string is one
    token (read as :mod:`depscan.extract.grammar`'s lexer reads strings), but the pieces of an f- or
    t-string (whose fields are code) and of a string that does not end are counted; a comment is one;
    the line ends, indents and dedents are counted in the code only. Linear in the size of the source:
    Python's ``tokenize`` is not (on 3.12 each token copies its line, and a line can be the file)."""
    try:
        text = grammar.decoded(source)
    except (SyntaxError, LookupError, UnicodeError, ValueError):
        text = source.decode("latin-1")  # (a character a byte: as many pieces as there can be)
    count = 2  # (the end of the file: a line end and the end marker)
    at, size = 0, len(text)
    while at < size and count <= limit:
        found = _STRING_OR_COMMENT.search(text, at)
        stop = size if found is None else found.start()
        count += _code_tokens(text, at, stop, limit - count)
        if found is None:
            break
        if text[stop] == "#":
            at, count = grammar.line_end(text, stop), count + 1
            continue
        prefix = _prefix(text, at, stop)
        try:
            at = grammar.string_end(text, stop, prefix)
        except (grammar.Unreadable, RecursionError):  # it does not end: the parser stops here anyway
            at, prefix = size, "f"
        count += _formatted_tokens(text, stop, at, limit - count) if "f" in prefix or "t" in prefix else 1
    return count


_STRING_OR_COMMENT = re.compile("[#'\"]")
_TEXT_PIECES = re.compile(r"[0-9][0-9_]*|\w+|[^\s\w]")
_TEXT_HEADER = re.compile(r":[ \t\f]*(?:[\r\n]|\Z)")  # (in code between comments and strings)


def _code_tokens(text: str, start: int, end: int, limit: int) -> int:
    """:func:`_pieces` and :func:`_line_tokens` of the code ``text[start:end]``."""
    code = text[start:end]
    return _count(_TEXT_PIECES, code, limit) + code.count("\n") + code.count("\r") + 2 * _count(_TEXT_HEADER, code)


def _formatted_tokens(text: str, start: int, end: int, limit: int) -> int:
    """At least as many as the tokens of the f- or t-string ``text[start:end]`` (its prefix counted
    before it). Its literal parts are tokens on Python 3.12 and later, and one of spaces holds no piece
    (``f" {x} "``: 7 tokens, 6 pieces); a part is followed by a field, the end of a field's format spec
    or the string's end, so there are at most two parts a field (its ``{`` and ``}``) and one more,
    which the prefix's piece stands for."""
    return _code_tokens(text, start, end, limit) + text.count("{", start, end) + text.count("}", start, end)


def _prefix(text: str, start: int, quote: int) -> str:
    """The prefix of the string whose quote is at ``quote`` (``rb``, ``f``, ...), lower case; ""."""
    begin = quote
    while begin > max(start, quote - 2) and text[begin - 1].isalpha():
        begin -= 1
    prefix = text[begin:quote].lower()
    glued = begin > 0 and (text[begin - 1].isalnum() or text[begin - 1] == "_")
    return prefix if prefix in grammar.PREFIXES and not glued else ""
