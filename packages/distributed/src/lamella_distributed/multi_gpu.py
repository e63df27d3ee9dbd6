"""``multi_gpu_model``: Keras 2.3's single-machine data parallelism, on torch's ``DataParallel``.

Each batch is split along its first axis into one slice per GPU; every GPU runs a replica of
the template model on its slice, and the outputs are concatenated (on the CPU with
``cpu_merge=True``, as Keras does, else on the first GPU). The weights are the template's, so
save the template model: ``parallel_model.save`` does exactly that.

Example::

    parallel_model = multi_gpu_model(model, gpus=2)
    parallel_model.compile(loss="categorical_crossentropy", optimizer="rmsprop")
    parallel_model.fit(x, y, epochs=20, batch_size=256)   # 128 samples per GPU per step
    model.save("my_model.h5")                             # the template holds the weights
"""

import torch

from lamella.engine.model import Model
from lamella.utils.generic_utils import as_list


def _available_devices():
    """Keras's device names (``/cpu:0``, ``/gpu:N``) of what torch sees."""
    return ["/cpu:0"] + [f"/gpu:{i}" for i in range(torch.cuda.device_count())]


def multi_gpu_model(model, gpus=None, cpu_merge=True, cpu_relocation=False):
    """Replicate ``model`` on several GPUs of this machine (Keras 2.3's arguments).

    ``gpus``: a count (>= 2) or a list of GPU ids; ``None`` takes every visible GPU.
    ``cpu_merge``: concatenate the outputs on the CPU (else on the first GPU).
    ``cpu_relocation``: Keras rebuilt the template under the CPU scope so its weights lived in
    host memory; torch's ``DataParallel`` needs them on the first GPU and copies them to the
    others each step, so with either value the weights live on the first GPU.
    """
    from lamella_distributed import backend as backends

    strategy = getattr(model, "_strategy", None)
    if (strategy is not None and strategy.world_size > 1) or (
            backends._current is not None and backends._current.size() > 1):
        raise ValueError("multi_gpu_model cannot be combined with a multi-process distribution "
                         "strategy (horovodrun/torchrun): run one process per GPU with "
                         "compile(distribute='horovod' or 'ddp') instead.")
    available_devices = _available_devices()
    if not gpus:
        gpus = len([x for x in available_devices if "gpu" in x])
    if isinstance(gpus, (list, tuple)):
        if len(gpus) <= 1:
            raise ValueError(f"For multi-gpu usage to be effective, call `multi_gpu_model` with "
                             f"`len(gpus) >= 2`. Received: `gpus={gpus}`")
        target_gpu_ids = list(gpus)
    else:
        if gpus <= 1:
            raise ValueError(f"For multi-gpu usage to be effective, call `multi_gpu_model` with "
                             f"`gpus >= 2`. Received: `gpus={gpus}`")
        target_gpu_ids = list(range(gpus))
    target_devices = ["/cpu:0"] + [f"/gpu:{i}" for i in target_gpu_ids]
    for device in target_devices:
        if device not in available_devices:
            raise ValueError(f"To call `multi_gpu_model` with `gpus={gpus}`, we expect the "
                             f"following devices to be available: {target_devices}. However "
                             f"this machine only has: {available_devices}. Try reducing `gpus`.")
    return MultiGpuModel(model, target_gpu_ids, cpu_merge=cpu_merge)


class MultiGpuModel(Model):
    """The model :func:`multi_gpu_model` returns: the template, run on several GPUs.

    Example::

        parallel = MultiGpuModel(template, [0, 1])
    """

    def __init__(self, template, gpu_ids, cpu_merge=True):
        super().__init__(name=f"{template.name}_multi_gpu")
        first = torch.device("cuda", gpu_ids[0])
        template.to(first)
        self.template = template
        self.gpu_ids = list(gpu_ids)
        self.cpu_merge = cpu_merge
        self._parallel = torch.nn.DataParallel(template, device_ids=self.gpu_ids,
                                               output_device=first, dim=0)
        if getattr(template, "_is_graph_network", False):
            self.input_names = template.input_names
            self.output_names = template.output_names
        self.built = template.built

    def call(self, inputs, training=None):
        outputs = as_list(self._parallel(inputs))  # slices gathered on the first GPU
        if self.cpu_merge:
            # Keras concatenated on the CPU; the loss runs where lamella keeps the targets
            # (the model's device, the first GPU), so the merged outputs go back there.
            first = torch.device("cuda", self.gpu_ids[0])
            outputs = [o.cpu().to(first) for o in outputs]
        return outputs[0] if len(outputs) == 1 else outputs

    def save(self, filepath, overwrite=True, include_optimizer=True):
        """Save the template model (Keras's advice for multi-GPU models)."""
        self.template.save(filepath, overwrite=overwrite, include_optimizer=include_optimizer)

    def save_weights(self, filepath, overwrite=True):
        self.template.save_weights(filepath, overwrite=overwrite)

    def get_config(self):
        return self.template.get_config()
