"""lamella-io's tests run with only lamella-core and lamella-io installed (tools/isolated-test io),
so their models are built from the tiny layers and optimizer in io_toys.py."""

import pathlib
import sys

# io_toys.py is imported by name; importlib mode does not put test folders on sys.path.
sys.path.insert(0, str(pathlib.Path(__file__).parent))
