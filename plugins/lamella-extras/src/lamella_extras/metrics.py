"""``F1Score``: the harmonic mean of precision and recall, accumulated over an epoch."""

from lamella.metrics import Metric


class F1Score(Metric):
    """Binary F1 score over every prediction seen since the last reset (not a batch mean).

    A prediction counts as positive when it exceeds ``threshold``. The counts live on the
    model's device; nothing is read back until the value is logged.

    Args:
        threshold: the decision threshold on ``y_pred``, in ``(0, 1)`` for probabilities.
        name, dtype: as every Keras metric takes them.

    Example::

        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["f1_score"])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[F1Score(0.3)])
    """

    def __init__(self, threshold=0.5, name="f1_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.threshold = float(threshold)
        self.true_positives = self.add_weight("true_positives")
        self.false_positives = self.add_weight("false_positives")
        self.false_negatives = self.add_weight("false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        predicted = (y_pred > self.threshold).to(self.true_positives.dtype)
        actual = (y_true > 0.5).to(self.true_positives.dtype).reshape(predicted.shape)
        weight = 1.0
        if sample_weight is not None:
            weight = sample_weight.to(predicted.dtype).reshape(
                sample_weight.shape + (1,) * (predicted.dim() - sample_weight.dim()))
        self.true_positives.add_((weight * predicted * actual).sum())
        self.false_positives.add_((weight * predicted * (1 - actual)).sum())
        self.false_negatives.add_((weight * (1 - predicted) * actual).sum())

    def result(self):
        denominator = 2 * self.true_positives + self.false_positives + self.false_negatives
        # F1 = 2TP / (2TP + FP + FN); 0 (not NaN) before any positive is seen
        return 2 * self.true_positives / denominator.clamp(min=1e-12)

    def get_config(self):
        config = super().get_config()
        config["threshold"] = self.threshold
        return config
