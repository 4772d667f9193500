"""``python -m depscan``."""

from depscan.cli import main

if __name__ == "__main__":
    main()
