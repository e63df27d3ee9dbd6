"""Connectionist temporal classification: ``ctc_batch_cost``, ``ctc_decode`` (greedy and
beam search, as TensorFlow 1.15's decoders) and ``ctc_label_dense_to_sparse``.

The blank is the last class, as in Keras. ``ctc_decode`` follows TensorFlow's beam search
step for step (the same candidate rule, the same pruning of the lowest beam), so the paths and
log-probabilities match Keras 2.3.1's; it runs on the CPU, in NumPy.

Example::

    from lamella import backend as K

    loss = K.ctc_batch_cost(labels, softmax_out, input_length, label_length)  # (batch, 1)
    (decoded,), log_prob = K.ctc_decode(softmax_out, input_length[:, 0])
"""

import math

import numpy as np
import torch
import torch.nn.functional as F

from lamella.backend import config
from lamella.backend._tensors import to_tensor

_LOG_ZERO = -math.inf


def ctc_label_dense_to_sparse(labels, label_lengths):
    """The first ``label_lengths[i]`` labels of each row of ``labels`` as a sparse COO tensor
    of ``labels``' shape."""
    labels, lengths = to_tensor(labels), to_tensor(label_lengths).reshape(-1).long()
    if labels.dim() != 2 or lengths.shape[0] != labels.shape[0]:
        raise ValueError(f"ctc_label_dense_to_sparse: expected labels (batch, max_length) and "
                         f"one length per row, got {tuple(labels.shape)} and "
                         f"{tuple(lengths.shape)}")
    columns = torch.arange(labels.shape[1], device=labels.device)
    keep = columns.unsqueeze(0) < lengths.to(labels.device).unsqueeze(1)
    indices = keep.nonzero().t()
    return torch.sparse_coo_tensor(indices, labels[keep], tuple(labels.shape),
                                   check_invariants=True).coalesce()


def ctc_batch_cost(y_true, y_pred, input_length, label_length):
    """The CTC loss of each sample, ``(batch, 1)``: ``y_true`` ``(batch, max_label_length)``
    labels, ``y_pred`` ``(batch, time, classes)`` softmax output, ``input_length`` and
    ``label_length`` ``(batch, 1)``."""
    y_true, y_pred = to_tensor(y_true), to_tensor(y_pred)
    if y_pred.dim() != 3:
        raise ValueError(f"ctc_batch_cost: y_pred must be (batch, time, classes), got shape "
                         f"{tuple(y_pred.shape)}")
    input_length = to_tensor(input_length).reshape(-1).long()
    label_length = to_tensor(label_length).reshape(-1).long()
    # Keras feeds TensorFlow log(y_pred + epsilon) as logits; TF's ctc_loss normalises them.
    logits = torch.log(y_pred.transpose(0, 1) + config.epsilon())
    if logits.dtype not in (torch.float32, torch.float64):  # torch's CTC needs one of these
        logits = logits.float()
    log_probs = torch.log_softmax(logits, dim=-1)
    loss = F.ctc_loss(log_probs, y_true.long(), input_length, label_length,
                      blank=y_pred.shape[-1] - 1, reduction="none", zero_infinity=False)
    return loss.unsqueeze(1).to(y_pred.dtype)


def ctc_decode(y_pred, input_length, greedy=True, beam_width=100, top_paths=1,
               merge_repeated=False):
    """Decode a softmax output ``(batch, time, classes)``: a list of ``top_paths`` int64
    tensors ``(batch, max_decoded_length)`` padded with ``-1``, and their log-probabilities
    (``(batch, 1)`` for greedy, the negative sum of each step's best log-value; ``(batch,
    top_paths)`` for beam search)."""
    y_pred = to_tensor(y_pred)
    if y_pred.dim() != 3:
        raise ValueError(f"ctc_decode: y_pred must be (batch, time, classes), got shape "
                         f"{tuple(y_pred.shape)}")
    lengths = to_tensor(input_length).reshape(-1).long().tolist()
    if len(lengths) != y_pred.shape[0]:
        raise ValueError(f"ctc_decode: input_length has {len(lengths)} entries for a batch of "
                         f"{y_pred.shape[0]}")
    if any(n < 0 or n > y_pred.shape[1] for n in lengths):
        raise ValueError(f"ctc_decode: input_length {lengths} outside [0, {y_pred.shape[1]}]")
    device = y_pred.device
    logits = np.log(y_pred.detach().cpu().double().numpy() + config.epsilon())
    if greedy:
        paths, scores = zip(*(_greedy(row[:n]) for row, n in zip(logits, lengths)))
        decoded = [_dense([[p] for p in paths], 0, device)]
        log_prob = torch.tensor([[s] for s in scores], dtype=y_pred.dtype, device=device)
        return decoded, log_prob
    if int(top_paths) < 1 or int(beam_width) < int(top_paths):
        raise ValueError(f"ctc_decode: need 1 <= top_paths <= beam_width, got top_paths="
                         f"{top_paths}, beam_width={beam_width}")
    results = [_BeamSearch(int(beam_width), logits.shape[-1]).decode(
        row[:n], int(top_paths), merge_repeated) for row, n in zip(logits, lengths)]
    decoded = [_dense([r[0] for r in results], k, device) for k in range(int(top_paths))]
    log_prob = torch.tensor([r[1] for r in results], dtype=y_pred.dtype, device=device)
    return decoded, log_prob


def _dense(paths, k, device):
    paths = [p[k] for p in paths]
    width = max((len(p) for p in paths), default=0)
    out = torch.full((len(paths), width), -1, dtype=torch.int64)
    for i, path in enumerate(paths):
        out[i, :len(path)] = torch.tensor(path, dtype=torch.int64)
    return out.to(device)


def _greedy(logits):
    """TensorFlow's greedy decoder: the best class per step, repeats merged, blanks
    dropped."""
    blank = logits.shape[-1] - 1
    path, previous = [], -1
    score = 0.0
    for step in logits:
        best = int(np.argmax(step))
        score -= float(step[best])
        if best != blank and best != previous:
            path.append(best)
        previous = best
    return path, score


def _logsumexp(a, b):
    if a == _LOG_ZERO:
        return b
    if b == _LOG_ZERO:
        return a
    return max(a, b) + math.log1p(math.exp(-abs(a - b)))


class _Entry:
    """A beam: a label prefix, the trie node of TensorFlow's CTCBeamSearchDecoder."""

    __slots__ = ("parent", "label", "children", "old", "new")

    def __init__(self, parent, label):
        self.parent, self.label, self.children = parent, label, {}
        self.old = [_LOG_ZERO, _LOG_ZERO, _LOG_ZERO]  # blank, label, total
        self.new = [_LOG_ZERO, _LOG_ZERO, _LOG_ZERO]

    def active(self):
        return self.new[2] != _LOG_ZERO

    def child(self, label):
        if label not in self.children:
            self.children[label] = _Entry(self, label)
        return self.children[label]

    def labels(self, merge_repeated):
        out, entry = [], self
        while entry.parent is not None:
            out.append(entry.label)
            entry = entry.parent
        out.reverse()
        if merge_repeated:
            out = [c for i, c in enumerate(out) if i == 0 or c != out[i - 1]]
        return out


class _BeamSearch:
    """TensorFlow 1.15's ``CTCBeamSearchDecoder`` with its default (no-op) scorer."""

    def __init__(self, beam_width, num_classes):
        self.width, self.classes, self.blank = beam_width, num_classes, num_classes - 1
        self.root = _Entry(None, -1)
        self.root.new = [0.0, _LOG_ZERO, 0.0]
        self.leaves = [self.root]

    def _bottom(self):
        return min(self.leaves, key=lambda e: e.new[2])

    def _candidate(self, prob):
        return prob[2] > _LOG_ZERO and (len(self.leaves) < self.width
                                        or prob[2] > self._bottom().new[2])

    def _push(self, entry):
        if len(self.leaves) == self.width:
            bottom = self._bottom()
            bottom.new = [_LOG_ZERO, _LOG_ZERO, _LOG_ZERO]
            self.leaves.remove(bottom)
        self.leaves.append(entry)

    def step(self, logits):
        peak = float(np.max(logits))
        norm = peak + math.log(float(np.sum(np.exp(logits - peak))))
        log_p = logits - norm
        branches, self.leaves = self.leaves, []
        for b in branches:
            b.old = list(b.new)
        for b in branches:
            if b.parent is not None:
                if b.parent.active():
                    previous = (b.parent.old[0] if b.label == b.parent.label
                                else b.parent.old[2])
                    b.new[1] = _logsumexp(b.new[1], previous)
                b.new[1] += float(log_p[b.label])
            b.new[0] = b.old[2] + float(log_p[self.blank])
            b.new[2] = _logsumexp(b.new[0], b.new[1])
            self._push(b)
        for b in branches:
            if not self._candidate(b.old):
                continue
            for label in range(self.classes - 1):
                c = b.child(label)
                if c.active():
                    continue
                c.new[0] = _LOG_ZERO
                previous = b.old[0] if c.label == b.label else b.old[2]
                c.new[1] = float(log_p[label]) + previous
                c.new[2] = c.new[1]
                if self._candidate(c.new):
                    self._push(c)
                else:
                    c.old = [_LOG_ZERO, _LOG_ZERO, _LOG_ZERO]
                    c.new = [_LOG_ZERO, _LOG_ZERO, _LOG_ZERO]

    def decode(self, logits, top_paths, merge_repeated):
        for row in logits:
            self.step(row)
        ranked = sorted(self.leaves, key=lambda e: -e.new[2])
        if len(ranked) < top_paths:
            raise ValueError(f"ctc_decode: fewer beams ({len(ranked)}) than top_paths "
                             f"({top_paths}); lower top_paths or give longer inputs")
        best = ranked[:top_paths]
        return [e.labels(merge_repeated) for e in best], [e.new[2] for e in best]
