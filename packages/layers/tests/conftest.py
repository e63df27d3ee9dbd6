import sys
from pathlib import Path

import pytest
import torch

# The tests import their NumPy references as a sibling module (pytest runs with importlib mode).
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
