"""Unit plugins, loaded by name."""

import importlib


def load_plugin(name: str):
    return importlib.import_module(f".{name}", __name__)
