"""``keras.utils.io_utils``: ``HDF5Matrix`` and ``H5Dict`` come from the plugin that reads HDF5
(lamella-io registers them as utilities); the prompt before overwriting a file lives here.

Example::

    from lamella.utils.io_utils import HDF5Matrix
    x = HDF5Matrix("data.h5", "features")
"""

#: Keras's limit on the size of an HDF5 attribute (bytes), after which it splits attributes.
HDF5_OBJECT_HEADER_LIMIT = 64512


def ask_to_proceed_with_overwrite(filepath):
    """Ask on the terminal whether to overwrite ``filepath``; True for yes, False for no."""
    overwrite = input(f"[WARNING] {filepath} already exists - overwrite? [y/n]").strip().lower()
    while overwrite not in ("y", "n"):
        overwrite = input('Enter "y" (overwrite) or "n" (cancel).').strip().lower()
    if overwrite == "n":
        return False
    print("[TIP] Next time specify overwrite=True!")
    return True


def __getattr__(name):
    # HDF5Matrix, H5Dict, ... are registered utilities of the HDF5 plugin (lamella-io).
    if name.startswith("__"):
        raise AttributeError(name)
    from lamella import utils

    return getattr(utils, name)
