"""Mechanics flows: oscillators, pendula, Hamiltonian systems and forced mechanical models.

Forced systems use explicit time ``t`` for their drive (the reference's clock coordinate is
dropped from the state, the initial condition and the statistics). Angles that wind stay in
the state and are listed in ``unbounded``.
"""

from ._common import builtin, jnp, stack

builtin = builtin("mechanics")


# Hamiltonian with an explicitly time-dependent potential (the reference's clock z, z(0) = 0.1):
#   H = (p1^2 + p2^2) / 2 + mu / (4 + cos x1 + cos x2 + cos(w t + 0.1)).
@builtin(
    params=dict(mu=0.01, w=1),
    ic=[0.10469507, 0.0892929984, 11025.3686, 6055.32273],
    period=67.25,
    dt=0.013452,
    nonautonomous=True,
    hamiltonian=True,
    unbounded=(2, 3),
    variables=("p1", "p2", "x1", "x2"),
    description='A quasi-integrable system that transitions to Chirikov diffusive dynamics when perturbed.',
    citation='Froeschle, C., Guzzo, M. & Legga, E (2000). Graphical evolution of the Arnold web: From order to chaos. Science 289.',
    equations="D = 4 + cos x1 + cos x2 + cos(w t + 0.1); p1' = -mu sin(x1) / D^2; p2' = -mu sin(x2) / D^2; x1' = p1; x2' = p2",
    stats=dict(mean=[0.107907, 0.0808702, 0.00456429, 0.0123664], std=[0.0093481, 0.0113799, 0.705662, 0.703057], lyapunov=[0.062663, 0.0032177, 0.0011282, -0.0023362, -0.0039196], max_lyapunov=0.065144, kaplan_yorke=22.555, correlation_dimension=2.2719),
    observables=lambda x, **p: (x[0], x[1], jnp.sin(x[2]), jnp.sin(x[3])),
)
def ArnoldWeb(x, t, mu, w):
    p1, p2, x1, x2 = x
    d = 4 + jnp.cos(x1) + jnp.cos(x2) + jnp.cos(w * t + 0.1)
    return stack(-mu * jnp.sin(x1) / d**2, -mu * jnp.sin(x2) / d**2, p1, p2)


# Two point masses on massless rods; state = angles and canonical momenta. Conserved energy
#   H = [m2 l2^2 p1^2 + (m1 + m2) l1^2 p2^2 - 2 m2 l1 l2 p1 p2 cos(th1 - th2)] / [2 m2 l1^2 l2^2 (m1 + m2 sin^2(th1 - th2))]
#       - (m1 + m2) g l1 cos th1 - m2 g l2 cos th2.
@builtin(
    params=dict(g=9.81, l1=1, l2=1, m1=1, m2=1),
    ic=[-44.334542, 223.53554, -1.2249799, 2.535486],
    period=4.0234,
    dt=0.00080481,
    hamiltonian=True,
    unbounded=(0, 1),
    variables=("th1", "th2", "p1", "p2"),
    description='Two coupled rigid pendula without damping.',
    citation='See, for example: Marion (2013). Classical dynamics of particles and systems.',
    equations="D = th1 - th2; M = m1 + m2 sin^2 D; th1' = (l2 p1 - l1 p2 cos D) / (l1^2 l2 M); "
              "th2' = (l1 (m1 + m2) p2 - l2 m2 p1 cos D) / (l1 l2^2 m2 M); C1 = p1 p2 sin D / (l1 l2 M); "
              "C2 = (m2 l2^2 p1^2 + (m1 + m2) l1^2 p2^2 - 2 m2 l1 l2 p1 p2 cos D) sin 2D / (2 l1^2 l2^2 M^2); "
              "p1' = -(m1 + m2) g l1 sin th1 - C1 + C2; p2' = -m2 g l2 sin th2 + C1 - C2",
    stats=dict(mean=[-0.0393837, 0.0316695, -0.587086, -0.111288], std=[0.740415, 0.73024, 4.85517, 2.2028], lyapunov=[8.4644, 0.46412, -0.17346, -10.806], max_lyapunov=3.9853, kaplan_yorke=3.8102, correlation_dimension=2.661),
    observables=lambda x, **p: (jnp.sin(x[0]), jnp.sin(x[1]), x[2], x[3]),
)
def DoublePendulum(x, t, g, l1, l2, m1, m2):
    th1, th2, p1, p2 = x
    dth = th1 - th2
    c, s = jnp.cos(dth), jnp.sin(dth)
    m = m1 + m2 * s**2
    th1_dot = (l2 * p1 - l1 * p2 * c) / (l1**2 * l2 * m)
    th2_dot = (l1 * (m1 + m2) * p2 - l2 * m2 * p1 * c) / (l1 * l2**2 * m2 * m)
    c1 = p1 * p2 * s / (l1 * l2 * m)
    c2 = (l2**2 * m2 * p1**2 + l1**2 * (m1 + m2) * p2**2 - 2 * l1 * l2 * m2 * p1 * p2 * c) * jnp.sin(2 * dth) / (
        2 * l1**2 * l2**2 * m**2)
    p1_dot = -(m1 + m2) * g * l1 * jnp.sin(th1) - c1 + c2
    p2_dot = -m2 * g * l2 * jnp.sin(th2) + c1 - c2
    return stack(th1_dot, th2_dot, p1_dot, p2_dot)


@builtin(
    params=dict(alpha=1, beta=-1, delta=0.1, gamma=0.35, omega=1.4),
    ic=[-1.1635382, -0.5092374],
    period=7.4496,
    dt=0.0014902,
    nonautonomous=True,
    variables=("x", "y"),
    description='A monochromatically-forced rigid pendulum, with the nonlinearity approximated as cubic.',
    citation='Duffing, G. (1918), Forced oscillations with variable natural frequency and their technical relevance, Heft 41/42, Braunschweig: Vieweg.',
    equations="x' = y; y' = -delta y - beta x - alpha x^3 + gamma cos(omega t)",
    stats=dict(mean=[-0.233114, -0.0008378], std=[0.901067, 0.472548], lyapunov=[0.099521, 0.00030776, -0.17595], max_lyapunov=0.14027, kaplan_yorke=2.5612, correlation_dimension=2.0191),
)
def Duffing(x, t, alpha, beta, delta, gamma, omega):
    X, Y = x
    return stack(Y, -delta * Y - beta * X - alpha * X**3 + gamma * jnp.cos(omega * t))


# The reference clock starts at z(0) = 687.39073: the drive phase is kept as sin(w t + 687.39073).
@builtin(
    params=dict(a=1.2, mu=8.53, w=0.63),
    ic=[-1.520504, 0.19640249],
    period=14.476875,
    dt=0.0028959,
    nonautonomous=True,
    variables=("x", "y"),
    description='An electronic circuit containing a triode.',
    citation='B. van der Pol (1920). A theory of the amplitude of free and forced triode vibrations. Radio Review 1.',
    equations="x' = y; y' = mu (1 - x^2) y - x + a sin(w t + 687.39073)",
    stats=dict(mean=[0.0141052, -0.00227147], std=[1.59036, 1.65172], lyapunov=[0.26518, -0.00084506, -20.606], max_lyapunov=0.0035098, kaplan_yorke=2.0128, correlation_dimension=1.3244),
)
def ForcedVanDerPol(x, t, a, mu, w):
    X, Y = x
    return stack(Y, mu * (1 - X**2) * Y - X + a * jnp.sin(w * t + 687.39073))


@builtin(
    params=dict(a=0.4, b=20.25, c=3, d=1.6, e=1.7, f=0.44),
    ic=[-0.55582369, 0.05181624, 0.37766104],
    period=0.3076923076923077,
    dt=6.1549e-05,
    variables=("x", "y", "z"),
    description='A nonlinear oscillator.',
    citation='Guckenheimer, John, and Philip Holmes (1983).  Nonlinear oscillations, dynamical systems, and bifurcations of vector fields. Vol. 42. Springer Science & Business Media.',
    equations="x' = a x - b y + c z x + d z (x^2 + y^2); y' = a y + b x + c z y; z' = e - z^2 - f (x^2 + y^2) - a z^3",
    stats=dict(mean=[0.000679781, -0.0261566, -0.0478811], std=[1.09642, 1.1578, 0.706854], lyapunov=[0.34082, -0.0032192, -0.92161], max_lyapunov=0.78857, kaplan_yorke=2.3663, correlation_dimension=2.0721),
)
def GuckenheimerHolmes(x, t, a, b, c, d, e, f):
    X, Y, Z = x
    r2 = X**2 + Y**2
    return stack(a * X - b * Y + c * Z * X + d * Z * r2, a * Y + b * X + c * Z * Y, e - Z**2 - f * r2 - a * Z**3)


# Conserved energy: H = (px^2 + py^2) / 2 + (x^2 + y^2) / 2 + lam (x^2 y - y^3 / 3).
# (The reference metadata does not flag it Hamiltonian; it is.)
@builtin(
    params=dict(lam=1),
    ic=[-0.29707259, -0.0031367513, 0.42548865, 0.071905482],
    period=6.37,
    dt=0.0012742,
    hamiltonian=True,
    variables=("x", "y", "px", "py"),
    description="A star's motion around the galactic center.",
    citation='Henon, M.; Heiles, C. (1964). The applicability of the third integral of motion: Some numerical experiments. The Astronomical Journal. 69: 73.',
    equations="x' = px; y' = py; px' = -x - 2 lam x y; py' = -y - lam (x^2 - y^2)",
    stats=dict(mean=[0.0211345, -0.00813947, 0.00187212, 0.00819144], std=[0.282583, 0.269796, 0.265121, 0.253753], lyapunov=[0.026747, 0.011501, -1.4057e-05, -0.011151], max_lyapunov=0.035511, kaplan_yorke=6.8114, correlation_dimension=1.4834),
)
def HenonHeiles(x, t, lam):
    X, Y, PX, PY = x
    return stack(PX, PY, -X - 2 * lam * X * Y, -Y - lam * (X**2 - Y**2))


@builtin(
    params=dict(a=10, b=1, c=5, d=-1, h=-5, k=-6),
    ic=[-2.54080135622, -1.94057057912, -2.96809754441],
    period=0.94667,
    dt=0.00018937,
    variables=("x", "y", "z"),
    description='A semiconductor laser model',
    citation='Abooee, Yaghini-Bonabi, Jahed-Motlagh (2013). Analysis and circuitry realization of a novel three-dimensional chaotic system. Comm Nonline Sci 2013',
    equations="x' = a (y - x) + b y z^2; y' = c x + d x z^2; z' = h z + k x^2",
    stats=dict(mean=[0.2483, 0.295296, -1.92038], std=[1.24197, 1.05408, 1.42531], lyapunov=[0.76374, 0.020943, -15.91], max_lyapunov=0.60806, kaplan_yorke=2.0493, correlation_dimension=1.7191),
)
def Laser(x, t, a, b, c, d, h, k):
    X, Y, Z = x
    return stack(a * (Y - X) + b * Y * Z**2, c * X + d * X * Z**2, h * Z + k * X**2)


@builtin(
    params=dict(a=1.5),
    ic=[-1.9758582, 0.24647527, 0.79024299],
    period=5.8673,
    dt=0.0011737,
    variables=("x", "y", "z"),
    description='Fixed temperature molecular dynamics for a strained flow under a reduced order model.',
    citation='Nose, S (1985). A unified formulation of the constant temperature molecular-dynamics methods. Journal of Chemical Physics (1984). Hoover, William G. Canonical dynamics: Equilibrium phase-space distributions. Phys. Rev. A. Hoover, William G., Anthony JC Ladd, and Bill Moran (1982). High-strain-rate plastic flow studied via nonequilibrium molecular dynamics. Physical Review Letters.',
    equations="x' = y; y' = -x + y z; z' = a - y^2",
    stats=dict(mean=[-0.505678, 0.0054033, 0.00454014], std=[1.1041, 1.2398, 1.50775], lyapunov=[0.04757, 0.0013844, -0.011654], max_lyapunov=0.010464, kaplan_yorke=6.2132, correlation_dimension=1.9624),
)
def NoseHoover(x, t, a):
    X, Y, Z = x
    return stack(Y, -X + Y * Z, a - Y**2)


# Conserved energy: H = a (p1^2 + p2^2 + q1^2 + q2^2) / 2 - (b / sqrt 2) (q1^3 - 3 q1 q2^2) + d (q1^2 + q2^2)^2 / 4.
@builtin(
    params=dict(a=1, b=0.55, d=0.4),
    ic=[-0.85591178, 1.48078342, -0.85075322, 1.63576085],
    period=6.023076923076923,
    dt=0.0012048,
    hamiltonian=True,
    variables=("q1", "q2", "p1", "p2"),
    description='A quadrupole boson Hamiltonian that produces chaos via a resonance overlap mechanism',
    citation='Baran V. and Raduta A. A. (1998), International Journal of Modern Physics E',
    equations="q1' = a p1; q2' = a p2; p1' = -a q1 + (3 b / sqrt 2) (q1^2 - q2^2) - d q1 (q1^2 + q2^2); "
              "p2' = -a q2 - 3 sqrt(2) b q1 q2 - d q2 (q1^2 + q2^2)",
    stats=dict(mean=[0.233647, 0.233333, 0.00995143, -0.0239555], std=[1.29122, 0.967004, 1.26542, 0.931759], lyapunov=[0.27858, 0.066295, -0.0044989, -0.2658], max_lyapunov=0.29554, kaplan_yorke=4.281, correlation_dimension=2.0981),
)
def NuclearQuadrupole(x, t, a, b, d):
    q1, q2, p1, p2 = x
    r2 = q1**2 + q2**2
    k = 3 * b / jnp.sqrt(2.0)
    return stack(a * p1, a * p2, -a * q1 + k * (q1**2 - q2**2) - d * q1 * r2, -a * q2 - 2 * k * q1 * q2 - d * q2 * r2)


# Friction torque T(v) = t0 sgn(v - vs) - alpha v + beta (v - vs)^3; reference clock starts at 0.
@builtin(
    params=dict(a=1, alpha=0.3, b=1, beta=0.3, eps=0.05, gamma=1, t0=0.3, vs=0.4, w=2),
    ic=[0.85539847, -0.39125834],
    period=1.6129,
    dt=0.00032263,
    nonautonomous=True,
    variables=("x", "v"),
    description='A weakly forced (quasiautonomous) oscillator with dynamics similar to stick-slip friction. The parameter gamma controls the transition to chaos.',
    citation='Awrejcewicz, Jan, and M. M. Holicke (1999). Int J of Bifurcation and Chaos.',
    equations="x' = v; v' = eps (gamma cos(w t) - T(v)) + a x - b x^3; T(v) = t0 sgn(v - vs) - alpha v + beta (v - vs)^3",
    stats=dict(mean=[0.90198, -0.00900474], std=[0.226399, 0.288787], lyapunov=[0.070733, 3.3569e-05, -0.021314], max_lyapunov=0.064061, kaplan_yorke=5.6822, correlation_dimension=1.716),
)
def StickSlipOscillator(x, t, a, alpha, b, beta, eps, gamma, t0, vs, w):
    X, V = x
    torque = t0 * jnp.sign(V - vs) - alpha * V + beta * (V - vs) ** 3
    return stack(V, eps * (gamma * jnp.cos(w * t) - torque) + a * X - b * X**3)


# Rope length fixed; m1 swings (angle th), m2 hangs. g = 9.82 (the value behind the reference
# statistics). Conserved energy: H = pr^2 / (2 (m1 + m2)) + pth^2 / (2 m1 r^2) + g r (m2 - m1 cos th).
@builtin(
    params=dict(m1=1, m2=4.5),
    ic=[0.113296, 1.57079632679, 0.10992, 0.17747],
    period=0.3417647058823529,
    dt=6.8364e-05,
    hamiltonian=True,
    unbounded=(1,),
    variables=("r", "th", "pr", "pth"),
    description='A mechanical system consisting of two swinging weights connected by ropes and pulleys. This is only chaotic when m2 is sufficiently larger than m1, and there are nonzero initial momenta',
    citation="Tufillaro, Nicholas B.; Abbott, Tyler A.; Griffiths, David J. (1984). Swinging Atwood's Machine. American Journal of Physics. 52 (10): 895--903.",
    equations="r' = pr / (m1 + m2); th' = pth / (m1 r^2); pr' = pth^2 / (m1 r^3) - g (m2 - m1 cos th); pth' = -m1 g r sin th; g = 9.82",
    stats=dict(mean=[0.0911789, 0.0746787, -0.127953, 0.084718], std=[0.0305531, 0.689351, 3.05104, 0.103226], lyapunov=[7.735, 3.0381, -3.0021, -7.6642], max_lyapunov=1.0111, kaplan_yorke=4.0199, correlation_dimension=1.8299),
    observables=lambda x, **p: (x[0], jnp.sin(x[1]), x[2], x[3]),
)
def SwingingAtwood(x, t, m1, m2):
    g = 9.82
    r, th, pr, pth = x
    return stack(pr / (m1 + m2), pth / (m1 * r**2), pth**2 / (m1 * r**3) - g * (m2 - m1 * jnp.cos(th)),
                 -m1 * g * r * jnp.sin(th))


# A prescribed winding on the torus: (x, y, z) = offset + ((r + a cos n t) cos t, (r + a cos n t) sin t, a sin n t).
# The velocity depends on t only (not on the state), so this is flagged non-autonomous although the
# reference metadata does not flag it.
@builtin(
    params=dict(a=0.5, n=15.3, r=1),
    ic=[-13.72884, 1.9094726, 0.72831447],
    period=6.36,
    dt=0.0012722,
    nonautonomous=True,
    variables=("x", "y", "z"),
    description='A minimal quasiperiodic flow on a torus. All lyapunov exponents and related quantities are zero',
    citation='See, for example, Strogatz (1994). Nonlinear Dynamics and Chaos.',
    equations="x' = -a n sin(n t) cos t - (r + a cos(n t)) sin t; y' = -a n sin(n t) sin t + (r + a cos(n t)) cos t; z' = a n cos(n t)",
    stats=dict(mean=[-15.2165, 1.91528, 0.728443], std=[0.753106, 0.747352, 0.353441], lyapunov=[0, 0, 0], max_lyapunov=0.0081728, kaplan_yorke=2, correlation_dimension=1.0422),
)
def Torus(x, t, a, n, r):
    rad = r + a * jnp.cos(n * t)
    drad = -a * n * jnp.sin(n * t)
    return stack(drad * jnp.cos(t) - rad * jnp.sin(t), drad * jnp.sin(t) + rad * jnp.cos(t), a * n * jnp.cos(n * t))
