"""``python -m labs.cli``: the `tracelab` command."""
import sys

from . import main

sys.exit(main())
