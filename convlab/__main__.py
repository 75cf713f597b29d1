"""``python -m convlab``: the same as the ``convlab`` command."""
import sys

from convlab.commands.cli import main

sys.exit(main())
