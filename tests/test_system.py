"""The System type: user-defined systems, parameters, Jacobians, registry errors."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import chaoslab as cl


@cl.flow(params=dict(a=0.2, b=0.2, c=5.7), ic=[1.0, 1.0, 1.0], period=5.9)
def MyRossler(x, t, a, b, c):
    return cl.stack(-x[1] - x[2], x[0] + a * x[1], b + x[2] * (x[0] - c))


def test_user_system_has_every_feature():
    assert MyRossler.dim == 3 and MyRossler.kind == "flow"
    tr = cl.trajectory(MyRossler, 500, transient=50.0)
    assert tr.x.shape == (500, 3) and np.all(np.isfinite(tr.x))
    ens = cl.ensemble(MyRossler, 200, x0=np.ones((4, 3)) + 0.1 * np.arange(4)[:, None])
    assert ens.x.shape == (4, 200, 3) and ens.valid.all()


def test_parameters_override_and_validation():
    p = MyRossler.resolve_params({"c": 4.0})
    assert float(p["c"]) == 4.0 and float(p["a"]) == 0.2
    with pytest.raises(cl.ParameterError, match="no parameter 'd'; allowed: a, b, c"):
        MyRossler.resolve_params({"d": 1.0})
    with pytest.raises(cl.ParameterError, match="must be numeric"):
        MyRossler.resolve_params({"c": "x"})
    s2 = MyRossler.with_params(c=4.0)
    assert float(s2.params["c"]) == 4.0 and float(MyRossler.params["c"]) == 5.7


def test_autodiff_jacobian_matches_analytic():
    def jac(x, t, a, b, c):
        return jnp.array([[0.0, -1.0, -1.0], [1.0, a, 0.0], [x[2], 0.0, x[0] - c]])

    s = cl.flow(MyRossler.fn, name="R2", params=dict(MyRossler.params), ic=[1, 2, 3], jac_fn=jac)
    x = jnp.array([0.3, -1.2, 2.5])
    np.testing.assert_allclose(MyRossler.jac(x, 0.0), s.jac(x, 0.0), rtol=0, atol=1e-14)


def test_unknown_system_suggests_a_name():
    with pytest.raises(cl.UnknownSystemError) as e:
        cl.get_system("Lorenz63")
    assert str(e.value) == "unknown system 'Lorenz63'; did you mean 'Lorenz'?"


def test_rhs_is_pure_and_jittable():
    s = cl.get_system("Lorenz")
    p = s.resolve_params()
    f = jax.jit(lambda x: s.rhs(x, 0.0, p))
    x = jnp.asarray(s.ic)
    np.testing.assert_array_equal(f(x), s.rhs(x, 0.0, p))


def test_names_are_read_in_any_case_by_one_helper():
    # one rule for every name chosen from a fixed set: the exact name, else its unique match ignoring case
    assert cl.get_system("lorenz") is cl.get_system("Lorenz") and cl.get_system("LORENZ96N40").name == "Lorenz96N40"
    assert cl.resolve_name("ETKF", ("etkf", "enkf"), "method") == "etkf"
    assert cl.resolve_name("Aa", ("aa", "Aa"), "name") == "Aa"  # an exact match wins
    with pytest.raises(cl.UnknownNameError, match=r"^name 'AA' is ambiguous: 'aa', 'Aa' differ only in case"):
        cl.resolve_name("AA", ("aa", "Aa"))
    with pytest.raises(cl.UnknownNameError) as e:
        cl.resolve_name("etfk", ("etkf", "enkf"), "method")
    assert str(e.value) == "unknown method 'etfk'; did you mean 'etkf'? (allowed: etkf, enkf)"
    assert isinstance(e.value, ValueError) and isinstance(e.value, KeyError)
    with pytest.raises(ValueError, match=r"^unknown method 'x'; allowed: a, b$"):
        cl.resolve_name("x", ["a", "b"], "method")
    with pytest.raises(cl.UnknownSystemError, match=r"^unknown system 'qqqqqq'; see 'chaoslab systems list'$"):
        cl.get_system("qqqqqq")
    assert cl.list_systems("PDE") == cl.list_systems("pde")
