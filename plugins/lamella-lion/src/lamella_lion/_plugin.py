"""The hook implementations lamella discovers through the ``lamella`` entry point.

The optimizer is named by a ``"module:attr"`` string, so ``lamella plugins`` lists it without
importing torch; the module loads when the name is first used.
"""

from lamella.plugins import Component, hookimpl

# The hook-contract versions this plugin supports (lamella.plugins.CONTRACT_VERSION): under a
# contract outside this range lamella skips the plugin and `lamella plugins` says why.
LAMELLA_CONTRACT = ">=1.0,<2"


@hookimpl
def lamella_optimizers():
    # Optimizer names resolve case-insensitively: "Lion", "lion" and "LION" all find it.
    return [Component("Lion", "lamella_lion.optimizer:Lion")]
