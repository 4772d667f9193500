"""Formatting forecasts; imports api for its type, while api imports it back: a cycle."""

from .api import Forecast


def celsius(forecast: "Forecast") -> str:
    return f"{forecast.celsius:.1f} °C"
