"""``lamella.utils.io_utils``: Keras 2.3.1's module of that name.

``HDF5Matrix`` and ``H5Dict`` need h5py, so they come from the plugin that registers them
(lamella-io, through the ``lamella_utils`` hook) and resolve on first use; without it the
error names the distribution to install.

Example::

    from lamella.utils.io_utils import HDF5Matrix
    x = HDF5Matrix("data.h5", "images", start=0, end=100)
"""

from lamella.plugins import facade as _facade

#: Keras's limit on the size of an HDF5 attribute (bytes), after which it splits attributes.
HDF5_OBJECT_HEADER_LIMIT = 64512


def ask_to_proceed_with_overwrite(filepath):
    """Ask the user on the terminal whether to overwrite ``filepath``: True for yes.

    Example::

        if ask_to_proceed_with_overwrite("model.h5"):
            model.save("model.h5")
    """
    overwrite = input(f"[WARNING] {filepath} already exists - overwrite? [y/n]").strip().lower()
    while overwrite not in ("y", "n"):
        overwrite = input('Enter "y" (overwrite) or "n" (cancel).').strip().lower()
    if overwrite == "n":
        return False
    print("[TIP] Next time specify overwrite=True!")
    return True


def __getattr__(name):
    # Keras 2.3.1 names H5Dict also ``h5dict`` here.
    return _facade.Facade("utils", __name__).getattr("H5Dict" if name == "h5dict" else name)
