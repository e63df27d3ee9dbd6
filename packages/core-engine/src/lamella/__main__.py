"""``python -m lamella plugins``."""

import sys

from lamella.cli import main

sys.exit(main())
