"""The ``h5`` saver: what ``Model.save``/``save_weights``/``load_weights`` and
``lamella.models.load_model`` call for ``.h5``/``.hdf5`` paths (or open ``h5py`` groups)."""

from lamella_io.hdf5 import model_file, weights
from lamella_io.hdf5.files import open_for_reading, open_for_writing
from lamella_io.hdf5.weights import HDF5_OBJECT_HEADER_LIMIT


class HDF5Saver:
    """Keras's legacy HDF5 layout, read and written with h5py.

    Registered with lamella through the ``lamella_savers`` hook; the core picks it by the
    path's extension. Every method also accepts an open ``h5py.File``/``h5py.Group``.

    Example::

        model.save("model.h5")                         # goes through HDF5Saver.save_model
        again = lamella.models.load_model("model.h5")  # HDF5Saver.load_model
        model.save_weights("w.h5"); model.load_weights("w.h5", by_name=True)
    """

    extensions = (".h5", ".hdf5")

    def save_model(self, model, filepath, overwrite=True, include_optimizer=True):
        """Architecture, weights, training config and optimizer state; atomic for paths."""
        # Serialise first: a subclassed model fails before any file is touched.
        attributes = model_file.model_file_attributes(model, include_optimizer)
        large = any(len(text.encode("utf8")) > HDF5_OBJECT_HEADER_LIMIT
                    for text in attributes.values())
        with open_for_writing(filepath, overwrite, large_attributes=large) as root:
            model_file.save_model_to_group(model, root, include_optimizer=include_optimizer,
                                           attributes=attributes)

    def load_model(self, filepath, custom_objects=None, compile=True, safe_mode=True):
        """Rebuild the model, load its weights, and with ``compile=True`` recompile it and
        restore the optimizer's state."""
        with open_for_reading(filepath) as root:
            return model_file.load_model_from_group(root, custom_objects=custom_objects,
                                                    compile=compile, safe_mode=safe_mode)

    def save_weights(self, model, filepath, overwrite=True):
        """The weights of ``model.layers`` in Keras's weights-file layout; atomic for paths."""
        with open_for_writing(filepath, overwrite) as root:
            weights.save_weights_to_group(root, list(model.layers), model_file._version(),
                                          model_file.BACKEND)

    def load_weights(self, model, filepath, by_name=False, skip_mismatch=False, reshape=False):
        """Load a weights file or a model file's weights, topologically or ``by_name``
        (``reshape``: Keras 2.3.1's reshaping of convolution kernels)."""
        with open_for_reading(filepath) as root:
            keras3 = _keras3_weights_saver() if _keras3_layout(root) else None
            if keras3 is None:
                weights.load_weights_from_group(root, model, by_name=by_name,
                                                skip_mismatch=skip_mismatch, reshape=reshape)
                return
        # Keras 3's save_weights output renamed to .h5: its own saver reads it.
        keras3.load_weights(model, filepath, by_name=by_name, skip_mismatch=skip_mismatch,
                            reshape=reshape)


def _keras3_layout(root):
    """Keras 3's weights layout (groups ``layers``/``vars``, no ``layer_names`` attribute)."""
    return "layer_names" not in root.attrs and "model_weights" not in root and \
        ("layers" in root or "vars" in root)


def _keras3_weights_saver():
    # Through the registry, not an import: lamella_io.keras_v3 builds on this package.
    from lamella.plugins import lookup

    return lookup.find("savers", "keras_weights")


#: The instance registered as the ``h5`` saver.
SAVER = HDF5Saver()
