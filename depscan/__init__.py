"""depscan: a static dependency analyzer for Python programs.

Nothing analysed is ever executed: imports are read from source (or from the
import instructions of bytecode), and the import system is simulated.
"""

__version__ = "0.1.0"
