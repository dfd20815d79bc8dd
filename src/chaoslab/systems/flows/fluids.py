"""Fluids flows: passive tracers in steady and time-periodic 2D/3D flows, and a bouncing droplet.

Most of these are non-autonomous: the forcing (or the blinking protocol) uses the explicit time
t, with the reference clock's initial phase kept where it is not 0. Blinking protocols switch
between two stationary fields on the two halves of each period tau (a square wave in t).

The polar-coordinate tracers (BlinkingRotlet, BlinkingVortex, InteriorSquirmer) are written in
Cartesian coordinates x = r cos(theta), y = r sin(theta): the reference statistics are those of
(x, y), the Cartesian form has no 1/r singularity, and the reference initial condition
(r0, theta0) is given here as (r0 cos theta0, r0 sin theta0).
"""

import math

from ._common import builtin, jnp, stack

builtin = builtin("fluids")

# Initial phases of the reference clock coordinates (z' = omega), kept so that the forcing matches
# the reference trajectory started from the reference state.
_DOUBLE_GYRE_PHASE = 3879.3323
_OSCILLATING_FLOW_PHASE = 0.4
_TRAMPOLINE_PHASE = 0.1


def _polar_ic(r, theta):
    return [r * math.cos(theta), r * math.sin(theta)]


def _first_half(t, tau):
    """Square wave of period tau: True on [0, tau/2), False on [tau/2, tau)."""
    return jnp.mod(t, tau) < 0.5 * tau


def _rotlet(x, y, a, b, bc):
    """Velocity (u, v) / sigma of a rotlet (bc = 1) or point vortex (bc = 0) at (b, 0) in the disk r < a.

    Cartesian form of Meleshko & Aref's polar field: with rho^2 = x^2 + y^2,
    kappa = a^2 + b^2 rho^2 / a^2 - 2 b x, zeta = (x - b)^2 + y^2,
    gamma = (1 - rho^2/a^2)(a^2 - b^2 rho^2/a^2), nu = a^2 + b^2 - 2 b^2 rho^2 / a^2,
    S = -bc gamma/kappa^2 - 1/kappa + 1/zeta, R = bc gamma b^2/(a^2 kappa^2) + (bc nu + b^2)/(a^2 kappa) - 1/zeta:
    u = -R y, v = R x + b S.
    """
    rho2 = x**2 + y**2
    kappa = a**2 + b**2 * rho2 / a**2 - 2 * b * x
    zeta = (x - b) ** 2 + y**2
    gamma = (1 - rho2 / a**2) * (a**2 - b**2 * rho2 / a**2)
    nu = a**2 + b**2 - 2 * b**2 * rho2 / a**2
    s = -bc * gamma / kappa**2 - 1 / kappa + 1 / zeta
    r = bc * gamma * b**2 / (a**2 * kappa**2) + (bc * nu + b**2) / (a**2 * kappa) - 1 / zeta
    return -r * y, r * x + b * s


def _blinking_rotlet(x, t, a, b, bc, sigma, tau):
    X, Y = x
    u1, v1 = _rotlet(X, Y, a, b, bc)
    u2, v2 = _rotlet(X, Y, a, -b, bc)
    first = _first_half(t, tau)
    return stack(sigma * jnp.where(first, u1, u2), sigma * jnp.where(first, v1, v2))


def _cavity(x, y, a, b, u1, u2):
    """Stokes flow in the cavity [0, a] x [-b, b] driven by its two lids: the two slowest modes."""
    u = v = 0.0
    for m, um in ((1, u1), (2, u2)):
        k = m * math.pi / a
        d = 2 * m * math.pi * b + a * jnp.sinh(2 * k * b)
        u = u + 2 * um * jnp.sin(k * x) / d * (
            -m * math.pi * b * jnp.sinh(k * b) * jnp.sinh(k * y)
            + jnp.cosh(k * b) * (m * math.pi * y * jnp.cosh(k * y) + a * jnp.sinh(k * y))
        )
        v = v + 2 * m * math.pi * um * jnp.cos(k * x) / d * (
            b * jnp.sinh(k * b) * jnp.cosh(k * y) - jnp.cosh(k * b) * y * jnp.sinh(k * y)
        )
    return u, v


@builtin(
    params=dict(a=1.73205, b=1.41421, c=1),
    ic=[147.91266, -1762.805, -647.37622],
    period=2.8508,
    dt=0.00057026,
    unbounded=(0, 1, 2),
    variables=("x", "y", "z"),
    description="An exact solution of Euler's equation for inviscid flow in 3D. Often referred to as the ABC flow.",
    citation='V. I. Arnold, Journal of Applied Mathematics and Mechanics 30, 223 (1966).',
    equations="x' = a sin z + c cos y; y' = b sin x + a cos z; z' = c sin y + b cos x "
              "(positions on the 2 pi-periodic torus; reference statistics are of sin x, cos y, sin z)",
    stats=dict(mean=[0.224216, 0.0452483, 0.0455678], std=[0.665963, 0.741451, 0.727846], lyapunov=[1.4722, -0.01824, -2.3786], max_lyapunov=0.36673, kaplan_yorke=2.6123, correlation_dimension=1.9304),
    observables=lambda x, **p: (jnp.sin(x[0]), jnp.cos(x[1]), jnp.sin(x[2])),
)
def ArnoldBeltramiChildress(x, t, a, b, c):
    X, Y, Z = x
    return stack(a * jnp.sin(Z) + c * jnp.cos(Y), b * jnp.sin(X) + a * jnp.cos(Z), c * jnp.sin(Y) + b * jnp.cos(X))


# Reference state order is (y, x, clock); the clock (z' = omega, z(0) = 0) becomes omega t. The
# reference does not flag the system non-autonomous, but the field depends on t explicitly.
@builtin(
    params=dict(ell=1.77, eps=[0.0075, 0.15, 0.3], k=[0.313922, 0.627845, 0.941767], omega=1, sigma=[9.05854e-06, 1.28453e-05, 2.88863e-05], u=6.266e-05),
    ic=[-0.4, 0.3],
    period=97826.57,
    dt=17.568,
    nonautonomous=True,
    hamiltonian=True,
    unbounded=(1,),
    variables=("y", "x"),
    description='A zonal jet passing between two counter rotating vortices. A steady Hamiltonian with a time-dependent perturbation.',
    citation='Hadjighasem, Karrasch, Teramoto, Haller (2016). A Spectral Clustering Approach to Lagrangian Vortex Detection Phys Rev E.',
    equations="phi_n = k_n (x - sigma_n omega t); y' = ell u sech^2(y/ell) sum_n eps_n k_n sin phi_n; "
              "x' = -u sech^2(y/ell) (1 + 2 tanh(y/ell) sum_n eps_n cos phi_n) (n = 1..3)",
    stats=dict(mean=[-0.960597, -0.00637915], std=[0.271677, 0.6938], lyapunov=[1.9652e-07, 2.541e-09, -9.632e-08], max_lyapunov=3.0319e-06, kaplan_yorke=4.0667, correlation_dimension=2.0025),
    observables=lambda x, k, **p: (x[0], jnp.sin(jnp.min(jnp.asarray(k)) * x[1])),
)
def BickleyJet(x, t, ell, eps, k, omega, sigma, u):
    Y, X = x
    eps, k, sigma = jnp.asarray(eps), jnp.asarray(k), jnp.asarray(sigma)
    phi = k * (X - sigma * omega * t)
    sech2 = 1 / jnp.cosh(Y / ell) ** 2
    dy = ell * u * sech2 * jnp.sum(eps * k * jnp.sin(phi))
    dx = -u * sech2 * (1 + 2 * jnp.tanh(Y / ell) * jnp.sum(eps * jnp.cos(phi)))
    return stack(dy, dx)


@builtin(
    params=dict(a=1, b=0.52988338944, bc=1, sigma=-1, tau=3),
    ic=_polar_ic(-0.08541919, -0.05204435),
    period=2.9520625,
    dt=0.00059051,
    nonautonomous=True,
    hamiltonian=True,
    variables=("x", "y"),
    description='The location of the mixer is chosen so that there is a stagnation point at its symmetric complement. Solution is given in polar coordinates (r, theta).',
    citation='Meleshko & Aref. A blinking rotlet model for chaotic advection. Physics of Fluids 1996. See also Tallapragada and Sudarsanam PRE 2019',
    equations="Cartesian x = r cos theta, y = r sin theta; field of a rotlet at (+-b, 0) in the disk r < a: "
              "rho^2 = x^2 + y^2, kappa = a^2 + b^2 rho^2/a^2 - 2 b x, zeta = (x - b)^2 + y^2, "
              "gamma = (1 - rho^2/a^2)(a^2 - b^2 rho^2/a^2), nu = a^2 + b^2 - 2 b^2 rho^2/a^2, "
              "S = -bc gamma/kappa^2 - 1/kappa + 1/zeta, R = bc gamma b^2/(a^2 kappa^2) + (bc nu + b^2)/(a^2 kappa) - 1/zeta; "
              "x' = -sigma R y; y' = sigma (R x + b S); with b on the first half of each period tau, -b on the second",
    stats=dict(mean=[0.205788, -0.0227893], std=[0.473871, 0.39966], lyapunov=[5.6094, 0.007964, -6.168], max_lyapunov=2.1203, kaplan_yorke=2.9109, correlation_dimension=2.0693),
)
def BlinkingRotlet(x, t, a, b, bc, sigma, tau):
    return _blinking_rotlet(x, t, a, b, bc, sigma, tau)


@builtin(
    params=dict(a=1, b=0.5, bc=0, sigma=-1, tau=3),
    ic=_polar_ic(-0.08541919, -0.05204435),
    period=2.7616666666666667,
    dt=0.00055243,
    nonautonomous=True,
    hamiltonian=True,
    variables=("x", "y"),
    description='A classic minimal chaotic mixing flow. Solution is given in polar coordinates (r, theta)',
    citation='Aref (1984). Stirring by chaotic advection. J. Fluid Mechanics.',
    equations="The BlinkingRotlet field with bc = 0: a point vortex at (+-b, 0) and its image in the disk r < a; "
              "rho^2 = x^2 + y^2, kappa = a^2 + b^2 rho^2/a^2 - 2 b x, zeta = (x - b)^2 + y^2, "
              "R = b^2/(a^2 kappa) - 1/zeta, S = 1/zeta - 1/kappa; x' = -sigma R y; y' = sigma (R x + b S); "
              "with b on the first half of each period tau, -b on the second",
    stats=dict(mean=[0.096283, 0.0510819], std=[0.517389, 0.562115], lyapunov=[4.8774, -0.0016245, -5.4768], max_lyapunov=2.863, kaplan_yorke=2.8911, correlation_dimension=2.2122),
)
def BlinkingVortex(x, t, a, b, bc, sigma, tau):
    return _blinking_rotlet(x, t, a, b, bc, sigma, tau)


# The reference clock starts at z(0) = 3879.3323: the drive phase is kept as sin(omega t + 3879.3323).
@builtin(
    params=dict(alpha=0.1, eps=0.1, omega=0.62832),
    ic=[1.5327241, 0.99802126],
    period=13.953,
    dt=0.0027911,
    nonautonomous=True,
    variables=("x", "y"),
    description='A time-dependent fluid flow exhibiting Lagrangian coherent structures',
    citation='Shadden, Lekien, Marsden (2005). Definition and properties of Lagrangian coherent structures from finite-time Lyapunov exponents in two-dimensional aperiodic flows. Physica D.',
    equations="e = eps sin(omega t + 3879.3323); f = e x^2 + (1 - 2 e) x; "
              "x' = -alpha pi sin(pi f) cos(pi y); y' = alpha pi cos(pi f) sin(pi y) (2 e x + 1 - 2 e)",
    stats=dict(mean=[0.620896, 0.510689], std=[0.418927, 0.295698], lyapunov=[0.062859, -0.0036702, -0.06634], max_lyapunov=0.12185, kaplan_yorke=2.8815, correlation_dimension=2.3304),
)
def DoubleGyre(x, t, alpha, eps, omega):
    X, Y = x
    e = eps * jnp.sin(omega * t + _DOUBLE_GYRE_PHASE)
    f = e * X**2 + (1 - 2 * e) * X
    dfdx = 2 * e * X + 1 - 2 * e
    return stack(-alpha * jnp.pi * jnp.sin(jnp.pi * f) * jnp.cos(jnp.pi * Y),
                 alpha * jnp.pi * jnp.cos(jnp.pi * f) * jnp.sin(jnp.pi * Y) * dfdx)


# The reference clock starts at th(0) = 0.1: the drive is kept as cos(w t + 0.1).
@builtin(
    params=dict(gamma=1.82, psi=0.01019, w=1.21),
    ic=[-0.65820064, -2.8807787],
    period=7.7351,
    dt=0.0015473,
    nonautonomous=True,
    variables=("x", "y"),
    description='A droplet bouncing on a horizontal soap film.',
    citation='Gilet, Bush. The fluid trampoline: droplets bouncing on a soap film. JFM 2009.',
    equations="x' = y; y' = -1 - H(-x) (x + psi y |y|) + gamma cos(w t + 0.1), H = Heaviside step (0 at x = 0)",
    stats=dict(mean=[2.40648, 0.0387519], std=[4.81913, 2.6488], lyapunov=[0.080813, -0.0011784, -0.094031], max_lyapunov=0.22311, kaplan_yorke=2.8463, correlation_dimension=2.1844),
)
def FluidTrampoline(x, t, gamma, psi, w):
    X, Y = x
    film = jnp.where(X < 0, X + psi * Y * jnp.abs(Y), 0.0)
    return stack(Y, -1 - film + gamma * jnp.cos(w * t + _TRAMPOLINE_PHASE))


@builtin(
    params=dict(a=[0.5, 0.5, 0.5, 0.5, 0.5], g=[0.5, 0.5, 0.5, 0.5, 0.5], tau=3),
    ic=_polar_ic(0.1, 0.1),
    period=28.822573200111794,
    dt=0.0057655,
    nonautonomous=True,
    hamiltonian=True,
    variables=("x", "y"),
    description='Boundary-driven flow of a viscous fluid within a cylinder. Any slip boundary condition can be used, as long as it is parametrized by its Fourier coefficients.',
    citation='Blake, J. R. Self propulsion due to oscillations on the surface of a cylinder at low Reynolds number. AMS Bulletin 1971.',
    equations="Polar field r' = sum_n n r^(n-1) (r^2 - 1) (G_n cos n theta + A_n sin n theta), "
              "r theta' = sum_n r^n (2 r + n (r^2 - 1)/r) (A_n cos n theta - G_n sin n theta), n = 1..len(a), "
              "with (A, G) = (a, 0) on the first half of each period tau and (0, g) on the second; "
              "in Cartesian form with c_n + i s_n = (x + i y)^n, rho^2 = x^2 + y^2: "
              "x' = sum_n n (rho^2 - 1)(G_n c_(n-1) + A_n s_(n-1)) - 2 y (A_n c_n - G_n s_n); "
              "y' = sum_n n (rho^2 - 1)(A_n c_(n-1) - G_n s_(n-1)) + 2 x (A_n c_n - G_n s_n)",
    stats=dict(mean=[-0.0870619, 0.00309948], std=[0.496357, 0.508939], lyapunov=[0.84473, 0.066266, -0.73181], max_lyapunov=0.84473, kaplan_yorke=3.2449, correlation_dimension=2.4915),
)
def InteriorSquirmer(x, t, a, g, tau):
    X, Y = x
    a, g = jnp.asarray(a), jnp.asarray(g)
    first = _first_half(t, tau)
    A = jnp.where(first, a, 0.0)
    G = jnp.where(first, 0.0, g)
    n = jnp.arange(1, jnp.shape(a)[0] + 1)
    z = X + 1j * Y
    zpow = jnp.cumprod(jnp.full(n.shape[0] + 1, z).at[0].set(1.0))  # z^0 .. z^N
    c, s = jnp.real(zpow), jnp.imag(zpow)
    skew = A * c[1:] - G * s[1:]
    rad = n * (X**2 + Y**2 - 1)
    dx = jnp.sum(rad * (G * c[:-1] + A * s[:-1]) - 2 * Y * skew)
    dy = jnp.sum(rad * (A * c[:-1] - G * s[:-1]) + 2 * X * skew)
    return stack(dx, dy)


@builtin(
    params=dict(a=6, b=1, tau=1.1, u1=9.92786, u2=8.34932),
    ic=[3.96679034113, 0.184259813467],
    period=2.7333134945588955,
    dt=0.00054675,
    nonautonomous=True,
    hamiltonian=True,
    variables=("x", "y"),
    description='A two-dimensional flow alternately driven by translation of the left and right walls.',
    citation='Grover et al. Chaos (2012). Topological chaos, braiding and bifurcation of almost-cyclic sets.',
    equations="Cavity [0, a] x [-b, b], two Stokes modes m = 1, 2 with k_m = m pi/a, D_m = 2 m pi b + a sinh(2 k_m b): "
              "x' = sum_m 2 U_m sin(k_m x)/D_m [-m pi b sinh(k_m b) sinh(k_m y) + cosh(k_m b)(m pi y cosh(k_m y) + a sinh(k_m y))]; "
              "y' = sum_m 2 m pi U_m cos(k_m x)/D_m [b sinh(k_m b) cosh(k_m y) - cosh(k_m b) y sinh(k_m y)]; "
              "(U_1, U_2) = (u1, u2) on the first half of each period tau, (-u1, u2) on the second; "
              "y is clipped to [-b, b] (no effect inside the cavity, keeps the field finite outside)",
    stats=dict(mean=[3.39636, 0.00479498], std=[1.72709, 0.638355], lyapunov=[1.0076, -0.0027683, -1.0194], max_lyapunov=2.1726, kaplan_yorke=2.9857, correlation_dimension=2.4669),
)
def LidDrivenCavityFlow(x, t, a, b, tau, u1, u2):
    X, Y = x
    U1 = jnp.where(_first_half(t, tau), u1, -u1)
    # The walls y = +-b are invariant (v = 0 there), so clipping y changes nothing inside the cavity; it
    # keeps the field finite at trial stages of large steps far outside (where cosh overflows to NaN).
    return stack(*_cavity(X, jnp.clip(Y, -b, b), a, b, U1, u2))


# The reference clock starts at z(0) = 0.4: the drive phase is kept as sin(omega t + 0.4).
@builtin(
    params=dict(b=0.48, k=1, omega=0.49, u=0.72),
    ic=[3.14159265, 1.04719755],
    period=23.857,
    dt=0.0047722,
    nonautonomous=True,
    unbounded=(0,),
    variables=("x", "y"),
    description='A model fluid flow that produces KAM tori. Original parameters have been rescaled by k',
    citation='T. H. Solomon and J. P. Gollub, Phys. Rev. A 38, 6280 (1988).',
    equations="f = x + b sin(omega t + 0.4); x' = u cos(k y) sin(k f); y' = -u sin(k y) cos(k f) "
              "(reference statistics of the first coordinate are of cos(k x))",
    stats=dict(mean=[-0.00174031, 1.66421], std=[0.69587, 0.907607], lyapunov=[0.42742, -0.0050296, -0.43889], max_lyapunov=0.1347, kaplan_yorke=2.9626, correlation_dimension=2.3467),
    observables=lambda x, k, **p: (jnp.cos(k * x[0]), x[1]),
)
def OscillatingFlow(x, t, b, k, omega, u):
    X, Y = x
    f = X + b * jnp.sin(omega * t + _OSCILLATING_FLOW_PHASE)
    return stack(u * jnp.cos(k * Y) * jnp.sin(k * f), -u * jnp.sin(k * Y) * jnp.cos(k * f))
