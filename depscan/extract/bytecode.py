"""Imports of sourceless modules, read from the import instructions of a ``.pyc``.

A ``.pyc`` can only be read by the interpreter version that wrote it (its
*magic number* says which), so a file for another version is a diagnostic.
The code objects are loaded with :mod:`marshal`, which builds them without
running anything, and their ``IMPORT_NAME`` instructions are read with
:mod:`dis`. The records carry no guard conditions or ``try`` context, so they
are flagged ``precise=False``.

Note: :mod:`marshal` and :mod:`dis` are not hardened against maliciously crafted
data: what they raise on a code object edited after compiling is a DS031, but a
hostile ``.pyc`` can still crash the interpreter reading it (a mutated line
table did, about once in 200 random mutations); it cannot make it run code.
No option turns the reading of bytecode off.
"""

from __future__ import annotations

import dis
import importlib.util
import marshal
from collections.abc import Iterator
from types import CodeType

from depscan.extract.relative import resolve_relative
from depscan.model.records import Context, Diagnostic, Extraction, ImportedName, ImportRecord, Kind, ModuleFacts, Scope

# Magic numbers of final releases, for a helpful message (importlib's table).
KNOWN_MAGIC = {
    62211: "2.7",
    3379: "3.6",
    3394: "3.7",
    3413: "3.8",
    3425: "3.9",
    3439: "3.10",
    3495: "3.11",
    3531: "3.12",
    3571: "3.13",
}
_CO_NEWLOCALS = 0x2  # set on function code objects, clear on module and class bodies
_HEADER = 16  # magic, flags, then mtime + size or a source hash (PEP 552)


def magic_of(data: bytes) -> int | None:
    if len(data) < 4 or data[2:4] != b"\r\n":
        return None
    return int.from_bytes(data[:2], "little")


def extract_bytecode(data: bytes, module: str, is_package: bool, path: str | None = None) -> Extraction:
    """The imports of a ``.pyc`` written by this interpreter."""
    own = importlib.util.MAGIC_NUMBER
    if data[:4] != own:
        found = magic_of(data)
        if found is None:
            problem = Diagnostic("DS031", "not a .pyc file (no magic number)", path)
        else:
            version = KNOWN_MAGIC.get(found)
            writer = f"Python {version}" if version else f"magic number {found}"
            mine = int.from_bytes(own[:2], "little")
            message = f"bytecode written by {writer}; this interpreter reads only magic number {mine}"
            problem = Diagnostic("DS030", message, path)
        return Extraction(module, is_package, path, diagnostics=(problem,), source_kind="bytecode")
    try:
        code = marshal.loads(data[_HEADER:])
    except (EOFError, ValueError, TypeError, SystemError, OverflowError) as exc:  # SystemError: a bad code object
        problem = Diagnostic("DS031", f"corrupt bytecode: {exc}", path)
        return Extraction(module, is_package, path, diagnostics=(problem,), source_kind="bytecode")
    if not isinstance(code, CodeType):
        problem = Diagnostic("DS031", "corrupt bytecode: no code object", path)
        return Extraction(module, is_package, path, diagnostics=(problem,), source_kind="bytecode")
    try:
        # dis reads the instructions as the code object holds them: one edited after compiling
        # (an index past co_names or co_consts, a bad line table) raises, as the interpreter would
        # fail or crash running it.
        instructions = list(import_instructions(code))
        defined = module_names(code)
    except (IndexError, KeyError, ValueError, TypeError, AttributeError, SystemError, OverflowError) as exc:
        problem = Diagnostic("DS031", f"corrupt bytecode: {type(exc).__name__} reading its instructions", path)
        return Extraction(module, is_package, path, diagnostics=(problem,), source_kind="bytecode")
    records: list[ImportRecord] = []
    diagnostics: list[Diagnostic] = []
    seen: set[tuple[str, int, tuple[str, ...] | None, int, Scope]] = set()
    for instruction in instructions:
        if instruction in seen:  # the compiler emits a `finally:` body twice
            continue
        seen.add(instruction)
        raw_name, level, fromlist, line, scope = instruction
        absolute, problem_code = resolve_relative(raw_name, level, module, is_package)
        if problem_code is not None:
            message = f"relative import {'.' * level + raw_name!r} cannot be resolved from {module!r}"
            diagnostics.append(Diagnostic(problem_code, message, path, line))
        kind: Kind
        names: tuple[ImportedName, ...] = ()
        if fromlist is None:
            kind = "import"
        elif level == 0 and raw_name == "__future__":
            kind = "future"
            names = tuple(ImportedName(n) for n in fromlist)
        elif fromlist == ("*",):
            kind = "star"
        else:
            kind = "from"
            names = tuple(ImportedName(n) for n in fromlist)
        raw = "." * level + raw_name
        context = Context(scope=scope)
        records.append(ImportRecord(kind, absolute, raw, level, line, 0, context, names, precise=False))
    records.sort(key=lambda record: record.line)
    stars = tuple(dict.fromkeys(r.module for r in records if r.kind == "star" and r.module is not None))
    facts = ModuleFacts(defined=tuple(sorted(defined)), star_imports=stars)
    return Extraction(
        module, is_package, path, tuple(records), facts=facts, diagnostics=tuple(diagnostics), source_kind="bytecode"
    )


def module_names(code: CodeType) -> frozenset[str]:
    """The names the module's own code stores at top level (as modulefinder counts them)."""
    return frozenset(
        str(instruction.argval)
        for instruction in dis.get_instructions(code)
        if instruction.opname in ("STORE_NAME", "STORE_GLOBAL")
    )


def import_instructions(code: CodeType) -> Iterator[tuple[str, int, tuple[str, ...] | None, int, Scope]]:
    """Yield ``(name, level, fromlist, line, scope)`` for every ``IMPORT_NAME``.

    Walks nested code objects (functions, classes, comprehensions) too. The
    level and fromlist are the two constants pushed just before the
    instruction, as the compiler emits them for every import statement.
    """
    stack: list[tuple[CodeType, Scope]] = [(code, "module")]
    while stack:
        current, scope = stack.pop()
        pushed: list[object] = []
        line = current.co_firstlineno
        for instruction in dis.get_instructions(current):
            line = _line_of(instruction, line)
            opname = instruction.opname
            if opname in ("LOAD_CONST", "LOAD_SMALL_INT"):
                pushed.append(instruction.argval)
                del pushed[:-2]
                continue
            if opname == "EXTENDED_ARG" or opname == "CACHE":
                continue
            if opname == "IMPORT_NAME" and len(pushed) == 2:
                level, fromlist = pushed
                if isinstance(level, int) and (fromlist is None or isinstance(fromlist, tuple)):
                    names = None if fromlist is None else tuple(str(n) for n in fromlist)
                    yield str(instruction.argval), level, names, line, scope
            pushed.clear()
        for const in current.co_consts:
            if isinstance(const, CodeType):
                if const.co_flags & _CO_NEWLOCALS or scope == "function":
                    stack.append((const, "function"))
                else:
                    stack.append((const, "class"))


def _line_of(instruction: dis.Instruction, previous: int) -> int:
    positions = getattr(instruction, "positions", None)
    if positions is not None and positions.lineno is not None:
        return int(positions.lineno)
    starts = instruction.starts_line
    if isinstance(starts, int) and not isinstance(starts, bool):
        return starts
    return previous
