"""Pickling by fields, for the frozen dataclasses an extraction is made of.

The workers of :mod:`depscan.perf.parallel` send their extractions back pickled. A
frozen dataclass with slots is pickled by its state, which it sets again through
a Python-level ``__setstate__`` looping over its fields; reduced to its class and
its field values instead, it is rebuilt by one call of its constructor. Measured
on the extractions of Django's 885 files: 32 ms to pickle and 31 ms to unpickle
them by state, 14 and 16 ms by fields.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from operator import attrgetter
from typing import Any, TypeVar

T = TypeVar("T")


def by_fields(cls: type[T]) -> type[T]:
    """Have instances of the dataclass ``cls`` pickled as ``cls(*field values)``.

    For a class nothing derives from: a subclass would be rebuilt as ``cls``.
    """
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    values: Callable[[Any], tuple[Any, ...]]
    if len(names) > 1:
        values = attrgetter(*names)
    elif names:
        one = attrgetter(names[0])
        values = lambda instance: (one(instance),)  # noqa: E731
    else:
        values = lambda instance: ()  # noqa: E731

    def __reduce__(self: Any) -> tuple[type[T], tuple[Any, ...]]:
        return cls, values(self)

    cls.__reduce__ = __reduce__  # type: ignore[method-assign]
    return cls
