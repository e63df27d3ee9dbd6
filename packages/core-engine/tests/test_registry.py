"""The registry: name normalisation, aliases, duplicates, and the unknown-name errors."""

import importlib.util
import re
import sys
import textwrap

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import lamella
import lamella.plugins as lp
import lamella.utils
from lamella import layers, losses, optimizers
from lamella.plugins import (
    Component,
    DuplicateComponentError,
    MissingPluginError,
    UnknownComponentError,
    first_party,
    loader,
    lookup,
)
from lamella.plugins.contract import KINDS_BY_KEY
from lamella.plugins.registry import to_snake_case

SANDBOX_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def keras_to_snake_case(name):
    """Keras 2.3.1's ``keras.engine.base_layer`` rule, verbatim, as the oracle."""
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    insecure = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    if insecure[0] != "_":
        return insecure
    return "private" + insecure


identifiers = st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,20}\Z", fullmatch=True)
class_names = st.from_regex(r"\A_?[A-Z][A-Za-z0-9]{0,14}\Z", fullmatch=True)


# --- to_snake_case --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, expected",
    [
        ("LeakyReLU", "leaky_re_lu"),
        ("Conv2D", "conv2d"),
        ("ReLU", "re_lu"),
        ("PReLU", "p_re_lu"),
        ("ThresholdedReLU", "thresholded_re_lu"),
        ("Dense", "dense"),
        ("BatchNormalization", "batch_normalization"),
        ("MaxPooling2D", "max_pooling2d"),
        ("Conv2DTranspose", "conv2d_transpose"),
        ("ZeroPadding2D", "zero_padding2d"),
        ("SimpleRNN", "simple_rnn"),
        ("LSTM", "lstm"),
        ("CuDNNLSTM", "cu_dnnlstm"),
        ("GlobalAveragePooling1D", "global_average_pooling1d"),
        ("Adam", "adam"),
        ("RMSprop", "rm_sprop"),
        ("SGD", "sgd"),
        ("MeanSquaredError", "mean_squared_error"),
        ("relu", "relu"),
        ("_Private", "private__private"),
        ("_hidden", "private_hidden"),
    ],
)
def test_to_snake_case_matches_keras_on_known_names(name, expected):
    assert to_snake_case(name) == expected
    assert keras_to_snake_case(name) == expected


@given(identifiers)
def test_to_snake_case_is_keras_rule(name):
    assert to_snake_case(name) == keras_to_snake_case(name)


@given(identifiers)
def test_to_snake_case_output_shape(name):
    snake = to_snake_case(name)
    assert snake == snake.lower()
    assert not snake.startswith("_")
    assert snake.replace("_", "").endswith(name.replace("_", "").lower())


# --- resolution properties ------------------------------------------------------------------


@SANDBOX_SETTINGS
@given(name=class_names)
def test_registered_class_is_found_by_class_name_and_snake_alias(plugin_sandbox, name):
    taken = set(lookup.registry("layers").keys())
    snake = to_snake_case(name)
    assume(name not in taken and snake not in taken)
    cls = type(name, (), {})
    plugin = plugin_sandbox.register({"layers": [Component(name, cls)]})
    try:
        assert lookup.find("layers", name) is cls
        assert lookup.find("layers", snake) is cls
        assert lookup.resolve("layers", snake) is cls
        assert getattr(layers, name) is cls
        assert layers.get(snake) is cls
        listed = dir(layers)
        assert snake in listed
        assert (name in listed) != name.startswith("_")  # dir() hides private names
        # not case-insensitive outside optimizers
        if name.upper() not in (name, snake):
            assert lookup.find("layers", name.upper()) is None
    finally:
        plugin_sandbox.unregister(plugin)
    assert lookup.find("layers", name) is None
    assert lookup.find("layers", snake) is None


@SANDBOX_SETTINGS
@given(
    name=st.from_regex(r"\A[a-z][a-z0-9_]{2,14}\Z", fullmatch=True),
    aliases=st.lists(
        st.from_regex(r"\A[a-z][a-z0-9]{1,8}\Z", fullmatch=True), max_size=3, unique=True
    ),
)
def test_function_aliases_round_trip_through_serialize(plugin_sandbox, name, aliases):
    fname = f"zz_{name}"
    aliases = [f"zz{a}" for a in aliases if f"zz{a}" != fname]
    taken = set(lookup.registry("losses").keys())
    assume(not ({fname, *aliases} & taken))
    fn = _function_named(fname)
    plugin = plugin_sandbox.register({"losses": [Component(fname, fn, aliases=tuple(aliases))]})
    try:
        for key in (fname, *aliases):
            obj = losses.deserialize(key)
            assert obj is fn
            assert losses.serialize(obj) == fname
            assert losses.deserialize(losses.serialize(obj)) is fn
            assert losses.get(key) is fn
    finally:
        plugin_sandbox.unregister(plugin)


class _Configurable:
    def __init__(self, units=1, name=None):
        self.units, self.name = units, name

    def get_config(self):
        return {"units": self.units, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@SANDBOX_SETTINGS
@given(
    name=st.from_regex(r"\AZq[A-Z][a-z]{1,8}\Z", fullmatch=True),
    alias=st.from_regex(r"\Azq_[a-z]{1,8}\Z", fullmatch=True),
    units=st.integers(0, 10_000),
)
def test_class_alias_round_trips_through_config(plugin_sandbox, name, alias, units):
    cls = type(name, (_Configurable,), {})
    assume(alias != to_snake_case(name))
    plugin = plugin_sandbox.register({"layers": [Component(name, cls, aliases=(alias,))]})
    try:
        instance = layers.deserialize(
            {"class_name": alias, "config": {"units": units, "name": "x"}}
        )
        assert type(instance) is cls and instance.units == units
        config = layers.serialize(instance)
        assert config == {"class_name": name, "config": {"units": units, "name": "x"}}
        clone = layers.deserialize(config)
        assert type(clone) is cls and clone.get_config() == instance.get_config()
    finally:
        plugin_sandbox.unregister(plugin)


def _function_named(name):
    def fn(*args):
        return args

    fn.__name__ = fn.__qualname__ = name
    return fn


@pytest.mark.parametrize("explicit_first", [True, False])
@pytest.mark.parametrize("same_plugin", [True, False])
def test_explicit_alias_beats_generated_snake_alias(plugin_sandbox, explicit_first, same_plugin):
    # The Keras situation: the MeanSquaredError class snake-cases to 'mean_squared_error',
    # which is also the name of the loss function; the function must win either way.
    cls = type("ZqMeanSquaredError", (), {})
    fn = _function_named("zq_mse_function")
    klass = Component("ZqMeanSquaredError", cls)
    func = Component("zq_mse_function", fn, aliases=("zq_mean_squared_error", "zq_mse"))
    order = [func, klass] if explicit_first else [klass, func]
    if same_plugin:
        plugin_sandbox.register({"losses": order})
    else:
        for component in order:
            plugin_sandbox.register({"losses": [component]})
    assert lookup.find("losses", "zq_mean_squared_error") is fn
    assert losses.get("zq_mean_squared_error") is fn
    assert lookup.find("losses", "ZqMeanSquaredError") is cls
    assert lookup.find("losses", "zq_mse") is fn


def test_exact_name_beats_snake_alias_of_another_class(plugin_sandbox):
    upper = type("ZqAb", (), {})
    lower = _function_named("zq_ab")
    plugin_sandbox.register({"activations": [Component("ZqAb", upper)]})
    plugin_sandbox.register({"activations": [Component("zq_ab", lower)]})
    assert lookup.find("activations", "zq_ab") is lower
    assert lookup.find("activations", "ZqAb") is upper


# --- optimizers are case-insensitive -------------------------------------------------------


class ZqAdamish:
    def __init__(self, lr=0.001):
        self.lr = lr

    def get_config(self):
        return {"lr": self.lr}


@pytest.mark.parametrize(
    "spelling",
    [
        "ZqAdamish",
        "zq_adamish",
        "ZQADAMISH",
        "zqadamish",
        "zQaDaMiSh",
        "ZQ_ADAMISH",
        "zqsgdish",
        "ZQSGDISH",
    ],
)
def test_optimizer_names_are_case_insensitive(plugin_sandbox, spelling):
    plugin_sandbox.register(
        {"optimizers": [Component("ZqAdamish", ZqAdamish, aliases=("zqsgdish",))]}
    )
    assert lookup.find("optimizers", spelling) is ZqAdamish
    optimizer = optimizers.get(spelling)
    assert type(optimizer) is ZqAdamish and optimizer.lr == 0.001
    assert optimizers.serialize(optimizer) == {"class_name": "ZqAdamish", "config": {"lr": 0.001}}
    clone = optimizers.deserialize({"class_name": spelling, "config": {"lr": 0.5}})
    assert type(clone) is ZqAdamish and clone.lr == 0.5


def test_other_kinds_are_case_sensitive(plugin_sandbox):
    plugin_sandbox.register({"losses": [Component("ZqCase", type("ZqCase", (), {}))]})
    assert lookup.find("losses", "ZqCase") is not None
    assert lookup.find("losses", "ZQCASE") is None
    with pytest.raises(UnknownComponentError):
        losses.get("zqcase_")


def test_case_insensitive_match_prefers_the_explicit_name(plugin_sandbox):
    # 'Zq_Ab' snake-cases to 'zq__ab'? no: pick two classes whose folds collide.
    strong = type("ZQAB", (), {})
    weak_owner = type("ZqAb", (), {})  # generated 'zq_ab'; its fold doesn't collide
    plugin_sandbox.register(
        {"optimizers": [Component("ZQAB", strong), Component("ZqAb", weak_owner)]}
    )
    assert lookup.find("optimizers", "ZqAb") is weak_owner  # exact first
    assert lookup.find("optimizers", "ZQAB") is strong
    assert lookup.find("optimizers", "zqab") in (strong, weak_owner)
    assert lookup.find("optimizers", "ZQ_AB") is weak_owner


# --- duplicates and overrides ---------------------------------------------------------------


def test_duplicate_name_from_two_plugins_names_both(plugin_sandbox):
    first = plugin_sandbox.register(
        {"layers": [Component("ZqDup", type("ZqDup", (), {}))]}, name="dist-one"
    )
    second = plugin_sandbox.register(
        {"layers": [Component("ZqDup", type("ZqDup", (), {}))]}, name="dist-two"
    )
    for spelling in ("ZqDup", "zq_dup"):
        with pytest.raises(DuplicateComponentError) as info:
            lookup.find("layers", spelling)
        message = str(info.value)
        assert "'dist-one'" in message and "'dist-two'" in message
        assert "ZqDup" in message and "override=True" in message
        assert set(info.value.distributions) == {first, second}
        assert isinstance(info.value, ValueError)
    with pytest.raises(DuplicateComponentError):
        layers.get("ZqDup")
    with pytest.raises(DuplicateComponentError):
        layers.ZqDup  # noqa: B018
    # the clash does not break other names
    assert lookup.find("layers", "InputLayer") is not None
    # both plugins still count as loaded
    statuses = {i.name: i.status for i in lp.plugin_infos()}
    assert statuses["dist-one"] == statuses["dist-two"] == "loaded"


def test_duplicate_alias_clashes_only_on_that_alias(plugin_sandbox):
    a, b = type("ZqAlpha", (), {}), type("ZqBeta", (), {})
    plugin_sandbox.register(
        {"metrics": [Component("ZqAlpha", a, aliases=("zqshared",))]}, name="p-a"
    )
    plugin_sandbox.register(
        {"metrics": [Component("ZqBeta", b, aliases=("zqshared",))]}, name="p-b"
    )
    assert lookup.find("metrics", "ZqAlpha") is a and lookup.find("metrics", "zq_alpha") is a
    assert lookup.find("metrics", "ZqBeta") is b
    with pytest.raises(DuplicateComponentError, match="'p-a' and 'p-b'"):
        lookup.find("metrics", "zqshared")


def test_same_object_registered_twice_is_not_a_clash(plugin_sandbox):
    cls = type("ZqSame", (), {})
    plugin_sandbox.register({"layers": [Component("ZqSame", cls)]})
    plugin_sandbox.register({"layers": [Component("ZqSame", cls)]})
    assert lookup.find("layers", "ZqSame") is cls


@pytest.mark.parametrize("override_first", [True, False])
def test_override_replaces_the_other_plugins_component(plugin_sandbox, override_first):
    original, replacement = type("ZqOver", (), {}), type("ZqOver", (), {})
    plain = {"layers": [Component("ZqOver", original, aliases=("zqo",))]}
    overriding = {"layers": [Component("ZqOver", replacement, aliases=("zqo",), override=True)]}
    if override_first:
        plugin_sandbox.register(overriding, name="overrider")
        plugin_sandbox.register(plain, name="original")
    else:
        plugin_sandbox.register(plain, name="original")
        plugin_sandbox.register(overriding, name="overrider")
    for spelling in ("ZqOver", "zq_over", "zqo"):
        assert lookup.find("layers", spelling) is replacement, spelling
    # removing the overriding plugin brings the original back, with no stale clash
    plugin_sandbox.unregister("overrider")
    for spelling in ("ZqOver", "zq_over", "zqo"):
        assert lookup.find("layers", spelling) is original, spelling


@pytest.mark.parametrize("override_first", [True, False])
def test_override_takes_over_every_name_of_what_it_replaces(plugin_sandbox, override_first):
    # The first-party package registers the snake_case spelling as an explicit alias; an
    # override that names only the class must still win it, and every capitalisation of it.
    class ZqAdam(ZqAdamish):
        pass

    class MyZqAdam(ZqAdamish):
        pass

    first_party_like = {"optimizers": [Component("ZqAdam", ZqAdam, aliases=("zqadam", "zqa"))]}
    overriding = {"optimizers": [Component("ZqAdam", MyZqAdam, override=True)]}
    order = [(overriding, "overrider"), (first_party_like, "first")]
    for hooks, name in order if override_first else reversed(order):
        plugin_sandbox.register(hooks, name=name)
    for spelling in ("ZqAdam", "zqadam", "ZQADAM", "zq_adam", "zqa", "ZQA"):
        assert lookup.find("optimizers", spelling) is MyZqAdam, spelling
        assert type(optimizers.get(spelling)) is MyZqAdam, spelling
    assert lookup.registry("optimizers").canonical_names().count("ZqAdam") == 1
    plugin_sandbox.unregister("overrider")
    assert type(optimizers.get("zqadam")) is ZqAdam


def test_overriding_adam_changes_what_compile_adam_means(plugin_sandbox):
    pytest.importorskip("lamella_optimizers")
    pytest.importorskip("lamella_layers")
    plugin_sandbox.all_plugins()
    from lamella.optimizers import Adam

    class MyAdam(Adam):
        pass

    plugin_sandbox.register({"optimizers": [Component("Adam", MyAdam, override=True)]})
    for spelling in ("Adam", "adam", "ADAM"):
        assert type(optimizers.get(spelling)) is MyAdam, spelling
    model = lamella.Sequential([layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer="adam", loss="mse")
    assert type(model.optimizer) is MyAdam


def test_unregistering_one_side_of_a_clash_resolves_it(plugin_sandbox):
    keep, drop = type("ZqClash", (), {}), type("ZqClash", (), {})
    plugin_sandbox.register({"layers": [Component("ZqClash", keep)]}, name="keep")
    plugin_sandbox.register({"layers": [Component("ZqClash", drop)]}, name="drop")
    with pytest.raises(DuplicateComponentError):
        lookup.find("layers", "ZqClash")
    plugin_sandbox.unregister("drop")
    assert lookup.find("layers", "ZqClash") is keep
    assert lookup.find("layers", "zq_clash") is keep


# --- unknown names --------------------------------------------------------------------------


def test_unknown_name_error_full_text_with_suggestions(plugin_sandbox):
    names = [f"Zyxwv{i}" for i in range(1, 8)]
    plugin_sandbox.register({"layers": [Component(n, type(n, (), {})) for n in names]})
    with pytest.raises(UnknownComponentError) as info:
        lookup.resolve("layers", "Zyxwv")
    err = info.value
    assert err.kind == "layers" and err.name == "Zyxwv" and err.provider is None
    assert len(err.suggestions) == 5
    assert set(err.suggestions) <= set(names) | {n.lower() for n in names}
    expected = (
        "Unknown layer: 'Zyxwv'. Did you mean: "
        + ", ".join(repr(s) for s in err.suggestions)
        + "? If it is your own object, pass it in `custom_objects` or register it with"
        " lamella.utils.get_custom_objects()."
    )
    assert str(err) == expected
    assert isinstance(err, ValueError) and not isinstance(err, ImportError)


def test_unknown_name_suggests_close_names_first(plugin_sandbox):
    plugin_sandbox.register(
        {"losses": [Component("zq_hinge_loss", _function_named("zq_hinge_loss"))]}
    )
    with pytest.raises(UnknownComponentError) as info:
        losses.get("zq_hinge_los")
    assert info.value.suggestions[0] == "zq_hinge_loss"
    assert "Did you mean: 'zq_hinge_loss'" in str(info.value)


def test_unknown_name_error_without_suggestions(plugin_sandbox):
    with pytest.raises(UnknownComponentError) as info:
        lookup.resolve("schedules", "qqqqqqqqqqqq")
    assert str(info.value) == (
        "Unknown learning-rate schedule: 'qqqqqqqqqqqq'. No installed plugin registers any"
        " learning-rate schedule of that name. If it is your own object, pass it in"
        " `custom_objects` or register it with lamella.utils.get_custom_objects()."
    )
    assert info.value.suggestions == ()


@pytest.mark.parametrize("kind", sorted(KINDS_BY_KEY))
def test_unknown_name_error_names_each_kind(plugin_sandbox, kind):
    with pytest.raises(
        UnknownComponentError, match=f"^Unknown {re.escape(KINDS_BY_KEY[kind].noun)}: 'zqnothing'"
    ):
        lookup.resolve(kind, "zqnothing")


def test_unknown_kind_is_rejected(plugin_sandbox):
    with pytest.raises(ValueError, match="Unknown component kind 'gadgets'"):
        lookup.registry("gadgets")


# --- first-party names whose distribution is missing ---------------------------------------


@pytest.fixture
def fake_first_party(monkeypatch):
    table = {
        "optimizers": {"ZqQuasar": "lamella-quasar", "zqq": "lamella-quasar"},
        "layers": {"ZqMaxPool2D": "lamella-quasar", "ZqCoreThing": "lamella-core"},
    }
    monkeypatch.setattr(first_party, "FIRST_PARTY", table)
    return table


@pytest.mark.parametrize("spelling", ["ZqQuasar", "zq_quasar", "ZQQUASAR", "zqq"])
def test_missing_first_party_name_raises_import_error_with_install_hint(
    plugin_sandbox, fake_first_party, spelling
):
    with pytest.raises(MissingPluginError) as info:
        optimizers.get(spelling)
    err = info.value
    assert isinstance(err, ImportError) and isinstance(err, UnknownComponentError)
    assert err.provider == "lamella-quasar"
    assert str(err) == (
        f"Unknown optimizer: {spelling!r}. It is provided by the distribution 'lamella-quasar',"
        " which is not installed; install it with: pip install lamella-quasar"
    )


def test_missing_first_party_name_through_from_import(plugin_sandbox, fake_first_party):
    with pytest.raises(ImportError, match="pip install lamella-quasar"):
        from lamella.optimizers import ZqQuasar  # noqa: F401
    with pytest.raises(ImportError, match="pip install lamella-quasar"):
        layers.ZqMaxPool2D  # noqa: B018
    with pytest.raises(MissingPluginError, match="lamella-quasar"):
        layers.get("zq_max_pool2d")  # the snake_case spelling finds the provider too


def test_first_party_name_of_installed_distribution_is_plain_unknown(
    plugin_sandbox, fake_first_party
):
    # lamella-core is loaded, so a missing name it "provides" is a plain unknown name
    with pytest.raises(UnknownComponentError) as info:
        layers.get("ZqCoreThing")
    assert not isinstance(info.value, MissingPluginError)
    with pytest.raises(AttributeError):
        layers.ZqCoreThing  # noqa: B018


def test_registered_name_wins_over_first_party_index(plugin_sandbox, fake_first_party):
    plugin_sandbox.register({"optimizers": [Component("ZqQuasar", ZqAdamish)]})
    assert type(optimizers.get("zqquasar")) is ZqAdamish


@pytest.mark.skipif(
    importlib.util.find_spec("lamella_optimizers") is not None,
    reason="lamella-optimizers is installed; this checks the core-only install",
)
def test_adam_without_lamella_optimizers_names_the_distribution(monkeypatch):
    for variable in ("LAMELLA_DISABLE_PLUGINS", "LAMELLA_LOAD_PLUGINS", "LAMELLA_STRICT_PLUGINS"):
        monkeypatch.delenv(variable, raising=False)
    loader.reset()
    try:
        for spelling in ("adam", "Adam", "ADAM"):
            with pytest.raises(MissingPluginError) as info:
                lamella.optimizers.get(spelling)
            assert info.value.provider == "lamella-optimizers"
            assert "pip install lamella-optimizers" in str(info.value)
        with pytest.raises(ImportError, match="lamella-optimizers"):
            from lamella.optimizers import Adam  # noqa: F401
    finally:
        loader.reset()


# --- users' own objects ---------------------------------------------------------------------


def test_custom_objects_take_precedence_inside_their_scope(plugin_sandbox):
    registered, mine = _function_named("zq_act"), _function_named("zq_act")
    plugin_sandbox.register({"activations": [Component("zq_act", registered)]})
    assert lamella.activations.get("zq_act") is registered
    assert lamella.activations.get("zq_act", custom_objects={"zq_act": mine}) is mine
    with lamella.utils.custom_object_scope({"zq_act": mine}):
        assert lamella.activations.get("zq_act") is mine
        with lamella.utils.CustomObjectScope({"zq_other": registered}):
            assert lookup.find("activations", "zq_other") is registered
        assert lookup.find("activations", "zq_other") is None
    assert lamella.activations.get("zq_act") is registered
    lamella.utils.get_custom_objects()["zq_global"] = mine
    assert lamella.losses.get("zq_global") is mine


def test_custom_object_scope_is_per_thread(plugin_sandbox):
    # Two threads enter their own scope with the same name at the same time; each sees only
    # its own object, and a third thread outside any scope sees neither.
    import threading

    barrier = threading.Barrier(3, timeout=30)
    seen, errors = {}, []

    def in_scope(label):
        obj = _function_named(f"zq_thread_{label}")
        try:
            with lamella.utils.custom_object_scope({"zq_thread_act": obj}):
                barrier.wait()  # both scopes are open now
                seen[label] = lamella.activations.get("zq_thread_act") is obj
                barrier.wait()  # ... and stay open while the outsider looks
        except Exception as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    def outside():
        try:
            barrier.wait()
            seen["outside"] = (
                lookup.find("activations", "zq_thread_act") is None
                and "zq_thread_act" not in lamella.utils.get_custom_objects()
            )
            barrier.wait()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=in_scope, args=(label,)) for label in ("a", "b")]
    threads.append(threading.Thread(target=outside))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert seen == {"a": True, "b": True, "outside": True}
    assert "zq_thread_act" not in lamella.utils.get_custom_objects()


def test_global_custom_objects_reach_every_thread(plugin_sandbox):
    import threading

    mine = _function_named("zq_everywhere")
    lamella.utils.get_custom_objects()["zq_everywhere"] = mine
    found = []
    thread = threading.Thread(target=lambda: found.append(lookup.find("losses", "zq_everywhere")))
    thread.start()
    thread.join(timeout=60)
    assert found == [mine]


# --- records --------------------------------------------------------------------------------


def test_component_validation():
    with pytest.raises(TypeError):
        Component("", object)
    with pytest.raises(TypeError):
        Component(None, object)
    with pytest.raises(TypeError, match="aliases must be a tuple"):
        Component("Foo", object, aliases="foo")
    record = Component("Foo", object, aliases=["f"], requires=["h5py"])
    assert record.aliases == ("f",) and record.requires == ("h5py",)
    assert record.override is False


def test_string_references_import_only_on_first_use(plugin_sandbox, tmp_path, monkeypatch):
    module_name = f"zq_lazy_probe_{plugin_sandbox.unique().replace('-', '_')}"
    (tmp_path / f"{module_name}.py").write_text(
        textwrap.dedent(
            """
            class Outer:
                class Inner:
                    pass
            def fn():
                return 42
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    plugin_sandbox.register(
        {
            "layers": [Component("ZqLazyInner", f"{module_name}:Outer.Inner")],
            "activations": [Component("zq_lazy_fn", f"{module_name}:fn")],
        }
    )
    assert lookup.registry("layers").find("ZqLazyInner") is not None
    assert module_name not in sys.modules
    assert lookup.find("activations", "zq_lazy_fn")() == 42
    assert module_name in sys.modules
    assert lookup.find("layers", "zq_lazy_inner") is sys.modules[module_name].Outer.Inner
    sys.modules.pop(module_name, None)


def test_bad_string_reference_fails_at_lookup(plugin_sandbox):
    plugin_sandbox.register({"layers": [Component("ZqBroken", "zq_no_such_module_anywhere:Thing")]})
    with pytest.raises(ModuleNotFoundError):
        lookup.find("layers", "ZqBroken")
