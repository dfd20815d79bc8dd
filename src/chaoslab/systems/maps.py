"""The catalog's discrete maps: the 26 maps of the dysts benchmark, x_{n+1} = f(x_n, n).

Parameters and initial conditions are those of the dysts metadata. Maps defined on a circle or a
torus are reduced there with ``jnp.mod`` (the reduction commutes with the map, so the dynamics and
the Lyapunov exponents are unchanged). Where floating-point arithmetic would make an exact
doubling map collapse onto 0 after ~53 iterations, the slope is nudged below 2 as in dysts.
"""

from functools import partial

import math

from ..lazy import lazy_module
jax = lazy_module("jax")
jnp = lazy_module("jax.numpy")

from .base import map_system, stack

builtin = partial(map_system, register=True, field_="maps")

_TWO_PI = 2 * math.pi


def _wrap_centered(v, period):
    """v reduced to [-period/2, period/2)."""
    return jnp.mod(v + period / 2, period) - period / 2


@builtin(
    params=dict(a=1.0),
    ic=[0.04995935, 0.363224],
    description="The generalized baker's map: the unit square is stretched twice horizontally, cut and stacked; area-preserving for a = 1.",
    citation="Farmer, J. D., Ott, E. and Yorke, J. A. (1983). The dimension of chaotic attractors. Physica D 7, 153-180.",
    variables=("x", "y"),
    equations="x' = s x - floor(s x); y' = (a y + floor(s x)) / 2, with s = 2 - 1e-10 (a slope just below 2 keeps floating point from collapsing the orbit onto 0)",
)
def Baker(x, n, a):
    X, Y = x
    s = 2.0 - 1e-10
    fl = jnp.floor(s * X)
    return stack(s * X - fl, (a * Y + fl) / 2)


@builtin(
    params=dict(a=-0.67, b=0.83),
    ic=[0.5, 0.5],
    description="A trigonometric strange-attractor map of computer art, named for the tousled shape of its attractor.",
    citation="Ivan Emrich.",
    variables=("x", "y"),
    equations="x' = y sin(x y / b) + cos(a x - y); y' = x + sin(y) / b",
)
def Bedhead(x, n, a, b):
    X, Y = x
    return stack(Y * jnp.sin(X * Y / b) + jnp.cos(a * X - Y), X + jnp.sin(Y) / b)


@builtin(
    params=dict(a=1, gamma=1, b=0.5, t=1.5),
    ic=[0.17, 0.33],
    hamiltonian=True,
    description="Aref's blinking vortex: a point vortex in a circular container (radius a) alternates each iteration between positions +b and -b, advecting a fluid particle for a time t; state is the particle's polar coordinates.",
    citation="Aref, H. (1984). Stirring by chaotic advection. Journal of Fluid Mechanics 143, 1-21.",
    variables=("r", "theta"),
    equations=(
        "vortex at beta = b (-1)^n and its image at B = a^2/beta; lambda^2 = (beta^2 + r^2 - 2 beta r cos theta) / (B^2 + r^2 - 2 B r cos theta); "
        "the particle moves on the circle of centre eta = (beta - lambda^2 B)/(1 - lambda^2), radius rho = |lambda (B - beta)/(1 - lambda^2)|: "
        "with e = 2 lambda/(1 + lambda^2), q0 = atan2(r sin theta, r cos theta - eta), T = 4 pi^2 rho^2 (1 + lambda^2) / (gamma (1 - lambda^2)), "
        "solve q - e sin q = q0 - e sin q0 + 2 pi t / T; r' = |eta + rho e^(i q)|; theta' = arg(eta + rho e^(i q))"
    ),
)
def BlinkingVortexMap(x, n, a, gamma, b, t):
    r, th = x
    beta = jnp.where(jnp.mod(jnp.round(n), 2) == 0, b, -b)  # the vortex blinks between +b and -b
    big = a**2 / beta
    lam2 = (beta**2 + r**2 - 2 * beta * r * jnp.cos(th)) / (big**2 + r**2 - 2 * big * r * jnp.cos(th))
    lam = jnp.sqrt(lam2)
    eta = (beta - lam2 * big) / (1 - lam2)
    rho = jnp.abs(lam * (big - beta) / (1 - lam2))
    e = 2 * lam / (1 + lam2)
    q0 = jnp.arctan2(r * jnp.sin(th), r * jnp.cos(th) - eta)
    period = _TWO_PI**2 * rho**2 * (1 + lam2) / (gamma * (1 - lam2))
    m = q0 - e * jnp.sin(q0) + _TWO_PI * t / period
    # Kepler's equation q - e sin q = m (0 <= e < 1, one root): Newton from pi on m mod 2 pi
    # always converges; one more Newton step outside stop_gradient gives exact derivatives.
    m_red = jnp.mod(m, _TWO_PI)
    e_c, m_c = jax.lax.stop_gradient(e), jax.lax.stop_gradient(m_red)
    q = jax.lax.fori_loop(0, 40, lambda _, q: q - (q - e_c * jnp.sin(q) - m_c) / (1 - e_c * jnp.cos(q)), jnp.pi + 0 * m_c)
    q = jax.lax.stop_gradient(q)
    q = q - (q - e * jnp.sin(q) - m_red) / (1 - e * jnp.cos(q))
    zx, zy = eta + rho * jnp.cos(q), rho * jnp.sin(q)
    return stack(jnp.sqrt(zx**2 + zy**2), jnp.arctan2(zy, zx))


@builtin(
    params=dict(eps=0, k=1.2, mu=0),
    ic=[0.51, 0.2],
    description="A discrete-time analogue of the Bogdanov-Takens normal form; area-preserving for eps = mu = 0.",
    citation="Bogdanov, R (1981). Bifurcations of a Limit Cycle for a Family of Vector Fields on the Plane. Selecta Math. Soviet.",
    # Not chaotic here: with eps = mu = 0 the map is area-preserving and the reference orbit lies on a
    # KAM invariant circle around the elliptic fixed point (0, 0) (largest Lyapunov exponent ~ 1/n:
    # 8e-4, 1.5e-4, 2e-5 after 5e3, 5e4, 5e5 iterations).
    stats=dict(chaotic=False),
    variables=("x", "y"),
    equations="y' = (1 + eps) y + k x (x - 1) + mu x y; x' = x + y'",
)
def Bogdanov(x, n, eps, k, mu):
    X, Y = x
    yn = (1 + eps) * Y + k * X * (X - 1) + mu * X * Y
    return stack(X + yn, yn)


@builtin(
    params=dict(a=6),
    ic=[0.51],
    description="The Chebyshev map x -> T_a(x) on [-1, 1], conjugate to multiplication of an angle by a.",
    citation="Geisel, T. and Fairen, V. (1984). Statistical properties of chaos in Chebyshev maps. Physics Letters A 105(6), 263-266.",
    variables=("x",),
    equations="x' = cos(a arccos x)",
)
def Chebyshev(x, n, a):
    return jnp.cos(a * jnp.arccos(jnp.clip(x, -1.0, 1.0)))


@builtin(
    params=dict(k=0.971635),
    ic=[0.1, 0.1],
    description="The Chirikov standard map of a periodically kicked rotor, at the breakup of its last KAM torus (k = 0.971635); area-preserving, on the torus.",
    citation="B. V. Chirikov, Research concerning the theory of nonlinear resonance and stochasticity. (1979).",
    variables=("p", "x"),
    equations="p' = p + k sin x; x' = x + p'; both taken mod 2 pi in [-pi, pi)",
)
def Chirikov(x, n, k):
    p, q = x
    pn = p + k * jnp.sin(q)
    return stack(_wrap_centered(pn, _TWO_PI), _wrap_centered(q + pn, _TWO_PI))


@builtin(
    params=dict(omega=0.333, k=5.7),
    ic=[0.0],
    description="The Arnold sine circle map of a periodically driven oscillator; non-invertible and chaotic for k > 1.",
    citation="Arnold, V. I. (1965). Small denominators I: mappings of the circumference onto itself. AMS Translations Series 2, 46, 213-284.",
    variables=("theta",),
    equations="theta' = theta + omega + (k / 2 pi) sin(2 pi theta) mod 1",
)
def Circle(x, n, omega, k):
    return jnp.mod(x + omega + (k / _TWO_PI) * jnp.sin(_TWO_PI * x), 1.0)


@builtin(
    params=dict(a=1.641, b=1.902, c=0.316, d=1.525),
    ic=[1.78166133, -1.15791549],
    description="Peter de Jong's trigonometric strange-attractor map.",
    citation="Peter de Jong; see P. Bourke, Peter de Jong attractors, paulbourke.net/fractals/peterdejong (1997).",
    variables=("x", "y"),
    equations="x' = sin(a y) - cos(b x); y' = sin(c x) - cos(d y)",
)
def DeJong(x, n, a, b, c, d):
    X, Y = x
    return stack(jnp.sin(a * Y) - jnp.cos(b * X), jnp.sin(c * X) - jnp.cos(d * Y))


@builtin(
    name="DuffingMap",
    params=dict(a=2.75, b=0.2),
    ic=[0.51, 0.1],
    description="Holmes' discrete analogue of the Duffing oscillator (the dysts map 'Duffing').",
    citation="Holmes, P. J. (1979). A nonlinear oscillator with a strange attractor. Philosophical Transactions of the Royal Society A 292, 419-448.",
    variables=("x", "y"),
    equations="x' = y; y' = -b x + a y - y^3",
)
def DuffingMap(x, n, a, b):
    X, Y = x
    return stack(Y, -b * X + a * Y - Y**3)


@builtin(
    params=dict(a=1.4, b=0.3),
    ic=[0.5, 0.3],
    description="The last entry ('end cap') of the dysts map list, which carries Henon's parameters but no equations of its own; defined here as the Henon map.",
    citation="Henon, M. (1976). A two-dimensional mapping with a strange attractor. Communications in Mathematical Physics 50, 69-77. Entry of the dysts discrete_maps.json (Gilpin 2021).",
    variables=("x", "y"),
    equations="x' = 1 - a x^2 + y; y' = b x",
)
def EndCap(x, n, a, b):
    X, Y = x
    return stack(1 - a * X**2 + Y, b * X)


@builtin(
    params=dict(a=4.9, b=-0.5),
    ic=[0.5],
    description="The Gauss iterated map (mouse map), a Gaussian-shaped one-dimensional map.",
    citation="Hilborn, R. C. (2000). Chaos and Nonlinear Dynamics, 2nd ed. Oxford University Press.",
    variables=("x",),
    equations="x' = exp(-a x^2) + b",
)
def Gauss(x, n, a, b):
    return jnp.exp(-a * x**2) + b


@builtin(
    params=dict(),
    ic=[0.51, 0.1],
    description="Devaney's gingerbreadman map, a piecewise-linear area-preserving map with chaotic and regular zones.",
    citation="Devaney, R. L. (1984). A piecewise linear model for the zones of instability of an area-preserving map. Physica D 10, 387-393.",
    # Not chaotic from the reference initial condition: (0.51, 0.1) lies in the hexagon around the
    # elliptic fixed point (1, 1) where x > 0 and the map is the linear rotation of order 6, so the
    # orbit is exactly 6-periodic (Devaney 1984); the chaotic zone lies outside that hexagon.
    stats=dict(chaotic=False),
    variables=("x", "y"),
    equations="x' = 1 - y + |x|; y' = x",
)
def Gingerbreadman(x, n):
    X, Y = x
    return stack(1 - Y + jnp.abs(X), X)


def _gumowski_mira_g(x, a):
    return a * x + 2 * (1 - a) * x**2 / (1 + x**2)


@builtin(
    params=dict(a=-1.1, b=-0.2),
    ic=[0.1, 0.1],
    description="The Gumowski-Mira recurrence from accelerator beam dynamics, known for its ornamental attractors.",
    citation="Gumowski, Igor, and Christian Mira (2006). Recurrences and discrete dynamic systems. Vol. 809. Springer.",
    # Not chaotic at the reference parameters: the Jacobian determinant is b = -0.2 and the orbit
    # from the reference initial condition (and from most others) converges to the stable period-2
    # orbit (-0.0649, 0) <-> (0.0890, 0) (largest Lyapunov exponent -0.159).
    stats=dict(chaotic=False),
    variables=("x", "y"),
    equations="G(u) = a u + 2 (1 - a) u^2 / (1 + u^2); x' = b y + G(x); y' = G(x') - x",
)
def GumowskiMira(x, n, a, b):
    X, Y = x
    xn = b * Y + _gumowski_mira_g(X, a)
    return stack(xn, _gumowski_mira_g(xn, a) - X)


@builtin(
    params=dict(a=1.4, b=0.3),
    ic=[1.21674097, 0.03536533],
    description="Henon's quadratic map, a Poincare-section model of the Lorenz attractor's stretching and folding.",
    citation="Henon, M. (1976). A two-dimensional mapping with a strange attractor. Communications in Mathematical Physics 50, 69-77.",
    variables=("x", "y"),
    equations="x' = 1 - a x^2 + y; y' = b x",
)
def Henon(x, n, a, b):
    X, Y = x
    return stack(1 - a * X**2 + Y, b * X)


@builtin(
    params=dict(a=3.1, b=2.5, c=4.2),
    ic=[0.1, 0.1],
    description="Barry Martin's 'hopalong' map, popularised in Scientific American's Computer Recreations (shifted form of dysts).",
    citation="Barry Martin. See Dewdney, A. K. (1986). Computer Recreations. Scientific American 255(3), 14-20.",
    variables=("x", "y"),
    equations="x' = y - 1 - sign(x - 1) sqrt|b x - 1 - c|; y' = a - x - 1",
)
def Hopalong(x, n, a, b, c):
    X, Y = x
    return stack(Y - 1 - jnp.sign(X - 1) * jnp.sqrt(jnp.abs(b * X - 1 - c)), a - X - 1)


@builtin(
    params=dict(u=0.9),
    ic=[0.9, 0.55524451],
    description="The Ikeda map of the light field in a ring cavity with a nonlinear dielectric medium.",
    citation="Ikeda, K. (1979). Multiple-valued stationary state and its instability of the transmitted light by a ring cavity system. Optics Communications 30(2), 257-261.",
    variables=("x", "y"),
    equations="s = 0.4 - 6 / (1 + x^2 + y^2); x' = 1 + u (x cos s - y sin s); y' = u (x sin s + y cos s)",
)
def Ikeda(x, n, u):
    X, Y = x
    s = 0.4 - 6 / (1 + X**2 + Y**2)
    return stack(1 + u * (X * jnp.cos(s) - Y * jnp.sin(s)), u * (X * jnp.sin(s) + Y * jnp.cos(s)))


@builtin(
    params=dict(alpha=0.2),
    ic=[0.2, 0.2],
    description="The Kaplan-Yorke map: a doubling map driving a contracting linear map through a cosine.",
    citation="J.L. Kaplan, J.A. Yorke (1979).Functional Differential Equations and Approximations of Fixed Points",
    variables=("x", "y"),
    equations="x' = 2 x mod m; y' = alpha y + cos(4 pi x), with m = 1 - 5e-8 instead of 1 (as in dysts) so that floating point does not collapse x onto 0",
)
def KaplanYorke(x, n, alpha):
    X, Y = x
    return stack(jnp.mod(2 * X, 0.99999995), alpha * Y + jnp.cos(2 * _TWO_PI * X))


@builtin(
    params=dict(r=3.9),
    ic=[0.51],
    description="The logistic map of a population with non-overlapping generations.",
    citation="Robert May. Simple mathematical models with very complicated dynamics. Nature (1976).",
    variables=("x",),
    equations="x' = r x (1 - x)",
)
def Logistic(x, n, r):
    return r * x * (1 - x)


@builtin(
    params=dict(a=0.87, b=0.75),
    ic=[0.0, 0.1],
    description="Maynard Smith's delayed-logistic population map, a quadratic map of two successive generations.",
    citation="Maynard Smith, J. (1968). Mathematical Ideas in Biology. Cambridge University Press.",
    variables=("x", "y"),
    equations="x' = y; y' = a y + b - x^2",
)
def MaynardSmith(x, n, a, b):
    X, Y = x
    return stack(Y, a * Y + b - X**2)


@builtin(
    params=dict(a=-1.4, b=1.6, c=1.0, d=0.7),
    ic=[-0.97631884, -1.2040783],
    description="Clifford Pickover's trigonometric strange-attractor map (the 'Clifford attractor').",
    citation="Pickover, C. A. (1990). Computers, Pattern, Chaos and Beauty. St. Martin's Press.",
    variables=("x", "y"),
    equations="x' = sin(a y) + c cos(a x); y' = sin(b x) + d cos(b y)",
)
def Pickover(x, n, a, b, c, d):
    X, Y = x
    return stack(jnp.sin(a * Y) + c * jnp.cos(a * X), jnp.sin(b * X) + d * jnp.cos(b * Y))


@builtin(
    params=dict(a=3.3),
    ic=[0.51],
    description="The Ricker stock-recruitment map of a fish population with overcompensating density dependence.",
    citation="Ricker, W. E. (1954). Stock and recruitment. Journal of the Fisheries Research Board of Canada 11(5), 559-623.",
    variables=("x",),
    equations="x' = x exp(a - x)",
)
def Ricker(x, n, a):
    return x * jnp.exp(a - x)


@builtin(
    params=dict(a=1.5, b=-1.8, c=1.6, d=0.9),
    ic=[0.5, 0.5],
    description="Johnny Svensson's trigonometric strange-attractor map.",
    citation="Ivan Emrich.",
    variables=("x", "y"),
    equations="x' = d sin(a x) - sin(b y); y' = c cos(a x) + cos(b y)",
)
def Svensson(x, n, a, b, c, d):
    X, Y = x
    return stack(d * jnp.sin(a * X) - jnp.sin(b * Y), c * jnp.cos(a * X) + jnp.cos(b * Y))


@builtin(
    params=dict(mu=0.95),
    ic=[0.51],
    description="The piecewise-linear tent map, with slope 2 mu.",
    citation="Devaney, R. L. (1989). An Introduction to Chaotic Dynamical Systems, 2nd ed. Addison-Wesley.",
    variables=("x",),
    equations="x' = mu (1 - 2 |x - 1/2|)",
)
def Tent(x, n, mu):
    return mu * (1 - 2 * jnp.abs(x - 0.5))


@builtin(
    params=dict(a=0.9, b=-0.6013, c=2.0, d=0.5),
    ic=[0.13738266, -0.0308518],
    description="The Tinkerbell map, a quadratic map named for the shape of its attractor.",
    citation="Nusse, H. E. and Yorke, J. A. (1994). Dynamics: Numerical Explorations. Springer.",
    variables=("x", "y"),
    equations="x' = x^2 - y^2 + a x + b y; y' = 2 x y + c x + d y",
)
def Tinkerbell(x, n, a, b, c, d):
    X, Y = x
    return stack(X**2 - Y**2 + a * X + b * Y, 2 * X * Y + c * X + d * Y)


@builtin(
    params=dict(eps=5.0, nu=0.2, r=2.0),
    ic=[0.51, 0.1],
    description="Zaslavskii's map of a damped, periodically kicked rotator; the phase x lives on the circle [0, 1).",
    citation="G.M. Zaslavskii (1978). The Simplest case of a strange attractor. Phys. Lett. A. 69 (3)",
    # Not chaotic at the reference parameters (those of Wikipedia's figure): every orbit tried
    # converges to a stable period-2 orbit (0.4176, -0.0336) <-> (0.2390, -0.5925) whose multipliers
    # have modulus exp(-r) (Lyapunov exponents -1, -1); chaos sets in for eps >= 6 (0.39 at eps = 6).
    # dysts itself leaves this map commented out.
    stats=dict(chaotic=False),
    variables=("x", "y"),
    equations="m = (1 - exp(-r)) / r; x' = x + nu (1 + m y) + eps nu m cos(2 pi x) mod 1; y' = exp(-r) (y + eps cos(2 pi x))",
)
def Zaslavskii(x, n, eps, nu, r):
    X, Y = x
    m = (1 - jnp.exp(-r)) / r
    kick = jnp.cos(_TWO_PI * X)
    return stack(jnp.mod(X + nu * (1 + m * Y) + eps * nu * m * kick, 1.0), jnp.exp(-r) * (Y + eps * kick))


@builtin(
    params=dict(a=1.641, b=1.902),
    ic=[1.78166133, -1.15791549],
    description="The Zeraoulia-Sprott rational map, one of the simplest planar maps with a rational nonlinearity.",
    citation="Zeraoulia, E. and Sprott, J. C. (2008). A two-dimensional discrete mapping with C-infinity multifold chaotic attractors. Electronic Journal of Theoretical Physics 5(17), 107-120.",
    # The dysts parameters (a copy of DeJong's a, b) give no attractor from the reference ic:
    # with b = 1.902 the origin is the only fixed point, a saddle, and the orbit from the reference
    # initial condition escapes (y grows like b^n) after ~30 iterations; the few bounded orbits found
    # (76 of 2000 random starts) end on a stable periodic orbit. Kept as in the reference.
    stats=dict(chaotic=False),
    variables=("x", "y"),
    equations="x' = -a x / (1 + y^2); y' = x + b y",
)
def ZeraouliaSprott(x, n, a, b):
    X, Y = x
    return stack(-a * X / (1 + Y**2), X + b * Y)
