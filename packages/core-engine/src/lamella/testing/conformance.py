"""A conformance check for layers: does a layer behave as Keras code expects a layer to?

:func:`run_layer_test` builds a layer from its class and constructor arguments, runs it on real
data and checks what Keras 2.3 code relies on: shapes, configs, weights, serialization, use
inside models, masks and dtypes. Every first-party layer passes it
(``packages/layers/tests/test_conformance.py``); plugin authors run it on their own layers.

Example::

    from lamella.testing import run_layer_test

    def test_my_layer():
        run_layer_test(MyLayer, {"units": 3}, input_shape=(2, 4),
                       expected_output_shape=(2, 3), expected_num_trainable_weights=2)
"""

import inspect
import json
import math

import numpy as np
import torch

import lamella
from lamella import layers as layer_facade
from lamella.engine.base_layer import Layer
from lamella.testing.stand_ins import PlainSGD, mean_squared_error

#: The names of the checks, in the order :func:`run_layer_test` runs them (for ``skip``), e.g.
#: ``run_layer_test(MyLayer, {}, (2, 3), skip=("float64",))``.
CHECKS = (
    "call",
    "output_shape",
    "dtype",
    "weights",
    "weight_counts",
    "config",
    "serialize",
    "sequential",
    "functional",
    "training",
    "masking",
    "float64",
)


class LayerTestFailure(AssertionError):
    """One or more conformance checks failed; ``failures`` maps a check to its message.

    Example::

        try:
            run_layer_test(MyLayer, {}, input_shape=(2, 3))
        except LayerTestFailure as failure:
            sorted(failure.failures)   # e.g. ['config', 'serialize']
    """

    def __init__(self, layer_name, failures):
        self.layer_name = layer_name
        self.failures = dict(failures)
        lines = [f"{layer_name}: {len(self.failures)} conformance check(s) failed:"]
        lines += [f"  [{check}] {message}" for check, message in self.failures.items()]
        super().__init__("\n".join(lines))


def _flatten(value):
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in _flatten(item)]
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _flatten(item)]
    return [value]


def _is_shape(value):
    return isinstance(value, (tuple, list)) and all(d is None or isinstance(d, int)
                                                   for d in value)


def _normalize_shapes(shapes):
    """A shape or a nested list of shapes, as tuples (``torch.Size`` and lists included)."""
    if isinstance(shapes, torch.Size) or _is_shape(shapes):
        return tuple(None if d is None else int(d) for d in shapes)
    return [_normalize_shapes(s) for s in shapes]


def _shapes_of(outputs):
    if torch.is_tensor(outputs):
        return tuple(outputs.shape)
    return [_shapes_of(o) for o in outputs]


def _without_batch(shapes):
    if _is_shape(shapes):
        return (None,) + tuple(shapes[1:])
    return [_without_batch(s) for s in shapes]


def _same_shapes(got, expected):
    """Equal shapes; a one-element list and its element count as the same."""
    got, expected = _normalize_shapes(got), _normalize_shapes(expected)
    if isinstance(got, list) and len(got) == 1 and not isinstance(expected, list):
        got = got[0]
    if isinstance(expected, list) and len(expected) == 1 and not isinstance(got, list):
        expected = expected[0]
    if isinstance(got, tuple) or isinstance(expected, tuple):
        return got == expected
    return len(got) == len(expected) and all(_same_shapes(g, e) for g, e in zip(got, expected))


def _configs_equal(first, second):
    """Equal configs, treating tuples as lists and arrays by value (Keras configs mix them)."""
    if isinstance(first, dict) and isinstance(second, dict):
        return first.keys() == second.keys() and all(_configs_equal(first[k], second[k])
                                                      for k in first)
    if isinstance(first, (list, tuple)) and isinstance(second, (list, tuple)):
        return len(first) == len(second) and all(_configs_equal(a, b)
                                                 for a, b in zip(first, second))
    if isinstance(first, np.ndarray) or isinstance(second, np.ndarray):
        return np.array_equal(np.asarray(first), np.asarray(second))
    if isinstance(first, float) and isinstance(second, float):
        return first == second or (math.isnan(first) and math.isnan(second))
    return first == second


def _config_difference(first, second, path="config"):
    if isinstance(first, dict) and isinstance(second, dict):
        for key in sorted(set(first) | set(second), key=str):
            if key not in first or key not in second:
                return f"{path}[{key!r}] present on one side only"
            found = _config_difference(first[key], second[key], f"{path}[{key!r}]")
            if found:
                return found
        return None
    if not _configs_equal(first, second):
        return f"{path}: {first!r} != {second!r}"
    return None


def _make_inputs(input_shape, input_dtype, seed):
    generator = torch.Generator().manual_seed(seed)
    if _is_shape(input_shape):
        if torch.empty((), dtype=input_dtype).is_floating_point():
            return torch.randn(tuple(input_shape), generator=generator).to(input_dtype)
        return torch.randint(0, 10, tuple(input_shape), generator=generator, dtype=input_dtype)
    return [_make_inputs(s, input_dtype, seed + i) for i, s in enumerate(input_shape)]


def _as_tensors(data):
    if isinstance(data, (list, tuple)):
        return [_as_tensors(d) for d in data]
    return data if torch.is_tensor(data) else torch.as_tensor(np.asarray(data))


def _to_numpy(outputs):
    return [o.detach().cpu().numpy() if torch.is_tensor(o) else np.asarray(o)
            for o in _flatten(outputs)]


def _torch_dtype(dtype):
    return dtype if isinstance(dtype, torch.dtype) else getattr(torch, str(dtype))


def _assert_close(got, expected, atol, rtol, what):
    got, expected = _to_numpy(got), _to_numpy(expected)
    assert len(got) == len(expected), f"{what}: {len(got)} outputs, expected {len(expected)}"
    for i, (g, e) in enumerate(zip(got, expected)):
        assert g.shape == e.shape, f"{what}: output {i} has shape {g.shape}, expected {e.shape}"
        if not np.allclose(g, e, atol=atol, rtol=rtol, equal_nan=True):
            worst = float(np.max(np.abs(g.astype("float64") - e.astype("float64"))))
            raise AssertionError(f"{what}: output {i} differs (largest difference {worst:.3g})")


def _input_tensors(shapes, dtype):
    if _is_shape(shapes):
        return lamella.Input(batch_shape=(None,) + tuple(shapes[1:]), dtype=str(dtype)
                             .replace("torch.", ""))
    return [_input_tensors(s, dtype) for s in shapes]


def run_layer_test(
    layer_cls,
    init_kwargs=None,
    input_shape=None,
    *,
    input_data=None,
    input_dtype="float32",
    call_kwargs=None,
    expected_output_shape=None,
    expected_output=None,
    expected_num_trainable_weights=None,
    expected_num_non_trainable_weights=None,
    supports_masking=None,
    expected_mask_shape=None,
    deterministic=True,
    check_float64=False,
    custom_objects=None,
    skip=(),
    atol=1e-6,
    rtol=1e-5,
    seed=0,
):
    """Check that ``layer_cls(**init_kwargs)`` behaves as Keras code expects a layer to.

    Give the input either as ``input_shape`` (with the batch axis, e.g. ``(2, 4)``; a list of
    shapes for a layer taking several inputs; random data of ``input_dtype`` is made, integers
    in ``[0, 10)`` for integer dtypes) or as ``input_data`` (an array, a tensor or a list).

    Checks, each named in a failure (and skippable by name through ``skip``):

    - ``call``: the layer builds and runs on real data (``call_kwargs`` passed on), in
      training mode (a torch module's default) and then in inference mode (``layer.eval()``,
      Keras's default learning phase, used by every later check); the outputs are finite;
      ``expected_output_shape``/``expected_output`` (inference) when given;
    - ``output_shape``: ``compute_output_shape`` on the input shape with a ``None`` batch axis
      agrees with the real output;
    - ``dtype``: float32 inputs give float32 outputs and weights;
    - ``weights``: ``get_weights``/``set_weights`` round-trip new values, in order;
    - ``weight_counts``: ``expected_num_trainable_weights`` /
      ``expected_num_non_trainable_weights``, when given;
    - ``config``: the config is JSON-serializable; ``from_config(get_config())`` gives an equal
      config and, with the same weights, the same outputs (when ``deterministic``);
    - ``serialize``: ``lamella.layers.serialize``/``deserialize`` round-trip (the class is passed
      as a custom object, so unregistered plugin classes work too);
    - ``sequential`` / ``functional``: a copy used in a ``Sequential`` (single-input layers) and
      a functional model predicts what the layer computes, with matching static output shape
      (the copy comes from ``from_config``, or from ``init_kwargs`` when ``config`` is skipped);
    - ``training``: one ``train_on_batch`` step of the functional model gives a finite loss
      and changes some weight (single float output and trainable weights only);
    - ``masking``: for a layer with ``supports_masking`` and a single input of rank >= 3, a
      ``(batch, steps)`` mask is accepted; ``compute_mask`` (with that mask, and with none for
      any layer, as Embedding and Masking make masks) returns ``None`` or a boolean mask with a
      row per sample (of ``expected_mask_shape`` when given);
      ``supports_masking`` when given must match the layer's flag;
    - ``float64`` (only with ``check_float64=True``): with ``dtype="float64"`` the weights and
      outputs are float64 (inputs and float tensors in ``call_kwargs`` are cast; layers given
      in ``init_kwargs``, a wrapper's inner layer, keep their own dtype, so leave it off there).

    Other arguments: ``deterministic=False`` for a layer whose inference output is random
    (outputs are then compared by shape only); ``custom_objects`` for names the config refers
    to (a ``Lambda``'s function); ``atol``/``rtol`` for output comparisons; ``seed`` for the
    random inputs and ``torch.manual_seed``.

    All checks run; a failure raises :class:`LayerTestFailure` (an ``AssertionError``) naming
    the layer and every failed check. Returns the built layer (in inference mode, ``eval()``).

    Example::

        run_layer_test(lamella.layers.Dense, {"units": 3}, input_shape=(2, 4),
                       expected_output_shape=(2, 3), expected_num_trainable_weights=2,
                       expected_num_non_trainable_weights=0, supports_masking=True)
    """
    __tracebackhide__ = True  # pytest shows the failure message, not this function's source
    init_kwargs = dict(init_kwargs or {})
    call_kwargs = dict(call_kwargs or {})
    unknown = set(skip) - set(CHECKS)
    if unknown:
        raise ValueError(f"run_layer_test: unknown check(s) in skip: {sorted(unknown)}; "
                         f"the checks are {', '.join(CHECKS)}")
    if (input_shape is None) == (input_data is None):
        raise ValueError("run_layer_test: give exactly one of input_shape and input_data")
    torch.manual_seed(seed)
    input_dtype = _torch_dtype(input_dtype)
    if input_data is None:
        inputs = _make_inputs(input_shape, input_dtype, seed)
    else:
        inputs = _as_tensors(input_data)
    shapes = _shapes_of(inputs)
    dtype_of_inputs = _flatten(inputs)[0].dtype
    single_input = torch.is_tensor(inputs)
    custom = dict(custom_objects or {}, **{layer_cls.__name__: layer_cls})
    name = layer_cls.__name__
    failures = {}

    def check(check_name, function):
        if check_name in skip:
            return None
        try:
            return function()
        except Exception as exc:  # every check reports, so one run shows every problem
            message = str(exc) if isinstance(exc, AssertionError) else \
                f"{type(exc).__name__}: {exc}"
            failures[check_name] = message or type(exc).__name__
            return None

    # --- call: the one check the others need --------------------------------------------
    try:
        layer = layer_cls(**init_kwargs)
        assert isinstance(layer, Layer), f"{layer!r} is not a lamella Layer"
        # a torch module starts in training mode: the first call runs (and builds) it so
        with torch.no_grad():
            training_outputs = layer(inputs, **call_kwargs)
        # the rest compares inference outputs, which are deterministic (Keras's default phase)
        layer.eval()
        with torch.no_grad():
            outputs = layer(inputs, **call_kwargs)
    except Exception as exc:
        raise LayerTestFailure(name, {"call": f"{type(exc).__name__}: {exc}"}) from exc

    def check_call():
        assert _same_shapes(_shapes_of(training_outputs), _shapes_of(outputs)), \
            f"training-mode output shape {_shapes_of(training_outputs)} differs from " \
            f"inference-mode {_shapes_of(outputs)}"
        for i, out in enumerate(_flatten(training_outputs) + _flatten(outputs)):
            assert torch.is_tensor(out), f"output {i} is a {type(out).__name__}, not a tensor"
            if out.is_floating_point():
                assert torch.isfinite(out).all(), f"output {i} has non-finite values"
        if expected_output_shape is not None:
            got = _shapes_of(outputs)
            assert _same_shapes(got, expected_output_shape), \
                f"output shape {got}, expected {_normalize_shapes(expected_output_shape)}"
        if expected_output is not None:
            _assert_close(outputs, _as_tensors(expected_output), atol, rtol, "expected_output")

    def check_output_shape():
        static = layer.compute_output_shape(_without_batch(shapes))
        real = _without_batch(_shapes_of(outputs))
        assert _same_shapes(static, real), \
            f"compute_output_shape({_without_batch(shapes)}) = {static}, but the layer " \
            f"returned {real}"

    def check_dtype():
        if dtype_of_inputs not in (torch.float32, torch.int32, torch.int64):
            return
        for i, out in enumerate(_flatten(outputs)):
            if out.is_floating_point():
                assert out.dtype == torch.float32, f"output {i} is {out.dtype}, expected float32"
        for i, weight in enumerate(layer.get_weights()):
            if np.issubdtype(weight.dtype, np.floating):
                assert weight.dtype == np.float32, f"weight {i} is {weight.dtype}"

    def check_weights():
        weights = layer.get_weights()
        assert len(weights) == len(layer.weights), \
            f"get_weights() gives {len(weights)} arrays but layer.weights has {len(layer.weights)}"
        changed = [np.asarray(w) + np.asarray(1, dtype=np.asarray(w).dtype) * (i + 1)
                   if np.issubdtype(np.asarray(w).dtype, np.number) else w
                   for i, w in enumerate(weights)]
        layer.set_weights(changed)
        try:
            for i, (got, want) in enumerate(zip(layer.get_weights(), changed)):
                assert np.shape(got) == np.shape(want), \
                    f"weight {i}: set_weights then get_weights gave shape {np.shape(got)}, " \
                    f"expected {np.shape(want)}"
                assert np.allclose(got, want), f"weight {i}: set_weights then get_weights " \
                                               f"gave other values"
        finally:
            layer.set_weights(weights)

    def check_weight_counts():
        if expected_num_trainable_weights is not None:
            got = len(layer.trainable_weights)
            assert got == expected_num_trainable_weights, \
                f"{got} trainable weights, expected {expected_num_trainable_weights}"
        if expected_num_non_trainable_weights is not None:
            got = len(layer.non_trainable_weights)
            assert got == expected_num_non_trainable_weights, \
                f"{got} non-trainable weights, expected {expected_num_non_trainable_weights}"

    try:
        config = layer.get_config()
    except Exception as exc:  # reported as the config check; the others then skip their use
        config = None
        failures["config"] = f"get_config() raised {type(exc).__name__}: {exc}"

    def clone_from_config():
        with lamella.utils.custom_object_scope(custom):
            return layer_cls.from_config(config).eval()

    def model_copy():
        # a layer whose config cannot rebuild it (skip=("config",)) joins models as built anew
        if "config" in skip or config is None:
            return layer_cls(**init_kwargs).eval()
        return clone_from_config()

    def same_outputs(other, what):
        if not deterministic:
            return
        with torch.no_grad():
            again = other(inputs, **call_kwargs)
        _assert_close(again, outputs, atol, rtol, what)

    def check_config():
        if config is None:
            return
        try:
            json.dumps(config, default=_json_default)
        except TypeError as exc:
            raise AssertionError(f"get_config() is not JSON-serializable: {exc}") from None
        clone = clone_from_config()
        assert type(clone) is layer_cls, f"from_config gave a {type(clone).__name__}"
        difference = _config_difference(clone.get_config(), config)
        assert difference is None, f"from_config(get_config()).get_config() differs: {difference}"
        with torch.no_grad():
            clone(inputs, **call_kwargs)  # build it, then give it the same weights
        clone.set_weights(layer.get_weights())
        same_outputs(clone, "from_config copy with the same weights")

    def check_serialize():
        if config is None:
            return
        serialized = layer_facade.serialize(layer)
        assert serialized.get("class_name") == name, \
            f"lamella.layers.serialize gave class_name {serialized.get('class_name')!r}"
        clone = layer_facade.deserialize(serialized, custom_objects=custom)
        assert type(clone) is layer_cls, f"lamella.layers.deserialize gave a " \
                                         f"{type(clone).__name__}"
        difference = _config_difference(clone.get_config(), config)
        assert difference is None, f"deserialize(serialize(layer)).get_config() differs: " \
                                   f"{difference}"

    def model_outputs_match(model, what):
        model.set_weights(layer.get_weights())
        batch = len(_flatten(inputs)[0])
        predicted = model.predict(inputs if single_input else list(inputs), batch_size=batch)
        if deterministic:
            _assert_close(predicted, outputs, atol, rtol, f"{what}.predict")
        static = model.output_shape
        assert _same_shapes(static, _without_batch(_shapes_of(outputs))), \
            f"{what}.output_shape is {static}, the layer returned " \
            f"{_without_batch(_shapes_of(outputs))}"

    def check_sequential():
        if not single_input or call_kwargs:
            return
        model = lamella.Sequential([_input_tensors(shapes, dtype_of_inputs), model_copy()])
        model_outputs_match(model, "Sequential")

    functional_model = []

    def check_functional():
        if call_kwargs:
            return
        symbolic = _input_tensors(shapes, dtype_of_inputs)
        model = lamella.Model(symbolic, model_copy()(symbolic))
        model_outputs_match(model, "functional Model")
        functional_model.append(model)

    def check_training():
        flat = _flatten(outputs)
        if not functional_model or len(flat) != 1 or not flat[0].is_floating_point():
            return
        if not layer.trainable_weights:
            return  # nothing to train: the check is for gradients flowing to weights
        model = functional_model[0]
        model.compile(PlainSGD(0.01), loss=mean_squared_error)
        before = [np.array(w) for w in model.get_weights()]
        target = np.full(tuple(flat[0].shape), 3.0, dtype="float32")  # far from any output
        loss = model.train_on_batch(inputs if single_input else list(inputs), target)
        loss = float(np.ravel(np.asarray(loss, dtype="float64"))[0])
        assert math.isfinite(loss), f"train_on_batch gave loss {loss}"
        after = model.get_weights()
        assert any(not np.array_equal(b, a) for b, a in zip(before, after)), \
            "no weight changed after a training step: gradients do not reach the weights"

    def assert_valid_masks(masks, first_output, what):
        for i, m in enumerate(_flatten(masks)):
            if m is None:
                continue
            assert torch.is_tensor(m) and m.dtype == torch.bool, \
                f"{what} gave a {getattr(m, 'dtype', type(m).__name__)} mask {i}, not bool"
            # Keras passes some masks through unchanged even when the steps move (Permute),
            # so the generic rule is only: one mask row per sample, no more axes than the output
            assert m.dim() <= first_output.dim() and m.shape[0] == first_output.shape[0], \
                f"{what} gave shape {tuple(m.shape)} for output shape " \
                f"{tuple(first_output.shape)}"
            if expected_mask_shape is not None:
                assert tuple(m.shape) == tuple(expected_mask_shape), \
                    f"{what} gave shape {tuple(m.shape)}, expected {expected_mask_shape}"

    def check_masking():
        flag = bool(getattr(layer, "supports_masking", False))
        if supports_masking is not None:
            assert flag == bool(supports_masking), \
                f"supports_masking is {flag}, expected {bool(supports_masking)}"
        # a layer that makes masks (Embedding(mask_zero=True), Masking) makes valid ones
        assert_valid_masks(layer.compute_mask(inputs, None), _flatten(outputs)[0],
                           "compute_mask(inputs, None)")
        if not flag or not single_input or inputs.dim() < 3:
            return
        mask = torch.ones(shapes[:2], dtype=torch.bool)
        mask[0, -1] = False  # one padded step, so a layer that ignores the mask can show it
        kwargs = dict(call_kwargs)
        if "mask" in inspect.signature(layer.call).parameters:
            kwargs["mask"] = mask
        with torch.no_grad():
            masked = layer(inputs, **kwargs)
        out_mask = layer.compute_mask(inputs, mask)
        assert_valid_masks(out_mask, _flatten(masked)[0], "compute_mask(inputs, mask)")

    def run_float64_check():
        if not check_float64:
            return
        layer64 = layer_cls(**dict(init_kwargs, dtype="float64"))
        data = [t.double() if t.is_floating_point() else t for t in _flatten(inputs)]
        layer64.eval()
        kwargs64 = {k: _to_float64(v) for k, v in call_kwargs.items()}
        with torch.no_grad():
            out64 = layer64(data[0] if single_input else data, **kwargs64)
        for i, out in enumerate(_flatten(out64)):
            if out.is_floating_point():
                assert out.dtype == torch.float64, f"output {i} is {out.dtype}, expected float64"
        for i, weight in enumerate(layer64.get_weights()):
            if np.issubdtype(weight.dtype, np.floating):
                assert weight.dtype == np.float64, f"weight {i} is {weight.dtype}"

    check("call", check_call)
    check("output_shape", check_output_shape)
    check("dtype", check_dtype)
    check("weights", check_weights)
    check("weight_counts", check_weight_counts)
    check("config", check_config)
    check("serialize", check_serialize)
    check("sequential", check_sequential)
    check("functional", check_functional)
    check("training", check_training)
    check("masking", check_masking)
    check("float64", run_float64_check)
    if failures:
        raise LayerTestFailure(name, failures)
    return layer


def _to_float64(value):
    if isinstance(value, (list, tuple)):
        return type(value)(_to_float64(v) for v in value)
    if torch.is_tensor(value) and value.is_floating_point():
        return value.double()
    return value


def _json_default(value):
    # Keras's own encoder writes NumPy values and dtypes; anything else is a real problem
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (np.dtype, torch.dtype)):
        return str(value)
    raise TypeError(f"{type(value).__name__} {value!r} is not JSON-serializable")
