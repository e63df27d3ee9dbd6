"""``tools/bench``: lamella against a hand-written PyTorch loop, Keras 3 and Lightning.

The suite lives in ``tools/benchmarks/`` (see :mod:`benchmarks.suite`); this file is its entry
point so that ``python tools/bench.py --help`` keeps working.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmarks.suite import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
