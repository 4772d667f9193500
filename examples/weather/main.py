"""Show the weather forecast: python main.py --city Oslo"""

from weather.cli import run

if __name__ == "__main__":
    import sys

    sys.exit(run(sys.argv[1:]))
