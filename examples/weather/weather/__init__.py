"""A small weather client, used as depscan's example."""

from .api import Forecast, fetch

__all__ = ["Forecast", "fetch"]
__version__ = "1.2.0"
