"""Relative import names made absolute, as importlib does: a pure function of the importer's name.

Shared by the source walker (:mod:`depscan.extract.walker`) and the bytecode reader
(:mod:`depscan.extract.bytecode`), which import it and not each other.
"""

from __future__ import annotations

__all__ = ["resolve_relative"]


def resolve_relative(name: str, level: int, importer: str, is_package: bool) -> tuple[str | None, str | None]:
    """Make ``from <level dots><name> import ...`` absolute, as importlib does.

    Returns ``(absolute_name, None)``, or ``(None, code)`` with DS021 when the
    importer is not in a package and DS020 when the dots climb above the
    top-level package.
    """
    if level == 0:
        return name, None
    package = importer if is_package else importer.rpartition(".")[0]
    if not package or importer == "__main__":
        return None, "DS021"
    bits = package.rsplit(".", level - 1)
    if len(bits) < level:
        return None, "DS020"
    base = bits[0]
    return (f"{base}.{name}" if name else base), None
