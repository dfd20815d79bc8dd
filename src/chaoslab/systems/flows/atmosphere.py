"""Atmosphere, climate and convection: Lorenz-type and geophysical flows."""

from ._common import builtin, jnp, stack

builtin = builtin("atmosphere")


@builtin(
    params=dict(beta=2.667, rho=28, sigma=10),
    ic=[-9.7869288, -15.03852, 20.533978],
    period=1.5008,
    dt=0.00030021,
    variables=("x", "y", "z"),
    description="A minimal weather model based on atmospheric convection.",
    citation="Lorenz, Edward N (1963). Deterministic nonperiodic flow. Journal of the atmospheric sciences 20.2 (1963): 130-141.",
    equations="x' = sigma (y - x); y' = x (rho - z) - y; z' = x y - beta z",
    stats=dict(mean=[-0.447137, -0.312509, 23.546], std=[7.90623, 8.99934, 8.57949], lyapunov=[1.0911, 0.029941, -14.916], max_lyapunov=0.89171, kaplan_yorke=2.0752, correlation_dimension=1.9939),
)
def Lorenz(x, t, beta, rho, sigma):
    X, Y, Z = x
    return stack(sigma * (Y - X), X * (rho - Z) - Y, X * Y - beta * Z)
