"""``lamella.wrappers.scikit_learn``: Keras 2.3.1's scikit-learn wrappers.

``KerasClassifier`` and ``KerasRegressor`` make a function that builds and compiles a model
into a scikit-learn estimator, so ``cross_val_score``, ``GridSearchCV`` and pipelines work
with it. scikit-learn itself is not imported (as in Keras): these classes follow its estimator
protocol (``get_params``, ``set_params``, ``fit``, ``predict``, ``score``) on their own.

Example::

    def build(units=8):
        model = lamella.Sequential([Dense(units, activation="relu", input_shape=(4,)),
                                    Dense(3, activation="softmax")])
        model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
        return model

    clf = KerasClassifier(build, units=16, epochs=5, verbose=0)
    cross_val_score(clf, x, y, cv=3)                     # y holds class labels
    GridSearchCV(clf, {"units": [4, 8]}, cv=3).fit(x, y)
"""

import copy
import types

import numpy as np

from lamella.engine.sequential import Sequential
from lamella.utils.generic_utils import has_arg, to_list
from lamella.utils.np_utils import to_categorical

__all__ = ["BaseWrapper", "KerasClassifier", "KerasRegressor"]


def _loss_name(model):
    """The name of the compiled model's (first) loss: a string, a function's or a class's."""
    loss = getattr(model, "loss", None)
    if loss is None:  # lamella keeps compile's argument with the compiled objectives
        loss = getattr(getattr(model, "_objectives", None), "loss_spec", None)
    if isinstance(loss, dict):
        loss = next(iter(loss.values()), None)
    if isinstance(loss, (list, tuple)):
        loss = loss[0] if loss else None
    if isinstance(loss, str):
        return loss
    return getattr(loss, "__name__", None) or type(loss).__name__


def _is_categorical_crossentropy(model):
    # Keras's losses.is_categorical_crossentropy: the function, its name or the class.
    return _loss_name(model) in ("categorical_crossentropy", "CategoricalCrossentropy")


class BaseWrapper:
    """Base class of the scikit-learn wrappers (use :class:`KerasClassifier` or
    :class:`KerasRegressor`).

    # Arguments
        build_fn: a function, or an instance of a class with ``__call__``, that builds and
            compiles a model; ``None`` means a subclass's own ``__call__`` does.
        **sk_params: arguments of ``build_fn`` and of ``fit``, ``predict``,
            ``predict_proba`` and ``evaluate`` (e.g. ``epochs``, ``batch_size``); each call
            receives the ones it accepts. Values passed to ``fit(...)``, ``predict(...)``,
            ... win over these, which win over the methods' defaults.

    Example::

        reg = KerasRegressor(build_fn=make_model, epochs=10, batch_size=16, verbose=0)
        reg.set_params(epochs=20).fit(x, y)
    """

    def __init__(self, build_fn=None, **sk_params):
        self.build_fn = build_fn
        self.sk_params = sk_params
        self.check_params(sk_params)

    def _build_fn_signature(self):
        if self.build_fn is None:
            return self.__call__
        if not isinstance(self.build_fn, (types.FunctionType, types.MethodType)):
            return self.build_fn.__call__
        return self.build_fn

    def check_params(self, params):
        """Raise ``ValueError`` for a parameter that neither ``build_fn`` nor ``fit``,
        ``predict``, ``predict_classes`` or ``evaluate`` accepts (a typo)."""
        legal_params_fns = [Sequential.fit, Sequential.predict, Sequential.predict_classes,
                            Sequential.evaluate]
        if self.build_fn is not None and not callable(self.build_fn):
            raise ValueError(f"{type(self).__name__}: build_fn must be a function or a "
                             f"callable object that returns a compiled model, got "
                             f"{self.build_fn!r}.")
        legal_params_fns.append(self._build_fn_signature())
        for params_name in params:
            if params_name == "nb_epoch":  # Keras 1's name, accepted as Keras does
                continue
            if not any(has_arg(fn, params_name) for fn in legal_params_fns):
                raise ValueError(f"{params_name} is not a legal parameter")

    def get_params(self, **params):
        """The parameters (``build_fn`` and ``sk_params``); ``params`` (``deep``) is ignored."""
        res = copy.deepcopy(self.sk_params)
        res.update({"build_fn": self.build_fn})
        return res

    def set_params(self, **params):
        """Update ``sk_params`` (checked as in the constructor); returns ``self``."""
        self.check_params(params)
        self.sk_params.update(params)
        return self

    def fit(self, x, y, **kwargs):
        """Build a new model with ``build_fn`` and fit it to ``(x, y)``; returns the
        ``History``. ``kwargs`` are arguments of ``Sequential.fit``."""
        fn = self._build_fn_signature()
        if self.build_fn is None:
            self.model = self.__call__(**self.filter_sk_params(fn))
        else:
            self.model = self.build_fn(**self.filter_sk_params(fn))

        if _is_categorical_crossentropy(self.model) and len(y.shape) != 2:
            y = to_categorical(y)

        fit_args = copy.deepcopy(self.filter_sk_params(Sequential.fit))
        fit_args.update(kwargs)
        return self.model.fit(x, y, **fit_args)

    def __sklearn_is_fitted__(self):
        # Newer scikit-learn asks before scoring through a Pipeline (Keras 2.3.1 predates it).
        return hasattr(self, "model")

    def filter_sk_params(self, fn, override=None):
        """The ``sk_params`` that ``fn`` accepts, updated with ``override``."""
        override = override or {}
        res = {name: value for name, value in self.sk_params.items() if has_arg(fn, name)}
        res.update(override)
        return res


class KerasClassifier(BaseWrapper):
    """The scikit-learn classifier API for a Keras model.

    ``y`` holds class labels (any sortable values, as scikit-learn gives them) or one-hot
    rows; ``predict`` returns labels, ``predict_proba`` one column per class (two for a
    single sigmoid output), ``score`` the model's accuracy (compile it with
    ``metrics=['accuracy']``).

    Example::

        clf = KerasClassifier(build_fn=make_classifier, epochs=5, verbose=0)
        clf.fit(x, labels)
        clf.predict(x[:3])      # labels, e.g. array(['cat', 'dog', 'cat'])
    """

    _estimator_type = "classifier"

    def fit(self, x, y, sample_weight=None, **kwargs):
        """Build a new model and fit it; ``y`` is 1-D labels, ``(n, 1)`` labels or one-hot.

        # Raises
            ValueError: ``y`` has another shape.
        """
        y = np.array(y)
        if len(y.shape) == 2 and y.shape[1] > 1:
            self.classes_ = np.arange(y.shape[1])
        elif (len(y.shape) == 2 and y.shape[1] == 1) or len(y.shape) == 1:
            self.classes_ = np.unique(y)
            y = np.searchsorted(self.classes_, y)
        else:
            raise ValueError("Invalid shape for y: " + str(y.shape))
        self.n_classes_ = len(self.classes_)
        if sample_weight is not None:
            kwargs["sample_weight"] = sample_weight
        return super().fit(x, y, **kwargs)

    def predict(self, x, **kwargs):
        """Class labels for ``x`` (the most probable class; > 0.5 for one sigmoid output)."""
        kwargs = self.filter_sk_params(Sequential.predict_classes, kwargs)
        proba = self.model.predict(x, **kwargs)
        if proba.shape[-1] > 1:
            classes = proba.argmax(axis=-1)
        else:
            classes = (proba > 0.5).astype("int32")
        return self.classes_[classes]

    def predict_proba(self, x, **kwargs):
        """Class probabilities, ``(n_samples, n_classes)``; a single sigmoid output gives two
        columns ``[1 - p, p]``, as scikit-learn expects."""
        kwargs = self.filter_sk_params(Sequential.predict_proba, kwargs)
        probs = self.model.predict(x, **kwargs)
        if probs.shape[1] == 1:
            probs = np.hstack([1 - probs, probs])
        return probs

    def score(self, x, y, **kwargs):
        """The model's accuracy on ``(x, y)``.

        # Raises
            ValueError: the model does not compute accuracy.
        """
        y = np.searchsorted(self.classes_, y)
        kwargs = self.filter_sk_params(Sequential.evaluate, kwargs)
        if _loss_name(self.model) == "categorical_crossentropy" and len(y.shape) != 2:
            y = to_categorical(y)
        outputs = to_list(self.model.evaluate(x, y, **kwargs))
        for name, output in zip(self.model.metrics_names, outputs):
            if name in ["accuracy", "acc"]:
                return output
        raise ValueError("The model is not configured to compute accuracy. You should pass "
                         "`metrics=[\"accuracy\"]` to the `model.compile()` method.")

    def __sklearn_tags__(self):
        # scikit-learn >= 1.6 asks estimators for tags; called only by scikit-learn itself.
        from sklearn.utils import ClassifierTags, Tags, TargetTags

        return Tags(estimator_type="classifier", target_tags=TargetTags(required=True),
                    classifier_tags=ClassifierTags())


class KerasRegressor(BaseWrapper):
    """The scikit-learn regressor API for a Keras model: ``score`` is minus the loss.

    Example::

        reg = KerasRegressor(build_fn=make_regressor, epochs=20, verbose=0)
        cross_val_score(reg, x, y, cv=3)     # negated mean squared errors
    """

    _estimator_type = "regressor"

    def predict(self, x, **kwargs):
        """Predictions for ``x``; a single output column is squeezed to ``(n_samples,)``."""
        kwargs = self.filter_sk_params(Sequential.predict, kwargs)
        preds = np.array(self.model.predict(x, **kwargs))
        if preds.shape[-1] == 1:
            return np.squeeze(preds, axis=-1)
        return preds

    def score(self, x, y, **kwargs):
        """Minus the model's loss on ``(x, y)`` (scikit-learn maximises scores)."""
        kwargs = self.filter_sk_params(Sequential.evaluate, kwargs)
        loss = self.model.evaluate(x, y, **kwargs)
        if isinstance(loss, list):
            return -loss[0]
        return -loss

    def __sklearn_tags__(self):
        from sklearn.utils import RegressorTags, Tags, TargetTags

        return Tags(estimator_type="regressor", target_tags=TargetTags(required=True),
                    regressor_tags=RegressorTags())
