"""Text output."""

import textwrap

import weather_icons  # not installed anywhere: depscan reports it missing


def render(forecast) -> str:
    return textwrap.dedent(f"{forecast.city}: {forecast.celsius:.1f}")
