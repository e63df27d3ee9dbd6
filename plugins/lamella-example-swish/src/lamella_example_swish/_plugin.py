"""The hook implementations lamella discovers through the ``lamella`` entry point.

Keep this module cheap to import: it names its components as ``"module:attr"`` strings, so
``lamella plugins`` can list them without importing torch, and the modules load only when a
name is first used.
"""

from lamella.plugins import Component, hookimpl

# The hook-contract versions this plugin supports (lamella.plugins.CONTRACT_VERSION): under a
# contract outside this range lamella skips the plugin and `lamella plugins` says why.
LAMELLA_CONTRACT = ">=1.0,<2"


@hookimpl
def lamella_activations():
    return [Component("swish", "lamella_example_swish.activations:swish", aliases=("silu",))]


@hookimpl
def lamella_layers():
    return [Component("Swish", "lamella_example_swish.layers:Swish")]
