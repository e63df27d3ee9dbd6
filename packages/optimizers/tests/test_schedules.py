"""Learning-rate schedules: values, configs, registration."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lamella import schedules
from lamella_optimizers.schedules import (
    CosineDecay,
    ExponentialDecay,
    InverseTimeDecay,
    PiecewiseConstantDecay,
    PolynomialDecay,
)


def test_exponential():
    s = ExponentialDecay(0.1, 10, 0.5)
    assert s(0) == 0.1 and math.isclose(s(10), 0.05) and math.isclose(s(5), 0.1 * 0.5 ** 0.5)
    s = ExponentialDecay(0.1, 10, 0.5, staircase=True)
    assert s(9) == 0.1 and math.isclose(s(10), 0.05)


def test_piecewise():
    s = PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    assert [s(0), s(10), s(11), s(20), s(21)] == [1.0, 1.0, 0.5, 0.5, 0.1]
    with pytest.raises(ValueError):
        PiecewiseConstantDecay([1, 2], [1.0])


def test_inverse_time():
    s = InverseTimeDecay(1.0, 10, 0.5)
    assert math.isclose(s(10), 1 / 1.5) and math.isclose(s(5), 1 / 1.25)
    assert math.isclose(InverseTimeDecay(1.0, 10, 0.5, staircase=True)(15), 1 / 1.5)


def test_polynomial():
    s = PolynomialDecay(1.0, 10, end_learning_rate=0.0, power=2.0)
    assert math.isclose(s(5), 0.25) and s(10) == 0.0 and s(100) == 0.0
    c = PolynomialDecay(1.0, 10, end_learning_rate=0.0, cycle=True)
    assert c(0) == 1.0 and math.isclose(c(15), 0.25)


def test_cosine():
    s = CosineDecay(1.0, 10, alpha=0.1)
    assert s(0) == 1.0 and math.isclose(s(10), 0.1) and math.isclose(s(5), 0.55)
    assert math.isclose(s(50), 0.1)


@settings(max_examples=30, deadline=None)
@given(lr=st.floats(1e-5, 1.0), steps=st.integers(1, 1000), rate=st.floats(0.01, 0.99),
       stair=st.booleans(), which=st.integers(0, 4), step=st.integers(0, 5000))
def test_config_round_trip(lr, steps, rate, stair, which, step):
    s = [ExponentialDecay(lr, steps, rate, stair), InverseTimeDecay(lr, steps, rate, stair),
         PolynomialDecay(lr, steps, lr * rate, power=rate * 3, cycle=stair),
         CosineDecay(lr, steps, alpha=rate),
         PiecewiseConstantDecay([steps], [lr, lr * rate])][which]
    clone = type(s).from_config(s.get_config())
    assert clone.get_config() == s.get_config() and clone(step) == s(step)
    again = schedules.deserialize(schedules.serialize(s))
    assert type(again) is type(s) and again(step) == s(step)


def test_registered():
    assert schedules.ExponentialDecay is ExponentialDecay
    assert schedules.deserialize({"class_name": "CosineDecay",
                                  "config": {"initial_learning_rate": 1.0,
                                             "decay_steps": 4}})(4) == 0.0
