"""Fetch forecasts over HTTP."""

from __future__ import annotations

import json
import sys
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING

try:
    import requests  # faster, with connection pooling, when installed
except ImportError:
    requests = None

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

if TYPE_CHECKING:
    from .cache import Cache

from .formats import celsius  # noqa: E402  (formats imports this module back: an import cycle)

__all__ = ["Forecast", "fetch"]


@dataclass
class Forecast:
    city: str
    celsius: float


def fetch(city: str, cache: Cache | None = None) -> Forecast:
    url = f"https://weather.example/{city}"
    if requests is not None:
        data = requests.get(url, timeout=10).json()
    else:
        with urllib.request.urlopen(url, timeout=10) as response:
            data = json.load(response)
    return Forecast(city, float(data["celsius"]))


def settings(path: str) -> dict[str, object]:
    with open(path, "rb") as handle:
        return tomllib.load(handle)
