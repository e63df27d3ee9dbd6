"""Keras 2.3's optimizers (``keras/optimizers.py@2.3.1``), stepping torch parameters.

Every update follows Keras's formulas exactly (epsilon placement included; see each class) and
uses torch's multi-tensor ``torch._foreach_*`` kernels, so one step launches a handful of
kernels for the whole model rather than a Python loop over parameters. Learning rate, ``decay``
and schedules are worked out on the host as Python floats (no device synchronisation).
"""

import math

import torch

from lamella_optimizers._common import KerasOptimizer, epsilon_or_default


class SGD(KerasOptimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum.

    Keras 2.3: ``v = momentum·m − lr·g; m ← v``; then ``p ← p + v`` or, with Nesterov,
    ``p ← p + momentum·v − lr·g``. State: ``[iterations] + moments``.

    Example::

        model.compile(optimizer=SGD(learning_rate=0.01, momentum=0.9, nesterov=True), loss="mse")
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if momentum < 0:
            raise ValueError(f"SGD: momentum must be >= 0, got {momentum}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _create_slots(self, params):
        self.moments = self._zeros(params)
        return list(self.moments)

    def _apply(self, params, grads, lr):
        momentum = self.momentum  # the variable's current value, read once
        if momentum == 0.0:
            # Plain SGD: p ← p − lr·g. Keras would also store v = −lr·g in the moments, which
            # has no effect on any later step while momentum is 0, so lamella skips it.
            torch._foreach_add_(params, grads, alpha=-lr)
            return
        moments = self.select_slots(params, self.moments)
        torch._foreach_mul_(moments, momentum)
        torch._foreach_add_(moments, grads, alpha=-lr)
        if self.nesterov:
            torch._foreach_add_(params, moments, alpha=momentum)
            torch._foreach_add_(params, grads, alpha=-lr)
        else:
            torch._foreach_add_(params, moments)

    def get_config(self):
        config = super().get_config()
        return {"learning_rate": config.pop("learning_rate"), "momentum": self.momentum,
                "decay": config.pop("decay"), "nesterov": self.nesterov, **config}


class RMSprop(KerasOptimizer):
    """RMSprop. Keras 2.3: ``a ← ρa + (1−ρ)g²; p ← p − lr·g/(√a + ε)``.

    Identical to ``torch.optim.RMSprop(alpha=rho, eps=epsilon)``. State: ``[iterations] +
    accumulators``.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, *, epsilon=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = float(rho)
        self.epsilon = epsilon_or_default(epsilon)

    def _create_slots(self, params):
        self.accumulators = self._zeros(params)
        return list(self.accumulators)

    def _apply(self, params, grads, lr):
        acc = self.select_slots(params, self.accumulators)
        rho = self.rho  # the variable's current value, read once
        torch._foreach_mul_(acc, rho)
        torch._foreach_addcmul_(acc, grads, grads, value=1.0 - rho)
        denom = torch._foreach_sqrt(acc)
        torch._foreach_add_(denom, self.epsilon)
        torch._foreach_addcdiv_(params, grads, denom, value=-lr)

    def get_config(self):
        config = super().get_config()
        return {"learning_rate": config.pop("learning_rate"), "rho": self.rho,
                "decay": config.pop("decay"), "epsilon": self.epsilon, **config}


class Adagrad(KerasOptimizer):
    """Adagrad. Keras 2.3: ``a ← a + g²; p ← p − lr·g/(√a + ε)``, accumulators start at 0.

    That is torch's Adagrad with ``lr_decay=0`` and ``initial_accumulator_value=0``, so lamella
    runs torch's fused kernel where it can (``fused=False`` forces the multi-tensor form).
    State: ``[iterations] + accumulators``.
    """

    def __init__(self, learning_rate=0.01, *, epsilon=None, fused=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.epsilon = epsilon_or_default(epsilon)
        self._fused_option = fused

    def _create_slots(self, params):
        self.accumulators = self._zeros(params)
        self._fused = (self._fused_option is not False) and _fused_available(
            "_fused_adagrad_", params)
        if self._fused:  # the kernel only reads the step for lr_decay, which is 0 here
            self._steps = [torch.zeros((), dtype=torch.float32, device=p.device) for p in params]
        return list(self.accumulators)

    def _apply(self, params, grads, lr):
        acc = self.select_slots(params, self.accumulators)
        if self._fused:
            steps = self._steps[: len(params)]
            torch._fused_adagrad_(params, grads, acc, steps, lr=lr, lr_decay=0.0,
                                  weight_decay=0.0, eps=self.epsilon, maximize=False)
            return
        torch._foreach_addcmul_(acc, grads, grads)
        denom = torch._foreach_sqrt(acc)
        torch._foreach_add_(denom, self.epsilon)
        torch._foreach_addcdiv_(params, grads, denom, value=-lr)

    def get_config(self):
        config = super().get_config()
        return {"learning_rate": config.pop("learning_rate"), "decay": config.pop("decay"),
                "epsilon": self.epsilon, **config}


class Adadelta(KerasOptimizer):
    """Adadelta. Keras 2.3::

        a ← ρa + (1−ρ)g²
        u = g·√(d + ε)/√(a + ε)
        p ← p − lr·u
        d ← ρd + (1−ρ)u²

    State: ``[iterations] + accumulators + delta_accumulators``.
    """

    # Keras 2.3.1's Adadelta keeps rho a plain float (not a K.variable) and reports it as given.
    _constant_hyperparameters = frozenset({"rho"})

    def __init__(self, learning_rate=1.0, rho=0.95, *, epsilon=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = float(rho)
        self.epsilon = epsilon_or_default(epsilon)

    def _create_slots(self, params):
        self.accumulators = self._zeros(params)
        self.delta_accumulators = self._zeros(params)
        return list(self.accumulators) + list(self.delta_accumulators)

    def _apply(self, params, grads, lr):
        acc, dacc = self.select_slots(params, self.accumulators, self.delta_accumulators)
        rho, eps = self.rho, self.epsilon
        torch._foreach_mul_(acc, rho)
        torch._foreach_addcmul_(acc, grads, grads, value=1.0 - rho)
        num = torch._foreach_add(dacc, eps)
        torch._foreach_sqrt_(num)
        den = torch._foreach_add(acc, eps)
        torch._foreach_sqrt_(den)
        torch._foreach_div_(num, den)
        update = num
        torch._foreach_mul_(update, grads)
        torch._foreach_add_(params, update, alpha=-lr)
        torch._foreach_mul_(dacc, rho)
        torch._foreach_addcmul_(dacc, update, update, value=1.0 - rho)

    def get_config(self):
        config = super().get_config()
        return {"learning_rate": config.pop("learning_rate"), "rho": self.rho,
                "decay": config.pop("decay"), "epsilon": self.epsilon, **config}


def _fused_available(kernel, params):
    """Whether torch's fused ``kernel`` can step ``params`` (one device and dtype, CPU/CUDA)."""
    if not hasattr(torch, kernel) or not params:
        return False
    first = params[0]
    if first.device.type not in ("cuda", "cpu") or not first.is_floating_point():
        return False
    return all(p.device == first.device and p.dtype == first.dtype for p in params)


class Adam(KerasOptimizer):
    """Adam (and AMSGrad), with Keras's epsilon placement::

        t = iterations + 1      (iterations already incremented, as Keras 2.3.1 on TF 1.x reads it)
        lr_t = lr·√(1−β2^t)/(1−β1^t)
        m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  (amsgrad: v̂ ← max(v̂, v))
        p ← p − lr_t·m/(√v + ε)          (√v̂ with amsgrad)

    torch's Adam adds ε to the bias-corrected √v̂; with ``ε' = ε/√(1−β2^t)`` the two are the
    same formula, so lamella runs torch's fused Adam kernel (one launch per step) with ``ε'``
    where it can, and the multi-tensor formulation otherwise. State: ``[iterations] + ms + vs
    + vhats`` (``vhats`` are 1-element dummies when ``amsgrad=False``, as in Keras).
    """

    # Keras 2.3.1 (TensorFlow 1.x) reads the already-incremented `iterations`: t = 2 first.
    _iterations_read_after_increment = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, amsgrad=False, *,
                 epsilon=None, fused=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = epsilon_or_default(epsilon)
        self.amsgrad = bool(amsgrad)
        self._fused_option = fused

    def _create_slots(self, params):
        self.ms = self._zeros(params)
        self.vs = self._zeros(params)
        if self.amsgrad:
            self.vhats = self._zeros(params)
        else:
            self.vhats = [torch.zeros(1, dtype=p.dtype, device=p.device) for p in params]
        self._fused = (self._fused_option is not False) and _fused_available(
            self._FUSED_KERNEL, params)
        if self._fused:
            self._step_tensor = torch.zeros((), dtype=torch.float32, device=params[0].device)
        return list(self.ms) + list(self.vs) + list(self.vhats)

    #: torch's fused kernel for this update (AdamW's folds its decoupled weight decay in).
    _FUSED_KERNEL = "_fused_adam_"

    def _fused_weight_decay(self):
        return 0.0

    def _decoupled_weight_decay(self, params, lr):
        pass

    def _apply(self, params, grads, lr):
        t = self.iterations + 1
        b1, b2 = self.beta_1, self.beta_2
        bc1 = 1.0 - b1 ** t
        bc2 = 1.0 - b2 ** t
        if not self._fused:
            self._decoupled_weight_decay(params, lr)
        if self.amsgrad:
            ms, vs, vhats = self.select_slots(params, self.ms, self.vs, self.vhats)
        else:
            ms, vs = self.select_slots(params, self.ms, self.vs)
            vhats = []
        if self._fused:
            self._step_tensor.fill_(float(t))
            getattr(torch, self._FUSED_KERNEL)(
                params, grads, ms, vs, vhats, [self._step_tensor] * len(params),
                lr=lr, beta1=b1, beta2=b2, weight_decay=self._fused_weight_decay(),
                eps=self.epsilon / math.sqrt(bc2),
                amsgrad=self.amsgrad, maximize=False,
            )
            return
        lr_t = lr * math.sqrt(bc2) / bc1
        torch._foreach_lerp_(ms, grads, 1.0 - b1)
        torch._foreach_mul_(vs, b2)
        torch._foreach_addcmul_(vs, grads, grads, value=1.0 - b2)
        if self.amsgrad:
            torch._foreach_maximum_(vhats, vs)
            denom = torch._foreach_sqrt(vhats)
        else:
            denom = torch._foreach_sqrt(vs)
        torch._foreach_add_(denom, self.epsilon)
        torch._foreach_addcdiv_(params, ms, denom, value=-lr_t)

    def get_config(self):
        config = super().get_config()
        return {"learning_rate": config.pop("learning_rate"), "beta_1": self.beta_1,
                "beta_2": self.beta_2, "decay": config.pop("decay"), "epsilon": self.epsilon,
                "amsgrad": self.amsgrad, **config}


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), beyond Keras 2.3.

    Before the Adam update each parameter shrinks by ``p ← p − lr·weight_decay·p`` (the
    current learning rate, after ``decay`` and schedules), as in ``torch.optim.AdamW``; the
    Adam part is exactly :class:`Adam`'s Keras formula.
    """

    # AdamW is not a Keras 2.3 optimizer: it counts steps the usual way (t = 1 first).
    _iterations_read_after_increment = False

    def __init__(self, learning_rate=0.001, weight_decay=0.01, beta_1=0.9, beta_2=0.999,
                 epsilon=None, amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, **kwargs)
        if weight_decay < 0:
            raise ValueError(f"AdamW: weight_decay must be >= 0, got {weight_decay}")
        self.weight_decay = float(weight_decay)

    _FUSED_KERNEL = "_fused_adamw_"

    def _fused_weight_decay(self):
        return self.weight_decay

    def _decoupled_weight_decay(self, params, lr):
        if self.weight_decay:
            torch._foreach_mul_(params, 1.0 - lr * self.weight_decay)

    def get_config(self):
        config = super().get_config()
        config["weight_decay"] = self.weight_decay
        return config


class Adamax(KerasOptimizer):
    """Adamax (Adam with the infinity norm). Keras 2.3::

        lr_t = lr/(1−β1^t)
        m ← β1·m + (1−β1)·g;  u ← max(β2·u, |g|)
        p ← p − lr_t·m/(u + ε)

    State: ``[iterations] + ms + us``.
    """

    # Keras 2.3.1 (TensorFlow 1.x) reads the already-incremented `iterations`: t = 2 first.
    _iterations_read_after_increment = True

    def __init__(self, learning_rate=0.002, beta_1=0.9, beta_2=0.999, *, epsilon=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = epsilon_or_default(epsilon)

    def _create_slots(self, params):
        self.ms = self._zeros(params)
        self.us = self._zeros(params)
        return list(self.ms) + list(self.us)

    def _apply(self, params, grads, lr):
        t = self.iterations + 1
        b1, b2 = self.beta_1, self.beta_2  # the variables' current values, read once
        lr_t = lr / (1.0 - b1 ** t)
        ms, us = self.select_slots(params, self.ms, self.us)
        torch._foreach_lerp_(ms, grads, 1.0 - b1)
        torch._foreach_mul_(us, b2)
        torch._foreach_maximum_(us, torch._foreach_abs(grads))
        denom = torch._foreach_add(us, self.epsilon)
        torch._foreach_addcdiv_(params, ms, denom, value=-lr_t)

    def get_config(self):
        config = super().get_config()
        return {"learning_rate": config.pop("learning_rate"), "beta_1": self.beta_1,
                "beta_2": self.beta_2, "decay": config.pop("decay"), "epsilon": self.epsilon,
                **config}


class Nadam(KerasOptimizer):
    """Nesterov Adam. Keras 2.3 (with ``schedule_decay=0.004``)::

        μ_t = β1·(1 − ½·0.96^(t·sd));  μ_{t+1} = β1·(1 − ½·0.96^((t+1)·sd))
        S ← S·μ_t  (m_schedule);  S' = S·μ_{t+1}
        ĝ = g/(1−S);  m ← β1·m + (1−β1)g;  m̂ = m/(1−S')
        v ← β2·v + (1−β2)g²;  v̂ = v/(1−β2^t)
        p ← p − lr·((1−μ_t)·ĝ + μ_{t+1}·m̂)/(√v̂ + ε)

    State: ``[iterations, m_schedule] + ms + vs``. Keras's Nadam ignores ``decay``; lamella
    applies it when it is set (Keras would reject it), and leaves it out of ``get_config`` at 0.
    """

    # Keras 2.3.1 (TensorFlow 1.x) reads the already-incremented `iterations`: t = 2 first.
    _iterations_read_after_increment = True

    def __init__(self, learning_rate=0.002, beta_1=0.9, beta_2=0.999, *, epsilon=None,
                 schedule_decay=0.004, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = epsilon_or_default(epsilon)
        self.schedule_decay = float(schedule_decay)
        self._m_schedule = 1.0

    def _create_slots(self, params):
        # m_schedule lives on the host (a float) and is mirrored into this tensor for saving.
        self.m_schedule = torch.ones((), dtype=torch.float32)
        self._m_schedule = 1.0
        self.ms = self._zeros(params)
        self.vs = self._zeros(params)
        return [self.m_schedule] + list(self.ms) + list(self.vs)

    def set_weights(self, weights):
        super().set_weights(weights)
        self._m_schedule = float(self.m_schedule)

    def _apply(self, params, grads, lr):
        t = self.iterations + 1
        b1, b2, sd = self.beta_1, self.beta_2, self.schedule_decay
        mu_t = b1 * (1.0 - 0.5 * 0.96 ** (t * sd))
        mu_t1 = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * sd))
        m_schedule_new = self._m_schedule * mu_t
        m_schedule_next = m_schedule_new * mu_t1
        # Keras keeps m_schedule in a float32 variable; rounding it the same way keeps a
        # saved-and-restored optimizer on exactly the path of one that never stopped.
        self.m_schedule.fill_(m_schedule_new)
        self._m_schedule = float(self.m_schedule)
        ms, vs = self.select_slots(params, self.ms, self.vs)
        torch._foreach_lerp_(ms, grads, 1.0 - b1)
        torch._foreach_mul_(vs, b2)
        torch._foreach_addcmul_(vs, grads, grads, value=1.0 - b2)
        # numerator = (1−μ_t)/(1−S)·g + μ_{t+1}/(1−S')·m
        num = torch._foreach_mul(grads, (1.0 - mu_t) / (1.0 - m_schedule_new))
        torch._foreach_add_(num, ms, alpha=mu_t1 / (1.0 - m_schedule_next))
        denom = torch._foreach_mul(vs, 1.0 / (1.0 - b2 ** t))
        torch._foreach_sqrt_(denom)
        torch._foreach_add_(denom, self.epsilon)
        torch._foreach_addcdiv_(params, num, denom, value=-lr)

    def get_config(self):
        config = super().get_config()
        decay = config.pop("decay")
        result = {"learning_rate": config.pop("learning_rate"), "beta_1": self.beta_1,
                  "beta_2": self.beta_2, "epsilon": self.epsilon,
                  "schedule_decay": self.schedule_decay}
        if decay:
            result["decay"] = decay
        result.update(config)
        return result
