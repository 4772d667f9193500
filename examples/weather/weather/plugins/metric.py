from ..api import Forecast


def convert(forecast: Forecast) -> Forecast:
    return forecast
