"""``python -m convlab``: the same as the ``convlab`` command."""
import sys

from convlab.cli import main

sys.exit(main())
