"""Text output."""

import textwrap


def render(forecast) -> str:
    return textwrap.dedent(f"{forecast.city}: {forecast.celsius:.1f}")
