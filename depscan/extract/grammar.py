"""A reader of grammars newer than the running Python's, for what an import reader needs.

When the parser of the Python depscan runs on refuses a module that a newer
Python accepts (``type X = ...``, ``def f[T](x: T)``, ``f"{"nested"}"``,
``except*``, ``t"..."``, ...), :func:`rewrite` finds those constructs with a
small lexer of its own (strings as Python 3.14 reads them, brackets, names)
and rewrites only them into code the running parser accepts and that means
the same for imports: a type alias statement becomes a binding of its name,
type-parameter brackets become blanks, a string the parser cannot read becomes
an empty f-string. Everything else keeps its line and its column (the
replacements are ASCII of the same UTF-8 length, line by line), so the
normal extractor runs on the rewritten text's tree and gives the positions of
the source. ``tests/test_grammar.py`` compares the result with what Python
3.12 and 3.13 themselves parse, and with the normal path on files the running
parser reads.

Which Python versions accept the module is decided later, where the versions
the code runs on are known: :func:`for_version` turns an extraction that
needs a newer grammar than the oldest of them into the syntax error (DS010)
that Python gives.
"""

from __future__ import annotations

import ast
import codecs
import keyword
import re
import sys
import warnings
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass

from depscan.model.diagnostics import Diagnostic
from depscan.model.records import Extraction
from depscan.source import declared_encoding, declares_an_encoding, source_text

__all__ = ["HOST", "Construct", "Rewritten", "for_version", "newer_than_oldest", "rewrite"]

HOST = (sys.version_info[0], sys.version_info[1])
"""The Python whose parser depscan uses."""

_KEYWORDS = frozenset(keyword.kwlist) | {"match", "case", "type"}
PREFIXES = frozenset({"r", "u", "b", "br", "rb", "f", "fr", "rf", "t", "tr", "rt"})
_LINE_END = re.compile(r"\r\n|\r|\n")
_WORD = re.compile(r"\w+")
_OPERATOR = re.compile(r"\*\*=?|//=?|<<=?|>>=?|->|\.\.\.|[-+*/%&|^@<>=!:]=|.", re.DOTALL)
# Where a string's body needs a look: a backslash, a quote, a line end (the braces too, in an f-string).
_PLAIN_STOPS = {q: re.compile("[\\\\\r\n" + q[0] + "]") for q in ("'", '"')}
_FSTRING_STOPS = {q: re.compile("[\\\\\r\n{}" + q[0] + "]") for q in ("'", '"')}
# Files that may use syntax newer than Python 3.10, for a parser that reads them (see newer_than_oldest):
# one pattern per construct, each with a literal prefix that the regex engine searches for fast
# (together 3% of the time ast.parse takes on the standard library; one alternation, a third).
# Only the constructs the running parser knows can be in a file it reads: on 3.11, ``except*`` alone
# (found by :func:`_except_star`, not a pattern).
# What may stand between two tokens of a line: spaces, tabs, form feeds, and a backslash that
# continues the line (``except \\`` then ``*ValueError:`` on the next line is ``except*``).
_GAP = rb"(?:[ \t\f]|\\(?:\r\n?|\n))"
_CANDIDATES = tuple(
    re.compile(pattern.replace(b"GAP", _GAP))
    for version, pattern in (
        ((3, 12), rb"typeGAP+(?:\w|[\x80-\xff])+GAP*[\[=]"),  # a name may be any identifier: not ASCII either
        ((3, 12), rb"defGAP+(?:\w|[\x80-\xff])+GAP*\["),
        ((3, 12), rb"classGAP+(?:\w|[\x80-\xff])+GAP*\["),
    )
    if version <= HOST
)
_BLANKS = b" \t\f"
_LINE_ENDS = b"\r\n"


def _except_star(source: bytes) -> bool:
    """Whether ``except``, blanks or continued lines (see ``_GAP``), then ``*`` is in ``source``, as
    a pattern like the others would tell, in a quarter of its time: ``*`` is rarer than the first
    letter of ``except``."""
    star = source.find(b"*")
    while star >= 0:
        if source.endswith(b"except", 0, _gap_start(source, star)):
            return True
        star = source.find(b"*", star + 1)
    return False


def _gap_start(source: bytes, end: int) -> int:
    """Where the blanks and line continuations that end at ``end`` begin."""
    before = end
    while before > 0:
        byte = source[before - 1]
        if byte in _BLANKS:
            before -= 1
            continue
        if byte not in _LINE_ENDS:
            break
        end_of_line = before - 2 if source.endswith(b"\r\n", 0, before) else before - 1
        if end_of_line < 1 or source[end_of_line - 1] != ord("\\"):
            break
        before = end_of_line - 1
    return before


_IGNORING = ("ignore", None, Warning, None, 0)  # what warnings.simplefilter("ignore") puts first


def quietly() -> AbstractContextManager[object]:
    """Warnings about the analysed source (an invalid escape, ...) are not depscan's to show, and
    must not turn into errors under ``-W error``: around a parse, every warning is ignored. Where
    they are ignored already (``quietly()`` around a batch of files), nothing is done again: saving
    and restoring the filters for each file cost a seventh of what the walk of its tree does."""
    if warnings.filters and warnings.filters[0] == _IGNORING:
        return nullcontext()
    return _ignoring()


@contextmanager
def _ignoring() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


class Unreadable(Exception):
    """The lexer cannot follow the text (an unterminated string, say): no rewrite."""


@dataclass(frozen=True, slots=True)
class Construct:
    """Syntax a newer Python accepts, rewritten: the version that accepts it, what it is, where."""

    version: tuple[int, int]
    what: str
    offset: int  # in the decoded text


@dataclass(frozen=True, slots=True)
class Rewritten:
    """The text to give the running parser, and the constructs rewritten (none: nothing to do)."""

    text: str
    constructs: tuple[Construct, ...]
    line_starts: tuple[int, ...]

    def newest(self) -> tuple[Construct, int, int]:
        """The construct of the newest grammar (the first one of it), with its 1-based line and column."""
        version = max(c.version for c in self.constructs)
        first = min((c for c in self.constructs if c.version == version), key=lambda c: c.offset)
        line = _line_of(self.line_starts, first.offset)
        start = self.line_starts[line - 1]
        return first, line, first.offset - start + 1


@dataclass(slots=True)
class _Token:
    kind: str  # "name", "op", "string", "newline"
    start: int
    end: int
    text: str = ""  # names and operators
    template: bool = False  # a string group holding a t-string
    formatted: bool = False  # a string group holding an f-string


@dataclass(frozen=True, slots=True)
class _Edit:
    start: int
    end: int
    head: str  # what the first line of the span becomes (padded with blanks)
    style: str  # "continue": lines joined by backslashes; "paren": the lines in parentheses


# --- the decision, where the versions the code runs on are known ---------------------


def for_version(extraction: Extraction, oldest: tuple[int, ...] | None) -> Extraction:
    """The extraction as Python ``oldest`` (the oldest version the code runs on) sees it: a module
    whose syntax needs a newer Python is a syntax error there (DS010), nothing read from it."""
    newer = extraction.newer_syntax
    if newer is None or oldest is None or tuple(oldest[:2]) >= newer.version:
        return extraction
    shown = ".".join(map(str, oldest[:2]))
    message = f"{newer.message} (the code runs on Python {shown})"
    problem = Diagnostic("DS010", message, extraction.path, newer.line, newer.col)
    return Extraction(extraction.module, extraction.is_package, extraction.path, diagnostics=(problem,))


def newer_than_oldest(source: bytes) -> tuple[tuple[int, int], SyntaxError] | None:
    """For a module the running parser reads: the oldest Python after 3.10 whose grammar it needs,
    with the error the version before gives, as the running parser's ``feature_version`` tells
    (type parameters and aliases, ``except*``; not PEP 701's f-strings). None: 3.10's will do."""
    searched = source_text(source).encode("utf-8", "surrogatepass") if declares_an_encoding(source) else source
    if HOST < (3, 11) or not (_except_star(searched) or any(pattern.search(searched) for pattern in _CANDIDATES)):
        return None
    with quietly():
        for minor in range(HOST[1] - 1, 9, -1):
            try:
                ast.parse(source, feature_version=(3, minor))
            except SyntaxError as exc:
                return (3, minor + 1), exc
            except (ValueError, RecursionError, MemoryError):
                return None
    return None


# --- the rewrite -------------------------------------------------------------------------


def rewrite(source: bytes, every_string: bool = False) -> Rewritten | None:
    """The source with the constructs of newer grammars rewritten for the running parser, or
    None when it cannot be decoded or lexed. ``every_string`` replaces every f-string, not only
    those the running parser refuses (for tests: what a replacement costs the extraction)."""
    try:
        text = decoded(source)
        tokens = _Lexer(text).tokens()
    except (Unreadable, SyntaxError, UnicodeDecodeError, LookupError, RecursionError):
        return None
    constructs: list[Construct] = []
    edits: list[_Edit] = []
    for token in tokens:
        if token.kind == "string" and (token.formatted or token.template):
            _string(text, token, every_string, constructs, edits)
    _statements(text, tokens, constructs, edits)
    line_starts = (0, *(match.end() for match in _LINE_END.finditer(text)))
    return Rewritten(_apply(text, edits), tuple(constructs), line_starts)


def decoded(source: bytes) -> str:
    encoding = declared_encoding(source)
    codecs.lookup(encoding)
    return source.decode(encoding)


def _string(text: str, token: _Token, every: bool, constructs: list[Construct], edits: list[_Edit]) -> None:
    """A group of strings the running parser cannot read alone becomes an empty f-string."""
    if token.template:
        what, version = "a template string (t-string)", (3, 14)
    elif every or not _readable(text[token.start : token.end]):
        what, version = "an f-string of Python 3.12's grammar (PEP 701)", (3, 12)
    else:
        return
    constructs.append(Construct(version, what, token.start))
    edits.append(_Edit(token.start, token.end, 'f""', "paren"))


def _readable(strings: str) -> bool:
    try:
        with quietly():
            tree = ast.parse(f"({strings}\n)")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    body = tree.body
    return len(body) == 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, (ast.JoinedStr, ast.Constant))


def _statements(text: str, tokens: list[_Token], constructs: list[Construct], edits: list[_Edit]) -> None:
    """Type aliases, type parameters, ``except*`` and ``except A, B:``, ``*`` in subscripts."""
    brackets: list[str] = []  # each open bracket: "(", "[", "{", or "sub" for a subscript
    for index, token in enumerate(tokens):
        after = tokens[index + 1 : index + 4]
        if token.kind == "name":
            if token.text == "type" and _is_alias(after):
                _alias(tokens, index, constructs, edits)
            elif token.text in ("def", "class") and len(after) >= 2 and after[0].kind == "name":
                if after[1].text == "[" and after[1].kind == "op":
                    _type_parameters(tokens, index + 2, constructs, edits)
            elif token.text == "except":
                _except(text, tokens, index, constructs, edits)
        elif token.kind == "op":
            if token.text == "*" and index and _unpacked(tokens[index - 1], brackets):
                constructs.append(Construct((3, 11), "a starred expression in a subscript or annotation", token.start))
                edits.append(_Edit(token.start, token.end, "", "continue"))
            if token.text in "([{":
                subscript = token.text == "[" and index > 0 and _subscripted(tokens[index - 1])
                brackets.append("sub" if subscript else token.text)
            elif token.text in ")]}" and brackets:
                brackets.pop()


def _is_alias(after: list[_Token]) -> bool:
    """``type`` NAME then ``=`` or ``[``: in every older grammar two names in a row are an error."""
    return (
        len(after) >= 2
        and after[0].kind == "name"
        and after[0].text.isidentifier()
        and after[0].text not in _KEYWORDS
        and after[1].kind == "op"
        and after[1].text in ("=", "[")
    )


def _alias(tokens: list[_Token], index: int, constructs: list[Construct], edits: list[_Edit]) -> None:
    """``type X[T] = value`` becomes ``[X]=0``: the value is evaluated lazily, so the statement binds
    X and runs nothing; an unpacking target binds the name and nothing else (not ``__all__``)."""
    start, end = tokens[index].start, tokens[_statement_end(tokens, index) - 1].end
    name = tokens[index + 1].text
    default = tokens[index + 2].text == "[" and _has_default(tokens, index + 2)
    constructs.append(Construct((3, 13) if default else (3, 12), "a type alias statement", start))
    edits.append(_Edit(start, end, f"[{name}]=0", "continue"))


def _type_parameters(tokens: list[_Token], opening: int, constructs: list[Construct], edits: list[_Edit]) -> None:
    closing = _matching(tokens, opening)
    version = (3, 13) if _has_default(tokens, opening) else (3, 12)
    what = "a type parameter default" if version == (3, 13) else "a type parameter list"
    constructs.append(Construct(version, what, tokens[opening].start))
    edits.append(_Edit(tokens[opening].start, tokens[closing].end, "", "continue"))


def _except(text: str, tokens: list[_Token], index: int, constructs: list[Construct], edits: list[_Edit]) -> None:
    """``except*`` (3.11) loses its star; ``except A, B:`` (3.14) gets its parentheses."""
    at = index + 1
    if at < len(tokens) and tokens[at].kind == "op" and tokens[at].text == "*":
        constructs.append(Construct((3, 11), "an except* clause", tokens[index].start))
        edits.append(_Edit(tokens[at].start, tokens[at].end, "", "continue"))
        at += 1
    depth, commas, colon = 0, False, None
    for position in range(at, len(tokens)):
        token = tokens[position]
        if token.kind == "newline" or (token.kind == "name" and token.text == "as" and not depth):
            return
        if token.kind == "op" and token.text in "([{":
            depth += 1
        elif token.kind == "op" and token.text in ")]}":
            depth -= 1
        elif token.kind == "op" and not depth and token.text in (",", ":"):
            if token.text == ":":
                colon = position
                break
            commas = True
    if colon is None or not commas or colon == at:
        return
    what = "exception types without parentheses (PEP 758; or is it Python 2 code?)"
    constructs.append(Construct((3, 14), what, tokens[index].start))
    start, end = tokens[at - 1].end, tokens[colon].start
    inner = text[start:end]
    opened = "(" + inner[1:] if inner[:1] in (" ", "\t") else "(" + inner
    closed = opened[:-1] + ")" if opened[-1:] in (" ", "\t") else opened + ")"
    edits.append(_Edit(start, end, closed, "verbatim"))


def _unpacked(previous: _Token, brackets: list[str]) -> bool:
    """PEP 646's ``x[*a]``, ``x[a, *b]`` (not a list display ``[*a]``) and ``*args: *Ts``."""
    if not brackets or previous.kind != "op":
        return False
    return (brackets[-1] == "sub" and previous.text in ("[", ",")) or (brackets[-1] == "(" and previous.text == ":")


def _subscripted(token: _Token) -> bool:
    if token.kind == "name":
        return token.text not in _KEYWORDS
    return token.kind == "string" or (token.kind == "op" and token.text in (")", "]"))


def _statement_end(tokens: list[_Token], index: int) -> int:
    """The index after the last token of the simple statement starting at ``index``."""
    depth = 0
    for position in range(index, len(tokens)):
        token = tokens[position]
        if token.kind == "newline" or (token.kind == "op" and token.text == ";" and depth <= 0):
            return position
        if token.kind == "op" and token.text in "([{":
            depth += 1
        elif token.kind == "op" and token.text in ")]}":
            depth -= 1
    return len(tokens)


def _matching(tokens: list[_Token], opening: int) -> int:
    depth = 0
    for position in range(opening, len(tokens)):
        token = tokens[position]
        if token.kind == "op" and token.text in "([{":
            depth += 1
        elif token.kind == "op" and token.text in ")]}":
            depth -= 1
            if not depth:
                return position
    raise Unreadable("unclosed bracket")


def _has_default(tokens: list[_Token], opening: int) -> bool:
    """``[T = int]``: a ``=`` directly inside the type parameter brackets (PEP 696)."""
    depth = 0
    for position in range(opening, _matching(tokens, opening) + 1):
        token = tokens[position]
        if token.kind == "op" and token.text in "([{":
            depth += 1
        elif token.kind == "op" and token.text in ")]}":
            depth -= 1
        elif token.kind == "op" and token.text == "=" and depth == 1:
            return True
    return False


# --- applying the edits: same lines, same UTF-8 width on each -----------------------------


def _apply(text: str, edits: list[_Edit]) -> str:
    pieces: list[str] = []
    done = 0
    for edit in sorted(edits, key=lambda e: (e.start, -e.end)):
        if edit.start < done:  # inside an edit made already (a string in a type alias)
            continue
        pieces.append(text[done : edit.start])
        pieces.append(_render(text[edit.start : edit.end], edit))
        done = edit.end
    pieces.append(text[done:])
    return "".join(pieces)


def _render(span: str, edit: _Edit) -> str:
    """The replacement of ``span``: its line ends kept, each line as wide in UTF-8 as it was (wider
    only where the head cannot fit: the columns after it on that line then move)."""
    if edit.style == "verbatim":
        return edit.head
    parts = _LINE_END.split(span)
    ends = _LINE_END.findall(span)
    widths = [_width(part) for part in parts]
    last = len(parts) - 1
    lines = []
    for number, width in enumerate(widths):
        head = edit.head if number == 0 else ""
        if number == 0 and last and edit.style == "paren":
            head = "(" + head
        tail = ""
        if number < last and edit.style == "continue":
            tail = "\\"
        elif number == last and last and edit.style == "paren":
            tail = ")"
        lines.append(head + " " * (width - _width(head) - len(tail)) + tail)
    return "".join(line + end for line, end in zip(lines, [*ends, ""], strict=True))


def _width(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _line_of(line_starts: tuple[int, ...], offset: int) -> int:
    low, high = 0, len(line_starts)
    while high - low > 1:
        middle = (low + high) // 2
        if line_starts[middle] <= offset:
            low = middle
        else:
            high = middle
    return low + 1


# --- the lexer -------------------------------------------------------------------------------


class _Lexer:
    """Names, operators, logical line ends and string groups (adjacent strings, as one token), with
    strings read as Python 3.14 reads them: f- and t-strings hold expressions that hold strings."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.out: list[_Token] = []

    def tokens(self) -> list[_Token]:
        text, depth, at = self.text, 0, 0
        size = len(text)
        while at < size:
            char = text[at]
            if char in " \t\f":
                at += 1
            elif char == "#":
                at = line_end(text, at)
            elif char == "\\":
                at = _after_break(text, at + 1)
            elif char in "\r\n":
                if not depth:
                    self.out.append(_Token("newline", at, at + 1))
                at = _after_break(text, at)
            elif char in "'\"":
                at = self.string(at, at)
            elif char.isalnum() or char == "_" or not char.isascii():
                word = _WORD.match(text, at)
                end = word.end() if word else at + 1
                if end < size and text[end] in "'\"" and text[at:end].lower() in PREFIXES:
                    at = self.string(at, end)
                else:
                    self.out.append(_Token("name", at, end, text[at:end]))
                    at = end
            else:
                operator = _OPERATOR.match(text, at)
                assert operator is not None
                end = operator.end()
                if char in "([{":
                    depth += 1
                elif char in ")]}":
                    depth = max(depth - 1, 0)
                self.out.append(_Token("op", at, end, text[at:end]))
                at = end
        return self.out

    def string(self, start: int, quote_at: int) -> int:
        prefix = self.text[start:quote_at].lower()
        end = string_end(self.text, quote_at, prefix)
        formatted, template = "f" in prefix, "t" in prefix
        previous = self.out[-1] if self.out else None
        if previous is not None and previous.kind == "string":  # adjacent strings: one group
            previous.end = end
            previous.formatted |= formatted
            previous.template |= template
        else:
            self.out.append(_Token("string", start, end, formatted=formatted, template=template))
        return end


def line_end(text: str, at: int) -> int:
    found = _LINE_END.search(text, at)
    return found.start() if found else len(text)


def _after_break(text: str, at: int) -> int:
    """Past the line end at ``at`` (if there is one)."""
    if text.startswith("\r\n", at):
        return at + 2
    return at + 1 if text[at : at + 1] in ("\r", "\n") else at


def string_end(text: str, at: int, prefix: str) -> int:
    """The offset after the string whose opening quote is at ``at``."""
    quote = text[at] * 3 if text.startswith(text[at] * 3, at) else text[at]
    body = at + len(quote)
    return _body_end(text, body, quote, "r" in prefix, "f" in prefix or "t" in prefix)


def _body_end(text: str, at: int, quote: str, raw: bool, formatted: bool) -> int:
    """The offset after a string whose body starts at ``at``; an f- or t-string's replacement
    fields hold expressions (with strings of any quote, comments, line ends)."""
    stops = (_FSTRING_STOPS if formatted else _PLAIN_STOPS)[quote[0]]
    while True:
        found = stops.search(text, at)
        if found is None:
            raise Unreadable("unterminated string")
        stop = found.start()
        char = text[stop]
        if char == "\\":
            if formatted and not raw and text.startswith("N{", stop + 1):  # a named escape (\\N{...}), not a field
                close = text.find("}", stop)
                at = close + 1 if close > 0 else stop + 2
            else:
                at = _after_break(text, stop + 1) if text[stop + 1 : stop + 2] in ("\r", "\n") else stop + 2
        elif char == "{":
            at = stop + 2 if text.startswith("{{", stop) else _field_end(text, stop + 1, quote, raw)
        elif char == "}":
            at = stop + 2 if text.startswith("}}", stop) else stop + 1
        elif char in "\r\n":
            if len(quote) == 1:
                raise Unreadable("unterminated string")
            at = stop + 1
        elif text.startswith(quote, stop):
            return stop + len(quote)
        else:
            at = stop + 1


def _field_end(text: str, at: int, quote: str, raw: bool) -> int:
    """The offset after a replacement field whose expression starts at ``at``."""
    depth, size = 0, len(text)
    while at < size:
        char = text[at]
        if char == "#":
            at = line_end(text, at)
        elif char in "'\"":
            at = string_end(text, at, "")
        elif char.isalnum() or char == "_" or not char.isascii():
            word = _WORD.match(text, at)
            end = word.end() if word else at + 1
            if end < size and text[end] in "'\"" and text[at:end].lower() in PREFIXES:
                end = string_end(text, end, text[at:end].lower())
            at = end
        elif char in "([{":
            depth, at = depth + 1, at + 1
        elif char == "}" and not depth:
            return at + 1
        elif char in ")]}":
            depth, at = max(depth - 1, 0), at + 1
        elif char == ":" and not depth:
            return _spec_end(text, at + 1, quote, raw)
        else:
            at += 1
    raise Unreadable("unterminated replacement field")


def _spec_end(text: str, at: int, quote: str, raw: bool) -> int:
    """The offset after a format spec (and its field) starting at ``at``: literal text with fields."""
    while at < len(text):
        char = text[at]
        if char == "{":
            at = _field_end(text, at + 1, quote, raw)
        elif char == "}":
            return at + 1
        elif char == "\\":
            at += 2
        elif text.startswith(quote, at):
            raise Unreadable("format spec runs into the end of its string")
        else:
            at += 1
    raise Unreadable("unterminated format spec")
