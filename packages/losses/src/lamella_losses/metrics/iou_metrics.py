"""Mean intersection-over-union, the image-segmentation metric."""

import torch

from lamella.base.metric import Metric
from lamella_losses._utils import as_tensor


class MeanIoU(Metric):
    """Mean intersection-over-union over ``num_classes`` classes (tf.keras's ``MeanIoU``; Keras
    2.3.1 offers it only with TensorFlow 2).

    ``y_true`` and ``y_pred`` hold class ids (flattened; not probabilities). A confusion matrix
    accumulates on the device; per class ``IoU = TP / (TP + FP + FN)``, averaged over the classes
    that occur in either.

    Example::

        m = MeanIoU(num_classes=2)
        m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
        float(m.result())   # 0.3333
    """

    def __init__(self, num_classes, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if int(num_classes) < 2:
            raise ValueError(f"MeanIoU: num_classes must be >= 2, got {num_classes}")
        self.num_classes = int(num_classes)
        self.total_cm = self.add_weight("total_cm", (self.num_classes, self.num_classes),
                                        dtype="float64")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = as_tensor(y_true)
        shape = y_true.shape
        true_ids = y_true.reshape(-1).to(device=self.total_cm.device, dtype=torch.int64)
        pred_ids = as_tensor(y_pred, y_true).reshape(-1).to(device=self.total_cm.device,
                                                             dtype=torch.int64)
        weight = None
        if sample_weight is not None:  # (B,) weights cover every element of their sample
            weight = as_tensor(sample_weight, y_true).to(self.total_cm.device, torch.float64)
            weight = weight.reshape(tuple(weight.shape) + (1,) * (len(shape) - weight.dim()))
            weight = torch.broadcast_to(weight, shape).reshape(-1)
        if weight is None:
            weight = torch.ones(true_ids.shape, dtype=torch.float64, device=true_ids.device)
        # index_add_ rather than bincount: bincount sizes its output from the data (a sync).
        self.total_cm.view(-1).index_add_(0, true_ids * self.num_classes + pred_ids, weight)

    def result(self):
        rows, cols = self.total_cm.sum(dim=0), self.total_cm.sum(dim=1)
        true_positives = torch.diagonal(self.total_cm)
        denominator = rows + cols - true_positives
        present = (denominator != 0).sum()
        iou = true_positives / torch.where(denominator == 0, torch.ones_like(denominator),
                                           denominator)
        return (iou.sum() / torch.clamp(present, min=1)).to(torch.float32)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}

