"""``lamella.backend``: Keras 2.3.1's ``keras.backend`` on torch tensors.

Every public function of Keras 2.3.1's backend, with its argument names and defaults, as
plain module-level functions of tensors (NumPy arrays and Python numbers are accepted where
Keras accepts them). The functions live in one module per concept:

============================  ==============================================================
``config``                    ``floatx``, ``epsilon``, ``image_data_format``, learning phase,
                              name counters, ``clear_session``
``variables``                 variables, constants, values, in-place updates, dtypes, shapes
``math_ops``                  element-wise math, comparisons, reductions, ``dot``/``batch_dot``
``shape_ops``                 reshaping, joining, repeating, slicing, padding, ``one_hot``
``nn``                        activations, cross-entropies, ``dropout``, normalisation,
                              ``bias_add``
``conv``                      convolutions and pooling (Keras's kernel layouts, TF's padding)
``random``                    random tensors
``control_flow``              ``switch``, ``in_train_phase``, ``rnn``, ``map_fn``, folds
``ctc``                       CTC loss and decoding
``image``                     ``resize_images``, ``resize_volumes``
``tf_compat``                 TensorFlow-only names (sessions, scopes, decorators)
============================  ==============================================================

Example::

    from lamella import backend as K

    def rmse(y_true, y_pred):
        return K.sqrt(K.mean(K.square(y_pred - y_true), axis=-1))

``function``, ``gradients``, ``placeholder``, ``is_placeholder`` and ``is_keras_tensor`` come
from :mod:`lamella.engine.graph_function` (the functional graph evaluated with autograd); the
block at the end of this module makes every function here accept symbolic tensors.

Intended differences from Keras 2.3.1 (each for the reason given):

- ``get_session``/``set_session`` raise ``RuntimeError`` naming the torch way: torch has no
  session. ``eager``/``symbolic`` return the function, ``control_dependencies`` is a no-op
  context (torch runs operations in order), ``manual_variable_initialization`` only checks its
  argument (torch initialises variables when they are created).
- ``learning_phase()`` returns the ``0``/``1`` fixed by ``set_learning_phase`` (as Keras), and
  otherwise a 0-d bool tensor (``config.LearningPhase``) holding the calling thread's phase
  when it was asked for, where Keras returns a placeholder fed later.
- Variables are ``torch.nn.Parameter``; ``update``, ``update_add``, ``update_sub`` and
  ``moving_average_update`` change them in place at once and return them, where Keras returns
  an op that changes them when run.
- ``shape(x)`` and ``size(x)`` return int32 tensors of the (concrete) shape; ``print_tensor``
  prints at once; ``ctc_label_dense_to_sparse`` returns a torch sparse COO tensor.
- ``categorical_crossentropy`` on a softmax output renormalises and clips the probabilities;
  TensorFlow instead reaches back to the softmax's logits when the output is a softmax op, so
  results differ by at most the clipping (``epsilon``).
- ``stop_gradient`` on a list returns a list (Keras 2.3.1 returns a ``map`` object).
- ``batch_normalization`` and ``normalize_batch_in_training`` follow Keras on TensorFlow's
  CPU kernels: the fused kernel (sample variance, epsilon at least ``1.001e-5``) for 4-D
  channels_last data only; Keras on a GPU also fuses channels_first data.
- ``rnn``'s ``input_length`` must equal the number of timesteps (TensorFlow used it as a loop
  bound); ``unroll`` gives the same results as the loop, both run eagerly.
- ``ctc_decode`` decodes on the CPU (NumPy) and returns its tensors on ``y_pred``'s device.
- ``clear_session`` resets name counters and the fixed learning phase; there is no graph to
  destroy (torch frees tensors when no longer referenced).
- Random functions draw from torch's generators: the same distributions, not TensorFlow's
  numbers; ``seed`` makes a draw reproducible.
- ``set_floatx`` also accepts torch's ``'bfloat16'``.
- ``backend()`` returns ``'pytorch'``, not ``'tensorflow'``: scripts that branch on it should
  take their non-TensorFlow path.
"""

from lamella.backend.config import (
    backend,
    cast_to_floatx,
    clear_session,
    epsilon,
    floatx,
    get_uid,
    image_data_format,
    learning_phase,
    manual_variable_initialization,
    normalize_data_format,
    reset_uids,
    set_epsilon,
    set_floatx,
    set_image_data_format,
    set_learning_phase,
)
from lamella.backend.control_flow import (
    foldl,
    foldr,
    in_test_phase,
    in_train_phase,
    map_fn,
    rnn,
    switch,
)
from lamella.backend.conv import (
    conv1d,
    conv2d,
    conv2d_transpose,
    conv3d,
    conv3d_transpose,
    depthwise_conv2d,
    local_conv1d,
    local_conv2d,
    pool2d,
    pool3d,
    separable_conv1d,
    separable_conv2d,
)
from lamella.backend.ctc import ctc_batch_cost, ctc_decode, ctc_label_dense_to_sparse
from lamella.backend.image import resize_images, resize_volumes
from lamella.backend.math_ops import (
    abs,  # noqa: A004 - Keras's names shadow builtins here, as in keras.backend
    all,  # noqa: A004
    any,  # noqa: A004
    argmax,
    argmin,
    batch_dot,
    clip,
    cos,
    cumprod,
    cumsum,
    dot,
    equal,
    exp,
    greater,
    greater_equal,
    less,
    less_equal,
    log,
    logsumexp,
    max,  # noqa: A004
    maximum,
    mean,
    min,  # noqa: A004
    minimum,
    not_equal,
    pow,  # noqa: A004
    prod,
    round,  # noqa: A004
    sign,
    sin,
    sqrt,
    square,
    std,
    stop_gradient,
    sum,  # noqa: A004
    transpose,
    var,
)
from lamella.backend.nn import (
    batch_normalization,
    bias_add,
    binary_crossentropy,
    categorical_crossentropy,
    dropout,
    elu,
    hard_sigmoid,
    in_top_k,
    l2_normalize,
    normalize_batch_in_training,
    relu,
    sigmoid,
    softmax,
    softplus,
    softsign,
    sparse_categorical_crossentropy,
    tanh,
)
from lamella.backend.random import (
    random_binomial,
    random_normal,
    random_uniform,
    truncated_normal,
)
from lamella.backend.shape_ops import (
    arange,
    batch_flatten,
    concatenate,
    expand_dims,
    flatten,
    gather,
    one_hot,
    permute_dimensions,
    repeat,
    repeat_elements,
    reshape,
    reverse,
    slice,  # noqa: A004
    spatial_2d_padding,
    spatial_3d_padding,
    squeeze,
    stack,
    temporal_padding,
    tile,
)
from lamella.backend.tf_compat import (
    control_dependencies,
    eager,
    get_session,
    name_scope,
    print_tensor,
    set_session,
    symbolic,
)
from lamella.backend.variables import (
    batch_get_value,
    batch_set_value,
    cast,
    constant,
    count_params,
    dtype,
    eval,  # noqa: A004
    eye,
    get_value,
    identity,
    int_shape,
    is_sparse,
    is_tensor,
    is_variable,
    moving_average_update,
    ndim,
    ones,
    ones_like,
    random_normal_variable,
    random_uniform_variable,
    set_value,
    shape,
    size,
    to_dense,
    update,
    update_add,
    update_sub,
    variable,
    zeros,
    zeros_like,
)

__all__ = [
    "abs", "all", "any", "arange", "argmax", "argmin", "backend", "batch_dot", "batch_flatten",
    "batch_get_value", "batch_normalization", "batch_set_value", "bias_add",
    "binary_crossentropy", "cast", "cast_to_floatx", "categorical_crossentropy",
    "clear_session", "clip", "concatenate", "constant", "control_dependencies", "conv1d",
    "conv2d", "conv2d_transpose", "conv3d", "conv3d_transpose", "cos", "count_params",
    "ctc_batch_cost", "ctc_decode", "ctc_label_dense_to_sparse", "cumprod", "cumsum",
    "depthwise_conv2d", "dot", "dropout", "dtype", "eager", "elu", "epsilon", "equal", "eval",
    "exp", "expand_dims", "eye", "flatten", "floatx", "foldl", "foldr", "function", "gather",
    "get_session", "get_uid", "get_value", "gradients", "greater", "greater_equal",
    "hard_sigmoid", "identity", "image_data_format", "in_test_phase", "in_top_k",
    "in_train_phase", "int_shape", "is_keras_tensor", "is_placeholder", "is_sparse",
    "is_tensor", "is_variable", "l2_normalize", "learning_phase", "less", "less_equal",
    "local_conv1d", "local_conv2d", "log", "logsumexp", "manual_variable_initialization",
    "map_fn", "max", "maximum", "mean", "min", "minimum", "moving_average_update", "name_scope",
    "ndim", "normalize_batch_in_training", "normalize_data_format", "not_equal", "one_hot",
    "ones", "ones_like", "permute_dimensions", "placeholder", "pool2d", "pool3d", "pow",
    "print_tensor", "prod", "random_binomial", "random_normal", "random_normal_variable",
    "random_uniform", "random_uniform_variable", "relu", "repeat", "repeat_elements",
    "reset_uids", "reshape", "resize_images", "resize_volumes", "reverse", "rnn", "round",
    "separable_conv1d", "separable_conv2d", "set_epsilon", "set_floatx",
    "set_image_data_format", "set_learning_phase", "set_session", "set_value", "shape",
    "sigmoid", "sign", "sin", "size", "slice", "softmax", "softplus", "softsign",
    "sparse_categorical_crossentropy", "spatial_2d_padding", "spatial_3d_padding", "sqrt",
    "square", "squeeze", "stack", "std", "stop_gradient", "sum", "switch", "symbolic", "tanh",
    "temporal_padding", "tile", "to_dense", "transpose", "truncated_normal", "update",
    "update_add", "update_sub", "var", "variable", "zeros", "zeros_like",
]


# --- symbolic tensors: graph mode on autograd, and every function above accepting
# functional-API tensors (recorded as graph nodes; see lamella.engine.symbolic_ops). Keep this
# block last: it wraps the functions imported above.
from lamella.engine import graph_function as _graph_function  # noqa: E402
from lamella.engine import symbolic_ops as _symbolic_ops  # noqa: E402
from lamella.engine.graph_function import (  # noqa: E402 - Keras's K.* names
    function,
    gradients,
    is_keras_tensor,
    is_placeholder,
    placeholder,
)

_symbolic_ops.wrap_namespace(globals(), prefix="backend")
_graph_function.bind_backend(floatx=floatx, learning_phase=learning_phase)
