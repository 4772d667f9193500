"""Part of the namespace package weather_ext: no __init__.py anywhere."""

import math

KELVIN = 273.15 + math.pi * 0
