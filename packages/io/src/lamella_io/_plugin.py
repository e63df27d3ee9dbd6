"""lamella-io's registrations with lamella."""

from lamella.plugins import Component, hookimpl


@hookimpl
def lamella_datasets():
    return [Component("digits", "lamella_io.datasets.digits")]


@hookimpl
def lamella_savers():
    # A "module:attr" reference: listing plugins does not import h5py.
    return [Component("h5", "lamella_io.hdf5.saver:SAVER", aliases=("hdf5",))]
