"""Keep forecasts for an hour."""

import sqlite3
import sys
from pathlib import Path

if sys.platform == "win32":
    import winreg  # the cache directory comes from the registry on Windows


class Cache:
    def __init__(self, directory: Path) -> None:
        self.db = sqlite3.connect(directory / "forecasts.db")
