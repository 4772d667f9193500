"""The command line."""

import argparse
import importlib

from . import api
from .plugins import load_plugin


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="weather")
    parser.add_argument("--city", required=True)
    parser.add_argument("--units", default="metric")
    args = parser.parse_args(argv)
    units = load_plugin(args.units)
    display = importlib.import_module(".display", __package__)
    print(display.render(units.convert(api.fetch(args.city))))
    return 0
