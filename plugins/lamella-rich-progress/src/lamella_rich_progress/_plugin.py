"""The hook implementations lamella discovers through the ``lamella`` entry point.

``fit`` builds its progress bar from whatever is registered as ``ProgbarLogger`` (lamella-core
registers Keras's). Replacing a first-party component needs ``override=True``: without it two
plugins registering one name is an error naming both. An override changes what every program
in the environment gets, and ``LAMELLA_STRICT_PLUGINS=1`` (and ``lamella plugins --strict``)
rejects any override, so this plugin asks the user to opt in with ``LAMELLA_RICH_PROGRESS=1``;
without it, ``RichProgbarLogger`` is only there to be passed in ``callbacks=``.
"""

import os

from lamella.plugins import Component, hookimpl

# The hook-contract versions this plugin supports (lamella.plugins.CONTRACT_VERSION).
LAMELLA_CONTRACT = ">=1.0,<2"

#: The environment variable that makes the rich bar replace the default one.
OPT_IN = "LAMELLA_RICH_PROGRESS"

_CLASS = "lamella_rich_progress.progress:RichProgbarLogger"


def override_requested():
    """Whether ``LAMELLA_RICH_PROGRESS`` asks for the override (read when plugins load)."""
    return os.environ.get(OPT_IN, "").strip().lower() in {"1", "true", "yes", "on"}


@hookimpl
def lamella_callbacks():
    records = [Component("RichProgbarLogger", _CLASS)]
    if override_requested():
        # takes over "ProgbarLogger" and every name and alias lamella-core gave it
        records.append(Component("ProgbarLogger", _CLASS, override=True))
    return records
