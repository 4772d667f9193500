"""Show the weather forecast: python main.py --city Oslo"""

import units_lib  # from vendor/units.zip, put on the path with --path
import weather_ext.metric_extra  # weather_ext is a namespace package (no __init__.py)
from weather.cli import run

if __name__ == "__main__":
    import sys

    sys.exit(run(sys.argv[1:]))
