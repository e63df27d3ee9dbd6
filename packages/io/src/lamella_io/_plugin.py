"""lamella-io's registrations with lamella."""

from lamella.plugins import Component, hookimpl


@hookimpl
def lamella_datasets():
    # Module references: nothing is imported (or downloaded) until a dataset is looked up.
    names = ("digits", "mnist", "fashion_mnist", "cifar10", "cifar100", "imdb", "reuters",
             "boston_housing")
    return [Component(name, "lamella_io.datasets." + name) for name in names]


@hookimpl
def lamella_savers():
    # A "module:attr" reference: listing plugins does not import h5py.
    return [Component("h5", "lamella_io.hdf5.saver:SAVER", aliases=("hdf5",))]
