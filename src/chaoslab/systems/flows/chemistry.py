"""Chemistry flows: reduced models of oscillating reactions (BZ, Brusselator, glycolysis, ...)."""

from ._common import builtin, jnp, stack

builtin = builtin("chemistry")

# ForcedBrusselator: initial phase of the reference clock coordinate z (z' = w), kept so that the
# forcing cos(w t + z0) matches the reference trajectory started from the reference state.
_BRUSSELATOR_PHASE = 6381.6484


@builtin(
    params=dict(c1=-8.03474, c10=0.0223915, c11=7.53559e-05, c12=8.07384e-06, c13=-0.000499825, c2=0.05408, c3=-0.0115886, c4=832.587, c5=-0.029155, c6=0.00321617, c7=-0.01352, c8=-0.0831709, c9=-0.0199985, ci=0.000833, kf=0.00035, t0=2308.62, y0=7.72571e-06, yb1=6.92813e-07, yb2=2.00869, yb3=0.01352, z0=8.33e-06),
    ic=[0.023491701, 0.61703254, 0.84669066],
    period=0.038257,
    dt=3.652e-06,
    description='A reduced-order model of the BZ reaction that exhibits period doubling. The bifurcation parameter for controlling the onset of chaos is kf. The system undergoes regular cycling when kf=3e-4, and chaotic oscillations when kf=3.5e-4',
    citation='Gyorgyi and Field (1992). A three-variable model of deterministic chaos in the Belousov-Zhabotinsky reaction. Nature.',
    variables=('x', 'z', 'v'),
    equations="ybar = yb1 z v / (y0 (yb2 x + yb3 + kf)); with x+ = max(x, 0), rf = (ci - z0 z) sqrt(x+); x' = t0 (c1 x+ ybar + c2 ybar + c3 x+^2 + c4 rf + c5 x+ z - kf x+); z' = t0 (c6 rf / z0 + c7 x+ z + c8 z v + c9 z - kf z); v' = t0 (c10 x+ ybar + c11 ybar + c12 x+^2 + c13 z v - kf v)",
    stats=dict(mean=[0.100017, 0.863449, 0.847223], std=[0.150709, 0.328159, 0.00166477], lyapunov=[114.65, -0.46699, -5529], max_lyapunov=132.09, kaplan_yorke=2.0207, correlation_dimension=0.85996),
)
def BelousovZhabotinsky(x, t, c1, c10, c11, c12, c13, c2, c3, c4, c5, c6, c7, c8, c9, ci, kf, t0, y0, yb1, yb2, yb3, z0):
    X, Z, V = x
    ybar = yb1 * Z * V / (y0 * (yb2 * X + yb3 + kf))
    pos = X > 0
    xp = jnp.where(pos, X, 0.0)
    sqrt_x = jnp.where(pos, jnp.sqrt(jnp.where(pos, X, 1.0)), 0.0)  # NaN-free derivative at x <= 0
    rf = (ci - z0 * Z) * sqrt_x
    dx = c1 * xp * ybar + c2 * ybar + c3 * xp**2 + c4 * rf + c5 * xp * Z - kf * xp
    dz = (c6 / z0) * rf + c7 * xp * Z + c8 * Z * V + c9 * Z - kf * Z
    dv = c10 * xp * ybar + c11 * ybar + c12 * xp**2 + c13 * Z * V - kf * V
    return t0 * stack(dx, dz, dv)


@builtin(
    params=dict(a=0.4, b=1.2, f=0.05, w=0.81),
    ic=[0.40635464, 1.8192295],
    period=20.411,
    dt=0.0040829,
    nonautonomous=True,
    description='An autocatalytic chemical system.',
    citation='I. Prigogine, From Being to Becoming: Time and Complexity in the Physical Sciences, New York: W.H. Freeman and Company, 1980.',
    variables=('x', 'y'),
    equations="x' = a + x^2 y - (b + 1) x + f cos(w t + z0); y' = b x - x^2 y (z0 = 6381.6484, the reference clock's initial phase)",
    stats=dict(mean=[0.396059, 2.73976], std=[0.14967, 0.390843], lyapunov=[0.0028307, -0.014899, -0.23304], max_lyapunov=0.015326, kaplan_yorke=1.19, correlation_dimension=1.6162),
)
def ForcedBrusselator(x, t, a, b, f, w):
    X, Y = x
    return stack(a + X**2 * Y - (b + 1) * X + f * jnp.cos(w * t + _BRUSSELATOR_PHASE), b * X - X**2 * Y)


@builtin(
    params=dict(d=0, k=4.422, l1=500000000, l2=100, nu=1, q1=50, q2=0.02, s1=22.2222, s2=22.2222),
    ic=[29.4533492568, 130.193501414, 0.184070876742],
    period=50.459994,
    dt=0.010092,
    description='A model of feedback in glycolytic reactions. Based on the Monod–Wyman–Changeux model.',
    citation='Decroly, O.; Goldbeter, An amplified sensitivity arising from covalent modification in biological systems. A. Proc. Natl. Acad. Sci. USA 1982, 79,6917–6921.',
    variables=('a', 'b', 'c'),
    equations="phi = a (1 + a) (1 + b)^2 / (l1 + (1 + a)^2 (1 + b)^2); eta = b (1 + d b) (1 + c)^2 / (l2 + (1 + d b)^2 (1 + c)^2); a' = nu - s1 phi; b' = q1 s1 phi - s2 eta; c' = q2 s2 eta - k c",
    stats=dict(mean=[36.326, 124.654, 0.226217], std=[6.11743, 63.2054, 0.245302], lyapunov=[0.019596, -0.035506, -2.3942], max_lyapunov=0.021595, kaplan_yorke=1.552, correlation_dimension=1.6404),
)
def GlycolyticOscillation(x, t, d, k, l1, l2, nu, q1, q2, s1, s2):
    A, B, C = x
    phi = A * (1 + A) * (1 + B) ** 2 / (l1 + (1 + A) ** 2 * (1 + B) ** 2)
    eta = B * (1 + d * B) * (1 + C) ** 2 / (l2 + (1 + d * B) ** 2 * (1 + C) ** 2)
    return stack(nu - s1 * phi, q1 * s1 * phi - s2 * eta, q2 * s2 * eta - k * C)


@builtin(
    params=dict(delta=1, kappa=2.5, mu=0.29786, sigma=0.013),
    ic=[0.514150560201, 0.998428820873, 1.00617771187],
    period=0.73028,
    dt=0.00014608,
    description='An isothermal chemical system with mixed-mode oscillations',
    citation='Petrov, Scott, Showalter. Mixed-mode oscillations in chemical systems. J Chem Phys 1992',
    variables=('alpha', 'beta', 'gamma'),
    equations="alpha' = mu (kappa + gamma) - alpha beta^2 - alpha; beta' = (alpha beta^2 + alpha - beta) / sigma; gamma' = (beta - gamma) / delta",
    stats=dict(mean=[0.453585, 1.07184, 1.0616], std=[0.056991, 0.510113, 0.0561575], lyapunov=[0.33659, -0.051365, -7.3925], max_lyapunov=0.45009, kaplan_yorke=2.0386, correlation_dimension=1.0903),
)
def IsothermalChemical(x, t, delta, kappa, mu, sigma):
    A, B, G = x
    return stack(mu * (kappa + G) - A * B**2 - A, (A * B**2 + A - B) / sigma, (B - G) / delta)


@builtin(
    params=dict(beta=-0.4, gamma=0.49, kappa=0.2, mu=2.1),
    ic=[-1.160501, 5.8636902, -1.2031947],
    period=10.991667,
    dt=0.0015986,
    description='A chemical oscillator model describing mixed-modes in the BZ equations.',
    citation='P. E. Strizhak and A. L. Kawczynski, J. Phys. Chem. 99, 10830 (1995).',
    variables=('x', 'y', 'z'),
    equations="x' = gamma (y - x^3 + 3 mu x); y' = -2 mu x - y - z + beta; z' = kappa (x - z)",
    stats=dict(mean=[-1.02708, 4.94344, -1.02761], std=[0.676059, 2.83665, 0.391367], lyapunov=[0.025608, -0.061454, -0.31683], max_lyapunov=0.075706, kaplan_yorke=1.4235, correlation_dimension=0.49778),
)
def KawczynskiStrizhak(x, t, beta, gamma, kappa, mu):
    X, Y, Z = x
    return stack(gamma * (Y - X**3 + 3 * mu * X), -2 * mu * X - Y - Z + beta, kappa * (X - Z))
