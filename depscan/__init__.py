"""depscan: a static dependency analyzer for Python programs.

Nothing analysed is ever executed: imports are read from source (or from the
import instructions of bytecode), and the import system is simulated.
"""

__version__ = "0.1.0"

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
"""Files larger than this are not parsed (DS013): real modules are far smaller,
and parsing a generated 50 MB data file takes seconds and gigabytes. (Here, so
that the command line can name it without importing the extractor.)"""
