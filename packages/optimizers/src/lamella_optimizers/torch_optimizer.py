"""``TorchOptimizer``: any ``torch.optim.Optimizer`` class behind lamella's optimizer contract."""

import importlib

import torch

from lamella.base.optimizer import Optimizer


def _resolve_class(spec):
    if isinstance(spec, type):
        return spec
    if isinstance(spec, str):
        module_name, _, attr = spec.rpartition(".")
        if module_name in ("", "torch.optim"):
            return getattr(torch.optim, attr)
        # Only classes inside torch.optim resolve from a string (configs are data, not code).
        if module_name.startswith("torch.optim"):
            return getattr(importlib.import_module(module_name), attr)
        raise ValueError(
            f"TorchOptimizer: cannot resolve {spec!r} from a config; only torch.optim classes "
            f"resolve by name. Pass the class itself."
        )
    raise TypeError(f"TorchOptimizer: expected a torch.optim.Optimizer class, got {spec!r}")


class TorchOptimizer(Optimizer):
    """Wrap a ``torch.optim.Optimizer`` class so it works in ``compile(optimizer=...)``.

    lamella's learning rate (``learning_rate``/``lr``, ``decay``, schedules, callbacks that set
    ``optimizer.lr``) and gradient clipping (``clipnorm``, ``clipvalue``) apply; every other
    keyword goes to the torch class. The torch optimizer is built when the model compiles.
    Its state (after the first step) is the optimizer's ``weights``, in parameter order and,
    for each parameter, in sorted state-key order.

    Example::

        opt = TorchOptimizer(torch.optim.AdamW, learning_rate=1e-3, weight_decay=0.05)
        model.compile(optimizer=opt, loss="mse")
    """

    def __init__(self, torch_optimizer_class, learning_rate=0.001, clipnorm=None, clipvalue=None,
                 decay=0.0, lr=None, name=None, **torch_kwargs):
        super().__init__(learning_rate=learning_rate, clipnorm=clipnorm, clipvalue=clipvalue,
                         decay=decay, lr=lr, name=name)
        self.torch_optimizer_class = _resolve_class(torch_optimizer_class)
        if not (isinstance(self.torch_optimizer_class, type)
                and issubclass(self.torch_optimizer_class, torch.optim.Optimizer)):
            raise TypeError(
                f"TorchOptimizer: {self.torch_optimizer_class!r} "
                "is not a torch.optim.Optimizer class"
            )
        self.torch_kwargs = dict(torch_kwargs)
        self.torch_optimizer = None

    def _create_slots(self, params):
        lr = self.current_learning_rate()
        self.torch_optimizer = self.torch_optimizer_class(params, lr=lr, **self.torch_kwargs)
        return []

    def _apply(self, params, grads, lr):
        for group in self.torch_optimizer.param_groups:
            group["lr"] = lr
        self.torch_optimizer.step()

    def zero_grad(self):
        if self.torch_optimizer is not None:
            self.torch_optimizer.zero_grad(set_to_none=True)
        else:
            super().zero_grad()

    @property
    def weights(self):
        slots = []
        if self.torch_optimizer is not None:
            state = self.torch_optimizer.state
            for p in self._params:
                entry = state.get(p, {})
                for key in sorted(entry):
                    value = entry[key]
                    if torch.is_tensor(value):
                        slots.append(value)
        return [self.hyperparameter_variables()["iterations"]] + slots

    def get_config(self):
        cls = self.torch_optimizer_class
        config = {"torch_optimizer_class": f"{cls.__module__}.{cls.__qualname__}"}
        config.update(super().get_config())
        config.update(self.torch_kwargs)
        return config
