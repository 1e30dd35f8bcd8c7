"""`chainrule run digits` as a script: python examples/digits.py [--quick] [--epochs N] ..."""

import os
import sys

try:
    import chainrule.cli
except ImportError:  # a source checkout that is not installed: use src/ beside this folder
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
    import chainrule.cli

if __name__ == "__main__":
    sys.exit(chainrule.cli.main(["run", "digits"] + sys.argv[1:]))
