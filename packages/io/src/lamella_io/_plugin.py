"""lamella-io's registrations with lamella."""

from lamella.plugins import Component, hookimpl


@hookimpl
def lamella_datasets():
    # Module references: nothing is imported (or downloaded) until a dataset is looked up.
    # "cifar" is Keras's keras.datasets.cifar: load_batch, the reader cifar10/100 share.
    names = ("digits", "mnist", "fashion_mnist", "cifar", "cifar10", "cifar100", "imdb",
             "reuters", "boston_housing")
    return [Component(name, "lamella_io.datasets." + name) for name in names]


@hookimpl
def lamella_savers():
    # "module:attr" references: listing plugins does not import h5py. The core picks the
    # longest matching extension, so "x.weights.h5" is Keras 3's weights file, "x.h5" HDF5.
    return [Component("h5", "lamella_io.hdf5.saver:SAVER", aliases=("hdf5",)),
            Component("keras", "lamella_io.keras_v3.saver:SAVER"),
            Component("keras_weights", "lamella_io.keras_v3.saver:WEIGHTS_SAVER")]


@hookimpl
def lamella_utils():
    # lamella.utils.get_file / HDF5Matrix / H5Dict / validate_file and Keras's HDF5-group
    # helpers (h5py is imported only on use).
    return [Component("get_file", "lamella_io.utils.data_utils:get_file"),
            Component("validate_file", "lamella_io.utils.data_utils:validate_file"),
            Component("HDF5Matrix", "lamella_io.utils.io_utils:HDF5Matrix"),
            Component("H5Dict", "lamella_io.utils.h5dict:H5Dict"),
            # keras.engine.saving's HDF5-group helpers (lamella.engine.saving answers them).
            *(Component(name, f"lamella_io.hdf5.keras_groups:{name}") for name in (
                "load_attributes_from_hdf5_group", "save_attributes_to_hdf5_group",
                "load_weights_from_hdf5_group", "load_weights_from_hdf5_group_by_name",
                "save_weights_to_hdf5_group", "preprocess_weights_for_loading"))]


@hookimpl
def lamella_preprocessing():
    # lamella.preprocessing.{sequence,text,image} forward to these modules.
    return [Component(name, "lamella_io.preprocessing." + name)
            for name in ("sequence", "text", "image")]
