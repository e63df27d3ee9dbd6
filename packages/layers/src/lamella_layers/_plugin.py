"""lamella_layers's registrations with lamella.

Every object is named by a ``"module:attr"`` string, so listing plugins imports nothing but
this module. The snake_case form of each class name is registered automatically; the Keras
aliases are listed here.
"""

from lamella.plugins import Component, hookimpl

_ACT = "lamella_layers.activations"
_INIT = "lamella_layers.initializers"
_REG = "lamella_layers.regularizers"
_CON = "lamella_layers.constraints"


@hookimpl
def lamella_layers():
    return [
        Component("Dense", "lamella_layers.core:Dense"),
        Component("Activation", "lamella_layers.core:Activation"),
        Component("Dropout", "lamella_layers.core:Dropout"),
        Component("Flatten", "lamella_layers.core:Flatten"),
        *(Component(name, f"lamella_layers.core:{name}") for name in (
            "Reshape", "Permute", "RepeatVector", "Lambda", "ActivityRegularization", "Masking",
            "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D")),
        *_conv_components(),
        *_pooling_components(),
        Component("BatchNormalization", "lamella_layers.normalization:BatchNormalization"),
        Component("LayerNormalization", "lamella_layers.normalization:LayerNormalization"),
        Component("Embedding", "lamella_layers.embeddings:Embedding"),
        *(Component(name, f"lamella_layers.merge:{name}") for name in (
            "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate",
            "Dot")),
        # Keras's functional forms: explicit names beat the generated snake_case of the classes
        *(Component(name, f"lamella_layers.merge:{name}") for name in (
            "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate",
            "dot")),
        *(Component(name, f"lamella_layers.advanced_activations:{name}") for name in (
            "LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax", "ReLU")),
        *(Component(name, f"lamella_layers.noise:{name}") for name in (
            "GaussianNoise", "GaussianDropout", "AlphaDropout")),
        *(Component(name, f"lamella_layers.recurrent:{name}") for name in (
            "RNN", "SimpleRNN", "GRU", "LSTM", "SimpleRNNCell", "GRUCell", "LSTMCell",
            "StackedRNNCells", "CuDNNLSTM", "CuDNNGRU")),
        *(Component(name, f"lamella_layers.wrappers:{name}") for name in (
            "Wrapper", "TimeDistributed", "Bidirectional")),
        *(Component(name, f"lamella_layers.local:{name}") for name in (
            "LocallyConnected1D", "LocallyConnected2D")),
        *(Component(name, f"lamella_layers.convolutional_recurrent:{name}") for name in (
            "ConvLSTM2D", "ConvLSTM2DCell", "ConvRNN2D")),
        *_extra_components(),
    ]


def _conv_components():
    conv = "lamella_layers.convolutional"
    return [
        Component("Conv1D", f"{conv}:Conv1D", aliases=("Convolution1D",)),
        Component("Conv2D", f"{conv}:Conv2D", aliases=("Convolution2D",)),
        *_optional(conv, [
            ("Conv3D", ("Convolution3D",)), ("SeparableConv1D", ("SeparableConvolution1D",)),
            ("SeparableConv2D", ("SeparableConvolution2D",)), ("DepthwiseConv2D", ()),
            ("Conv2DTranspose", ("Convolution2DTranspose", "Deconvolution2D")),
            ("Conv3DTranspose", ("Convolution3DTranspose", "Deconvolution3D"))]),
        *_optional("lamella_layers.reshaping", [
            ("Cropping1D", ()), ("Cropping2D", ()), ("Cropping3D", ()),
            ("UpSampling1D", ()), ("UpSampling2D", ()), ("UpSampling3D", ()),
            ("ZeroPadding1D", ()), ("ZeroPadding2D", ()), ("ZeroPadding3D", ())]),
    ]


def _pooling_components():
    pool = "lamella_layers.pooling"
    return _optional(pool, [
        ("MaxPooling1D", ("MaxPool1D",)), ("MaxPooling2D", ("MaxPool2D",)),
        ("MaxPooling3D", ("MaxPool3D",)),
        ("AveragePooling1D", ("AvgPool1D",)), ("AveragePooling2D", ("AvgPool2D",)),
        ("AveragePooling3D", ("AvgPool3D",)),
        ("GlobalMaxPooling1D", ("GlobalMaxPool1D",)),
        ("GlobalMaxPooling2D", ("GlobalMaxPool2D",)),
        ("GlobalMaxPooling3D", ("GlobalMaxPool3D",)),
        ("GlobalAveragePooling1D", ("GlobalAvgPool1D",)),
        ("GlobalAveragePooling2D", ("GlobalAvgPool2D",)),
        ("GlobalAveragePooling3D", ("GlobalAvgPool3D",)),
    ])


def _optional(module, names):
    return [Component(name, f"{module}:{name}", aliases=tuple(aliases))
            for name, aliases in names]


def _extra_components():
    return [
        Component("TorchModule", "lamella_layers.torch_module:TorchModule"),
        Component("MultiHeadAttention", "lamella_layers.attention:MultiHeadAttention"),
    ]


@hookimpl
def lamella_activations():
    names = ("softmax", "elu", "selu", "softplus", "softsign", "relu", "tanh", "sigmoid",
             "hard_sigmoid", "exponential", "linear")
    return [Component(name, f"{_ACT}:{name}") for name in names]


@hookimpl
def lamella_initializers():
    return [
        Component("Zeros", f"{_INIT}:Zeros", aliases=("zeros", "zero")),
        Component("Ones", f"{_INIT}:Ones", aliases=("ones", "one")),
        Component("Constant", f"{_INIT}:Constant", aliases=("constant",)),
        Component("RandomNormal", f"{_INIT}:RandomNormal", aliases=("random_normal", "normal")),
        Component("RandomUniform", f"{_INIT}:RandomUniform",
                  aliases=("random_uniform", "uniform")),
        Component("TruncatedNormal", f"{_INIT}:TruncatedNormal", aliases=("truncated_normal",)),
        Component("VarianceScaling", f"{_INIT}:VarianceScaling", aliases=("variance_scaling",)),
        Component("Orthogonal", f"{_INIT}:Orthogonal", aliases=("orthogonal",)),
        Component("Identity", f"{_INIT}:Identity", aliases=("identity",)),
        # tf.keras and Keras 3 write these as classes ({"class_name": "GlorotUniform",
        # "config": {"seed": ...}}); the function builds the same VarianceScaling.
        *(Component(name, f"{_INIT}:{name}", aliases=(camel,)) for name, camel in (
            ("glorot_uniform", "GlorotUniform"), ("glorot_normal", "GlorotNormal"),
            ("he_uniform", "HeUniform"), ("he_normal", "HeNormal"),
            ("lecun_uniform", "LecunUniform"), ("lecun_normal", "LecunNormal"))),
    ]


@hookimpl
def lamella_regularizers():
    return [
        Component("L1L2", f"{_REG}:L1L2"),
        Component("l1", f"{_REG}:l1"),
        Component("l2", f"{_REG}:l2"),
        Component("l1_l2", f"{_REG}:l1_l2"),
    ]


@hookimpl
def lamella_constraints():
    return [
        Component("MaxNorm", f"{_CON}:MaxNorm", aliases=("max_norm", "maxnorm")),
        Component("NonNeg", f"{_CON}:NonNeg", aliases=("non_neg", "nonneg")),
        Component("UnitNorm", f"{_CON}:UnitNorm", aliases=("unit_norm", "unitnorm")),
        Component("MinMaxNorm", f"{_CON}:MinMaxNorm", aliases=("min_max_norm",)),
    ]
