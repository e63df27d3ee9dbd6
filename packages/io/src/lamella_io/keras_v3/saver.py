"""The ``keras`` and ``keras_weights`` savers: Keras 3's ``.keras`` files and ``.weights.h5``.

``model.save("m.keras")`` writes Keras 3's zip (``metadata.json``, ``config.json`` with the
``compile_config``, ``model.weights.h5`` with the optimizer's state), which
``keras.models.load_model`` opens; ``lamella.models.load_model("m.keras")`` reads what Keras 3
writes. ``model.save_weights("x.weights.h5")`` writes Keras 3's weights-only layout (Keras 3
requires that suffix); ``load_weights`` on such a path reads either layout (Keras 2.3's files
have a ``layer_names`` attribute). As in Keras 3, ``.h5``/``.hdf5`` stay the legacy HDF5 format:
``model.save("x.weights.h5")`` is an HDF5 model file.

Writes go to the temporary that :mod:`lamella.saving` hands the saver, so a failed save leaves
the previous file intact. Loading never runs code from the file unless ``safe_mode=False``.

Example::

    model.save("m.keras")
    again = lamella.models.load_model("m.keras")
    model.save_weights("m.weights.h5"); model.load_weights("m.weights.h5")
"""

import contextlib
import datetime
import io
import json
import os
import warnings

import h5py

from lamella_io.hdf5.files import HDF5FormatError, describe
from lamella_io.keras_v3 import archive as zip_archive
from lamella_io.keras_v3 import config as configs
from lamella_io.keras_v3 import optimizer_state, weights_store

#: The Keras 3 version whose format lamella writes (``metadata.json``'s ``keras_version``).
KERAS3_FORMAT_VERSION = "3.15.1"


def _metadata(extras):
    from lamella._version import __version__

    metadata = {"keras_version": KERAS3_FORMAT_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
                "lamella_version": __version__}
    if extras:
        metadata["lamella_compile"] = extras
    return metadata


def _open_h5(fileobj, where):
    try:
        return h5py.File(fileobj, "r")
    except OSError as exc:
        raise HDF5FormatError(f"{where!r} is not a readable HDF5 weights store (it may be "
                              f"truncated): {exc}") from exc


def _npz_store(data, where):
    """Keras 3's ``model.weights.npz`` (``np.savez`` of ``{path: {index: array}}``, each dict
    pickled) as an in-memory HDF5 store, read with lamella-io's restricted unpickler."""
    import zipfile

    from lamella_io.datasets._safe_pickle import load_npz

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as inner:
            zip_archive.check_members(inner, where)
        contents = load_npz(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, Exception) as exc:
        if isinstance(exc, zip_archive.KerasArchiveError):
            raise
        raise zip_archive.KerasArchiveError(f"{where!r}: cannot read the npz weights store: "
                                            f"{exc}") from exc
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as root:
        for path, array in contents.items():
            value = array.item() if array.dtype.hasobject and array.shape == () else None
            if not isinstance(value, dict):
                raise zip_archive.KerasArchiveError(
                    f"{where!r}: npz entry {path!r} is not a dict of variables.")
            group = root.create_group(weights_store._vars_group(root, "" if path == "__root__"
                                                                else path))
            for key, item in value.items():
                group.create_dataset(str(key), data=item)
    buffer.seek(0)
    return buffer


class KerasV3Saver:
    """Keras 3's ``.keras`` zip format (registered with lamella as the ``keras`` saver).

    Example::

        model.save("m.keras")                        # KerasV3Saver.save_model
        model = lamella.models.load_model("m.keras")  # KerasV3Saver.load_model
    """

    extensions = (".keras",)

    def save_model(self, model, filepath, overwrite=True, include_optimizer=True):
        """Write config, metadata and weights (and the optimizer's state with
        ``include_optimizer`` when it maps) as Keras 3 does."""
        from lamella_io.hdf5.model_file import _is_compiled

        config = configs.keras3_model_config(model)  # a subclassed model fails here, first
        shape = _input_shape(model)
        if shape is not None:
            config["build_config"] = {"input_shape": shape}
        extras, optimizer_values, layout = {}, None, None
        if include_optimizer and _is_compiled(model):
            config["compile_config"], extras = configs.compile_config(model)
            optimizer_values, layout = optimizer_state.to_keras3(model.optimizer)
        buffer = io.BytesIO()
        with h5py.File(buffer, "w") as root:
            name = configs._snake(type(model.optimizer).__name__) \
                if optimizer_values is not None else None
            weights_store.write_store(root, model, optimizer_values, name, layout)
        from lamella.engine.serialization import json_default

        zip_archive.write_archive(filepath, {
            zip_archive.METADATA: json.dumps(_metadata(extras)).encode(),
            zip_archive.CONFIG: json.dumps(config, default=json_default).encode(),
            zip_archive.WEIGHTS_H5: buffer.getvalue(),
        })

    def load_model(self, filepath, custom_objects=None, compile=True, safe_mode=True):
        """Rebuild the model from ``config.json``, load its weights and, with ``compile``,
        compile it as ``compile_config`` says and restore the optimizer's state."""
        from lamella.engine.serialization import decoding_config
        from lamella_io.hdf5.model_file import compile_from_training_config, model_from_file_config

        with zip_archive.Archive(filepath) as archive:
            where = archive.where
            raw = archive.json(zip_archive.CONFIG)
            metadata = archive.json(zip_archive.METADATA) \
                if zip_archive.METADATA in archive.names() else {}
            member = f"{where}:{zip_archive.CONFIG}"
            with _naming_the_file(member):
                model = model_from_file_config(configs.from_keras3(raw, member), custom_objects,
                                               safe_mode, member)
            with self._weights(archive) as (root, store_where):
                weights_store.load_store(root, model, store_where)
                if not compile:
                    return model
                compile_cfg = raw.get("compile_config")
                if not compile_cfg:  # Keras 3 writes {} (or nothing) for an uncompiled model
                    warnings.warn(f"{where!r} holds no compile_config: the model was *not* "
                                  f"compiled. Compile it manually.", stacklevel=3)
                    return model
                with decoding_config(repr(member), "compile_config"):
                    training = configs.training_config_from(
                        compile_cfg, metadata.get("lamella_compile") if isinstance(
                            metadata, dict) else None, member)
                    with _naming_the_file(member):
                        compile_from_training_config(model, training, custom_objects)
                datasets, layout = weights_store.optimizer_datasets(root, store_where)
                if datasets:
                    optimizer_state.from_keras3(model.optimizer, datasets, where,
                                                own_layout=layout == optimizer_state.OWN_LAYOUT)
        return model

    @staticmethod
    def _weights(archive):
        @contextlib.contextmanager
        def opened():
            names = archive.names()
            if zip_archive.WEIGHTS_H5 in names:
                store_where = f"{archive.where}:{zip_archive.WEIGHTS_H5}"
                with archive.member_file(zip_archive.WEIGHTS_H5) as fileobj, \
                        _open_h5(fileobj, store_where) as root:
                    yield root, store_where
            elif zip_archive.WEIGHTS_NPZ in names:
                store_where = f"{archive.where}:{zip_archive.WEIGHTS_NPZ}"
                buffer = _npz_store(archive.read(zip_archive.WEIGHTS_NPZ), store_where)
                with h5py.File(buffer, "r") as root:
                    yield root, store_where
            else:
                raise zip_archive.KerasArchiveError(
                    f"{archive.where!r}: the archive has neither {zip_archive.WEIGHTS_H5!r} nor "
                    f"{zip_archive.WEIGHTS_NPZ!r} (it has {names}).")

        return opened()

    def save_weights(self, model, filepath, overwrite=True):
        raise ValueError(f"save_weights({os.fsdecode(filepath)!r}): a .keras file holds a whole "
                         f"model; use model.save() for it, or a path ending in '.weights.h5' "
                         f"(Keras 3's weights-only file) or '.h5' (Keras 2.3's).")

    def load_weights(self, model, filepath, by_name=False, skip_mismatch=False, reshape=False):
        """Load the weights of a ``.keras`` file into ``model`` (Keras 3's ``load_weights``)."""
        _refuse_by_name(by_name, reshape, filepath)
        with zip_archive.Archive(filepath) as archive, self._weights(archive) as (root, where):
            weights_store.load_store(root, model, where, skip_mismatch=skip_mismatch)


class KerasWeightsSaver:
    """Keras 3's weights-only ``.weights.h5`` files (the ``keras_weights`` saver).

    ``save_weights`` writes Keras 3's layout; ``load_weights`` reads Keras 3's layout or, for a
    file with Keras 2.3's ``layer_names``, hands it to the HDF5 saver; ``save``/``load_model``
    on such a path are HDF5 model files, as in Keras 3.

    Example::

        model.save_weights("m.weights.h5")   # keras.Model.load_weights reads it
    """

    extensions = (".weights.h5",)

    def save_model(self, model, filepath, overwrite=True, include_optimizer=True):
        from lamella_io.hdf5.saver import SAVER

        SAVER.save_model(model, filepath, overwrite=overwrite,
                         include_optimizer=include_optimizer)

    def load_model(self, filepath, custom_objects=None, compile=True, safe_mode=True):
        from lamella_io.hdf5.saver import SAVER

        return SAVER.load_model(filepath, custom_objects=custom_objects, compile=compile,
                                safe_mode=safe_mode)

    def save_weights(self, model, filepath, overwrite=True):
        with h5py.File(filepath, "w") as root:
            weights_store.write_store(root, model)

    def load_weights(self, model, filepath, by_name=False, skip_mismatch=False, reshape=False):
        from lamella_io.hdf5.files import open_for_reading
        from lamella_io.hdf5.saver import SAVER

        with open_for_reading(filepath) as root:
            keras3 = weights_store.is_keras3_store(root)
        if not keras3:
            SAVER.load_weights(model, filepath, by_name=by_name, skip_mismatch=skip_mismatch,
                               reshape=reshape)
            return
        _refuse_by_name(by_name, reshape, filepath)
        with open_for_reading(filepath) as root:
            weights_store.load_store(root, model, describe(filepath),
                                     skip_mismatch=skip_mismatch)


@contextlib.contextmanager
def _naming_the_file(member):
    """An unknown class (not a missing first-party package, whose error says what to install)
    names the file and member it came from; an unknown optimizer also says ``compile=False``."""
    from lamella.plugins.errors import MissingPluginError, UnknownComponentError

    try:
        yield
    except MissingPluginError:
        raise
    except UnknownComponentError as exc:
        hint = f"It is named in {member!r}."
        if exc.kind == "optimizers":
            hint += " To load the model without its optimizer, pass compile=False to load_model."
        raise UnknownComponentError(exc.kind, exc.name, exc.suggestions, hint=hint) from exc


def _refuse_by_name(by_name, reshape, filepath):
    if by_name or reshape:
        raise ValueError(f"load_weights({describe(filepath)!r}, by_name={by_name}, "
                         f"reshape={reshape}): Keras 3's weights layout addresses layers by "
                         f"their place in the model, not by name, and stores no layout to "
                         f"reshape from; load it with by_name=False, reshape=False.")


def _input_shape(model):
    """Keras 3's ``build_config`` input shape, or ``None`` for a model not built yet."""
    try:
        shape = model.input_shape
    except (AttributeError, ValueError, RuntimeError):
        return None
    shapes = shape if isinstance(shape, list) else [shape]
    shapes = [list(s) if s is not None else None for s in shapes]
    return shapes[0] if len(shapes) == 1 else shapes


#: The instances registered as the ``keras`` and ``keras_weights`` savers.
SAVER = KerasV3Saver()
WEIGHTS_SAVER = KerasWeightsSaver()
