"""``keras.engine.saving`` as in Keras 2.3.1: whole-model files and configs.

The functions are :mod:`lamella.saving`'s and :mod:`lamella.models`' (the file format itself is
a plugin, lamella-io). Keras's HDF5-group helpers (``save_weights_to_hdf5_group`` and the like)
work on h5py objects and belong to the HDF5 plugin; they are answered from lamella-io's
registered utilities when it provides them.

Example::

    from lamella.engine.saving import load_model
"""

from lamella.models import model_from_config, model_from_json, model_from_yaml
from lamella.saving import load_model, save_model

#: Keras's limit on the size of an HDF5 attribute (bytes), after which it splits attributes.
HDF5_OBJECT_HEADER_LIMIT = 64512

__all__ = ["HDF5_OBJECT_HEADER_LIMIT", "load_model", "model_from_config", "model_from_json",
           "model_from_yaml", "save_model"]


def __getattr__(name):
    # H5Dict and the HDF5-group helpers come from the plugin that reads HDF5 (lamella-io).
    from lamella import utils

    return getattr(utils, name)
