"""Where :mod:`site` would look for packages in a target Python: a rule on its paths, not a run.

``site.getsitepackages()`` differs between upstream CPython and Debian's patched ``site.py``
(``dist-packages``), which is told by reading that file as text. Shared by the target described
from its files (:mod:`depscan.resolve.describe`) and the opt-in probe (:mod:`depscan.resolve.probe`),
which import it and not each other.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from depscan.source import read_bytes

__all__ = ["LIBDIRS", "SiteLayout", "site_layout"]

LIBDIRS = ("lib", "lib64")  # getpath looks for the stdlib under sys.platlibdir: lib64 on Fedora and SUSE
_SITE_PY_BYTES = 1 << 20  # site.py, read to tell Debian's from upstream's


@dataclass(frozen=True)
class SiteLayout:
    """Where :mod:`site` would look for packages: ``getsitepackages()`` and the user site."""

    site_dirs: tuple[str, ...]
    user_site: str
    user_site_enabled: bool


def site_layout(
    prefix: str,
    version: tuple[int, ...],
    platlibdir: str,
    venv_dir: str | None,
    venv_values: dict[str, str],
    environ: dict[str, str],
    thread: str = "",
) -> SiteLayout:
    """The site directories of the base installation at ``prefix`` (and of the virtual environment
    ``venv_dir``), in the order :mod:`site` adds them, upstream's rule or Debian's. ``thread`` is
    "t" for a free-threaded build, whose directories are ``pythonX.Yt``."""
    x_y = f"{version[0]}.{version[1]}{thread}"
    include_system = venv_values.get("include-system-site-packages", "false").lower() == "true"
    prefixes = [venv_dir] if venv_dir else []
    if not venv_dir or include_system:
        prefixes.append(prefix)
    debian = any(_is_debian(os.path.join(prefix, libdir, f"python{x_y}")) for libdir in LIBDIRS)
    site_dirs: list[str] = []
    for one in prefixes:
        for directory in _site_packages(one, x_y, platlibdir, debian, in_venv=venv_dir is not None):
            if directory not in site_dirs:
                site_dirs.append(directory)
    user_base = environ.get("PYTHONUSERBASE") or os.path.join(os.path.expanduser("~"), ".local")
    user_site = os.path.join(user_base, "lib", f"python{x_y}", "site-packages")
    # site.venv() turns the user site off unless system site-packages are included.
    user_enabled = not (venv_dir and not include_system) and not environ.get("PYTHONNOUSERSITE")
    return SiteLayout(tuple(site_dirs), user_site, bool(user_enabled))


def _is_debian(stdlib: str) -> bool:
    """Debian's patched ``site.py`` installs into ``dist-packages``; upstream's never says it."""
    data = read_bytes(os.path.join(stdlib, "site.py"), _SITE_PY_BYTES)
    return isinstance(data, bytes) and b'"dist-packages"' in data


def _site_packages(prefix: str, x_y: str, platlibdir: str, debian: bool, in_venv: bool) -> list[str]:
    """site.getsitepackages([prefix]) of the target, upstream or Debian, on POSIX."""
    libdirs = [platlibdir] if platlibdir == "lib" else [platlibdir, "lib"]
    if not debian:
        found = [os.path.join(prefix, libdir, f"python{x_y}", "site-packages") for libdir in libdirs]
        if x_y.startswith("2."):
            found.append(os.path.join(prefix, "lib", "site-python"))
        return found
    found = [os.path.join(prefix, "lib", f"python{x_y}", "site-packages")] if in_venv else []
    found.append(os.path.join(prefix, "local", "lib", f"python{x_y}", "dist-packages"))
    found.append(os.path.join(prefix, "lib", "python3", "dist-packages"))
    found += [os.path.join(prefix, libdir, f"python{x_y}", "dist-packages") for libdir in libdirs]
    return found
