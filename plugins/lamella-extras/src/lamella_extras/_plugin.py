"""The hook implementations lamella discovers through the ``lamella`` entry point.

One hook per kind of component. Every object is a ``"module:attr"`` string: ``lamella plugins``
lists them without importing torch. The registered name is what a saved model records, so
it must stay stable across releases of this plugin (add an alias when renaming).
"""

from lamella.plugins import Component, hookimpl

# The hook-contract versions this plugin supports (lamella.plugins.CONTRACT_VERSION).
LAMELLA_CONTRACT = ">=1.0,<2"


@hookimpl
def lamella_layers():
    # found as "RMSNorm" and its snake_case form "rms_norm"
    return [Component("RMSNorm", "lamella_extras.layers:RMSNorm")]


@hookimpl
def lamella_losses():
    return [
        # the function, for loss="binary_focal_crossentropy" (and the short alias)
        Component("binary_focal_crossentropy", "lamella_extras.losses:binary_focal_crossentropy",
                  aliases=("focal",)),
        # the class, for loss=BinaryFocalCrossentropy(gamma=3.0), saved with its config
        Component("BinaryFocalCrossentropy", "lamella_extras.losses:BinaryFocalCrossentropy"),
    ]


@hookimpl
def lamella_metrics():
    return [Component("F1Score", "lamella_extras.metrics:F1Score", aliases=("f1",))]
