"""Keras 3's additions to layer configs, dropped where they mean "as in Keras 2.3".

Keras 3 writes its legacy ``.h5`` files with Keras-3 layer configs, which carry constructor
arguments Keras 2.3 never had (``Dense(quantization_config=None)``, ``Conv2D(groups=1)``,
``LSTM(seed=None)``, ``BatchNormalization(synchronized=False)``, ``GlorotUniform(input_axes=
None)``, ``Adam(use_ema=False, ...)`` in ``training_config``...). lamella implements Keras
2.3's constructors, so such a key is removed before the object is built, but only when the
class does not take it and its value is the one that keeps Keras 2.3's behaviour: a key that
would change the maths (``groups=2``) is left in place, and the constructor's "keyword argument
not understood" error names it.
"""

import inspect

#: Keras-3-only constructor keys and the values that mean Keras 2.3's behaviour (``ANY``: the
#: key never changes the maths of the loaded model).
ANY = object()
KERAS3_NEUTRAL = {
    "quantization_config": (None,),
    "groups": (1,),
    "seed": (None,),
    "synchronized": (False,),
    "renorm": (False,),
    "renorm_clipping": (None,),
    "renorm_momentum": ANY,
    "input_axes": (None,),
    "output_axes": (None,),
    "lora_rank": (None,),
    "lora_alpha": (None,),
    "use_cudnn": ANY,
    "optional": (False,),
    "ragged": (False,),
    # Keras 3's Bidirectional sets it on return_sequences layers; it only changes the outputs
    # at masked steps (zeros instead of Keras 2.3's carried-over previous output).
    "zero_output_for_mask": ANY,
    # optimizers
    "weight_decay": (None,),
    "global_clipnorm": (None,),
    "use_ema": (False,),
    "ema_momentum": ANY,
    "ema_overwrite_frequency": (None,),
    "loss_scale_factor": (None,),
    "gradient_accumulation_steps": (None,),
    "centered": (False,),
    "momentum": (0.0,),
    # losses and metrics (a .keras file's compile_config)
    "axis": (-1,),
    "dtype": (None, "float32"),
}

#: The kinds whose ``{"class_name", "config"}`` entries are objects built from keyword arguments.
KINDS = ("layers", "optimizers", "initializers", "regularizers", "constraints", "losses",
         "metrics")


def _is_neutral(key, value):
    neutral = KERAS3_NEUTRAL.get(key)
    return neutral is ANY or (neutral is not None and value in neutral)


def _accepted_keys(cls):
    """The keyword arguments ``cls`` takes, or ``None`` when it takes any."""
    from lamella.base.optimizer import Optimizer
    from lamella.engine.base_layer import _BASE_KWARGS, Layer

    is_layer = isinstance(cls, type) and issubclass(cls, Layer)
    # Layers check their **kwargs against _BASE_KWARGS, optimizers refuse any.
    validates = is_layer or (isinstance(cls, type) and issubclass(cls, Optimizer))
    keys = set(_BASE_KWARGS) if is_layer else set()
    if isinstance(cls, type) and not validates:
        # A loss, metric, initializer...: ``from_config`` calls ``cls(**config)``, so the
        # most derived ``__init__`` says what it takes (a base's ``**kwargs`` is not reached).
        try:
            params = inspect.signature(cls).parameters.values()
        except (TypeError, ValueError):
            return None
        if any(param.kind is param.VAR_KEYWORD for param in params):
            return None
        return {param.name for param in params}
    for klass in (cls.__mro__ if isinstance(cls, type) else (cls,)):
        init = klass.__dict__.get("__init__") if isinstance(cls, type) else klass
        if init is None:
            continue
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            return None
        for param in params:
            if param.kind is param.VAR_KEYWORD:
                if not validates:
                    return None
            elif param.name != "self":
                keys.add(param.name)
    return keys


def _find_class(class_name):
    from lamella.plugins import lookup

    for kind in KINDS:
        obj = lookup.find(kind, class_name)
        if obj is not None:
            return obj
    return None


def _mirrors(backward, forward):
    """Whether ``backward`` is ``forward`` run backwards: the layer Keras 2.3's Bidirectional
    builds itself, which Keras 3 writes out as ``backward_layer`` all the same."""
    if not (isinstance(backward, dict) and isinstance(forward, dict)):
        return False
    if backward.get("class_name") != forward.get("class_name"):
        return False
    ignored = {"name", "go_backwards"}
    b, f = backward.get("config") or {}, forward.get("config") or {}
    return bool(b.get("go_backwards")) != bool(f.get("go_backwards")) and \
        {k: v for k, v in b.items() if k not in ignored} == \
        {k: v for k, v in f.items() if k not in ignored}


def drop_keras3_keys(config):
    """A copy of a model/layer config with the neutral Keras-3-only keys removed (recursively).

    Keras 2 configs come back unchanged: they have none of these keys.
    """
    if isinstance(config, list):
        return [drop_keras3_keys(item) for item in config]
    if not isinstance(config, dict):
        return config
    config = {key: drop_keras3_keys(value) for key, value in config.items()}
    inner = config.get("config")
    if config.get("class_name") == "Bidirectional" and isinstance(inner, dict) \
            and _mirrors(inner.get("backward_layer"), inner.get("layer")):
        cls = _find_class("Bidirectional")
        accepted = _accepted_keys(cls) if cls is not None else None
        if accepted is not None and "backward_layer" not in accepted:
            inner = config["config"] = {k: v for k, v in inner.items() if k != "backward_layer"}
    if isinstance(config.get("class_name"), str) and isinstance(inner, dict) \
            and any(_is_neutral(key, value) for key, value in inner.items()):
        cls = _find_class(config["class_name"])
        accepted = _accepted_keys(cls) if cls is not None else None
        if accepted is not None:
            config["config"] = {key: value for key, value in inner.items()
                                if key in accepted or not _is_neutral(key, value)}
    return config


__all__ = ["KERAS3_NEUTRAL", "drop_keras3_keys"]
