"""Atmosphere, climate and convection: Lorenz-type and geophysical flows."""

from ._common import builtin, jnp, stack

builtin = builtin("atmosphere")


@builtin(
    params=dict(alpha=-2, beta=-5, mu1=0.05, mu2=-0.01, omega=3, sigma=1.1),
    ic=[0.0265441899069, 0.205807726775, 0.437581197022],
    period=89.594968,
    dt=0.017922,
    description='A model of regime transition in atmospheric flows. Contains widely-separated timescales due a quadratic term, which itself arises from a conservation law.',
    citation='Tuwankotta (2006). Chaos in a coupled oscillators system with widely spaced frequencies and energy-preserving non-linearity',
    variables=('x', 'y', 'z'),
    equations="x' = mu1 x + sigma x y; y' = mu2 y + omega z + alpha y z + beta z^2 - sigma x^2; z' = mu2 z - omega y - alpha y^2 - beta y z",
    stats=dict(mean=[0.146956, -0.045488, 0.460193], std=[0.210545, 0.217724, 0.261514], max_lyapunov=0.010543, kaplan_yorke=2.186, correlation_dimension=1.0906),
)
def AtmosphericRegime(x, t, alpha, beta, mu1, mu2, omega, sigma):
    X, Y, Z = x
    return stack(
        mu1 * X + sigma * X * Y,
        mu2 * Y + omega * Z + alpha * Y * Z + beta * Z**2 - sigma * X**2,
        mu2 * Z - omega * Y - alpha * Y**2 - beta * Y * Z,
    )


@builtin(
    params=dict(a=0.2, b=4, f=9, g=1),
    ic=[1.3664423, 0.9309146, 0.64283417],
    period=1.4541,
    dt=0.00029087,
    description='An atmospheric convective cell.',
    citation='G. Hadley (1735). On the cause of the general trade winds. Philosophical Transactions of the Royal Society, vol. 34, pp. 58--62.',
    variables=('x', 'y', 'z'),
    equations="x' = -y^2 - z^2 - a x + a f; y' = x y - b x z - y + g; z' = b x y + x z - z",
    stats=dict(mean=[1.06735, -0.102122, 0.332199], std=[0.429793, 0.83534, 0.870689], lyapunov=[0.31166, -0.0010839, -0.42739], max_lyapunov=0.23866, kaplan_yorke=2.7274, correlation_dimension=2.0297),
)
def Hadley(x, t, a, b, f, g):
    X, Y, Z = x
    return stack(-Y**2 - Z**2 - a * X + a * f, X * Y - b * X * Z - Y + g, b * X * Y + X * Z - Z)


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


@builtin(
    params=dict(a=1.32, b=7.91, f=4.83, g=4.194),
    ic=[1.92647923612, -0.134021101973, -1.72146730665],
    period=6.2586,
    dt=0.0012519,
    description='Atmospheric circulation analogous to Hadley convection.',
    citation='E. Lorenz (1984). Irregularity: a fundamental property of the atmosphere. Tellus A, vol. 36, no. 2, pp. 98--110, 1984.',
    variables=('x', 'y', 'z'),
    equations="x' = -a x - y^2 - z^2 + a f; y' = -y + x y - b x z + g; z' = -z + b x y + x z",
    stats=dict(mean=[0.419472, 1.02061, 0.211179], std=[0.821388, 1.3201, 1.73548], lyapunov=[1.0475, -0.045398, -2.252], max_lyapunov=0.46147, kaplan_yorke=2.445, correlation_dimension=1.8668),
)
def Lorenz84(x, t, a, b, f, g):
    X, Y, Z = x
    return stack(-a * X - Y**2 - Z**2 + a * f, -Y + X * Y - b * X * Z + g, -Z + b * X * Y + X * Z)


@builtin(
    params=dict(f=20),
    ic=[-2.46820633, 0.09570264, 1.59270902, 10.21372147],
    period=2.1969,
    dt=0.00043945,
    description='A climate model containing fluid-like advective nonlinearities, and multiscale coupling of fast and slow variables.',
    citation='Lorenz, Edward (1996). Predictability: A problem partly solved. Seminar on Predictability, Vol. I, ECMWF.',
    variables=('x1', 'x2', 'x3', 'x4'),
    equations="x_i' = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + f (indices cyclic, any N = len(x))",
    stats=dict(mean=[2.64082, 2.8076, 2.78453, 3.02059], std=[7.03115, 6.85929, 6.76664, 7.02524], lyapunov=[1.6247, 0.17185, -1.1936, -3.5505], max_lyapunov=1.3362, kaplan_yorke=3.1698, correlation_dimension=2.2561),
)
def Lorenz96(x, t, f):
    return (jnp.roll(x, -1) - jnp.roll(x, 2)) * jnp.roll(x, 1) - x + f


@builtin(
    params=dict(beta=2.667, r=64, rho=28, sigma=10),
    ic=[-13.284881, -12.444334, 34.188198],
    period=1.3716,
    dt=0.00027437,
    description='The Lorenz attractor in the presence of a confining potential.',
    citation='Sprott & Xiong (2015). Chaos.',
    variables=('x', 'y', 'z'),
    equations="Lorenz field times B = 1 - (x^2 + y^2 + z^2)/r^2: x' = sigma (y - x) B; y' = (x (rho - z) - y) B; z' = (x y - beta z) B",
    stats=dict(mean=[0.693419, 0.897144, 25.0963], std=[8.61707, 9.31677, 8.96354], lyapunov=[0.84975, 0.0014137, -12.121], max_lyapunov=0.71241, kaplan_yorke=2.0704, correlation_dimension=1.9641),
)
def LorenzBounded(x, t, beta, r, rho, sigma):
    X, Y, Z = x
    B = 1 - (X**2 + Y**2 + Z**2) / r**2
    return stack(sigma * (Y - X) * B, (X * (rho - Z) - Y) * B, (X * Y - beta * Z) * B)


@builtin(
    params=dict(beta=2.667, eps=2.85, rho=28, rho1=35, rho2=1.15, sigma=10),
    ic=[7.0921483, 10.117408, 25.708428, 2.1689893, 0.96121877, 0.89550187],
    period=1.6207,
    dt=0.00032419,
    description='Two coupled Lorenz attractors.',
    citation='Lorenz, Edward N. Deterministic nonperiodic flow. Journal of the atmospheric sciences 20.2 (1963): 130-141.',
    variables=('x1', 'y1', 'z1', 'x2', 'y2', 'z2'),
    equations="x1' = sigma (y1 - x1); y1' = rho1 x1 - x1 z1 - y1; z1' = x1 y1 - beta z1; x2' = sigma (y2 - x2) + eps (x1 - x2); y2' = rho2 x2 - x2 z2 - y2; z2' = x2 y2 - beta z2 (rho unused: drive-response form)",
    stats=dict(mean=[-2.91948, -2.89776, 30.7011, -0.899964, -0.33254, 0.559856], std=[8.54098, 9.92363, 9.38595, 2.12337, 0.710426, 0.316385], lyapunov=[1.2219, 0.12223, -1.2652, -1.9333, -13.618, -15.073], max_lyapunov=1.0284, kaplan_yorke=3.0408, correlation_dimension=2.3989),
)
def LorenzCoupled(x, t, beta, eps, rho, rho1, rho2, sigma):
    x1, y1, z1, x2, y2, z2 = x
    return stack(
        sigma * (y1 - x1),
        rho1 * x1 - x1 * z1 - y1,
        x1 * y1 - beta * z1,
        sigma * (y2 - x2) + eps * (x1 - x2),
        rho2 * x2 - x2 * z2 - y2,
        x2 * y2 - beta * z2,
    )


@builtin(
    params=dict(a=2, b=0.7, c=26, d=1.5),
    ic=[4.23343859889, 9.08970605484, 21.866625356, -1.40806951828],
    period=3.8877143,
    dt=0.00077767,
    description='Atmospheric acoustic-gravity waves.',
    citation='Letellier & Rossler (2007). Hyperchaos. Scholarpedia 2.8 (2007): 1936.',
    variables=('x', 'y', 'z', 'w'),
    equations="x' = a (y - x) + d w; y' = c x - x z - y; z' = x y - b z; w' = -x - a w",
    stats=dict(mean=[-0.605624, -0.880262, 22.1226, 0.263818], std=[3.50611, 5.61083, 6.42232, 1.37267], lyapunov=[0.44944, 0.026078, -2.7358, -3.4213], max_lyapunov=0.38077, kaplan_yorke=2.1738, correlation_dimension=2.1191),
)
def LorenzStenflo(x, t, a, b, c, d):
    X, Y, Z, W = x
    return stack(a * (Y - X) + d * W, c * X - X * Z - Y, X * Y - b * Z, -X - a * W)


@builtin(
    params=dict(a=10, b=4, eps=9),
    ic=[-3.4733266, 19.666962, -3.8262485],
    period=1.2887,
    dt=0.00025778,
    description='A thermo-mechanical oscillator.',
    citation='Moore, Spiegel. A Thermally Excited Nonlinear Oscillator, Ap. J., 143, 871 (1966)',
    variables=('x', 'y', 'z'),
    equations="x' = y; y' = a z; z' = -z + eps y - y x^2 - b x",
    stats=dict(mean=[0.0405485, 0.220682, -0.00962312], std=[3.94514, 25.058, 29.1895], lyapunov=[0.40744, -0.02208, -1.1976], max_lyapunov=0.69766, kaplan_yorke=2.3218, correlation_dimension=1.8466),
)
def MooreSpiegel(x, t, a, b, eps):
    X, Y, Z = x
    return stack(Y, a * Z, -Z + eps * Y - Y * X**2 - b * X)


@builtin(
    params=dict(a=30, b=5, r=18),
    ic=[-15.660582, -13.32018, 26.879362],
    period=0.91967,
    dt=0.00018396,
    description='A reduced-order model of a convective cell.',
    citation='Yanagita, Kaneko (1995). Rayleigh-Bénard convection patterns, chaos, spatiotemporal chaos and turbulence. Physica D: Nonlinear Phenomena 82.3 (1995): 288-313.',
    variables=('x', 'y', 'z'),
    equations="x' = a (y - x); y' = r y - x z; z' = x y - b z",
    stats=dict(mean=[2.54396, 2.62882, 17.102], std=[8.9207, 9.41111, 7.21913], lyapunov=[1.7098, 0.30762, -19.042], max_lyapunov=1.8139, kaplan_yorke=2.1059, correlation_dimension=1.9218),
)
def RayleighBenard(x, t, a, b, r):
    X, Y, Z = x
    return stack(a * (Y - X), r * Y - X * Z, X * Y - b * Z)


@builtin(
    params=dict(a=1, mu=1),
    ic=[-0.779156279114, -0.630224459874, 2.67120018721],
    period=5.8975,
    dt=0.0011797,
    description='Electric current and magnetic field of two coupled disk dynamos.',
    citation='Rikitake, T., Oscillations of a system of disk dynamos, Mathematical Proceedings of the Cambridge Philosophical Society, 1958.',
    variables=('x', 'y', 'z'),
    equations="x' = -mu x + y z; y' = -mu y - a x + x z; z' = 1 - x y",
    stats=dict(mean=[-0.693073, -0.361305, 1.75275], std=[1.12058, 0.781856, 1.08379], lyapunov=[0.14571, 0.00072221, -2.1744], max_lyapunov=0.13181, kaplan_yorke=2.0673, correlation_dimension=1.9056),
)
def RikitakeDynamo(x, t, a, mu):
    X, Y, Z = x
    return stack(-mu * X + Y * Z, -mu * Y - a * X + X * Z, 1 - X * Y)


@builtin(
    params=dict(a=2, b=6.7),
    ic=[1.9257158, 3.1923835, 5.7829655],
    period=6.0721,
    dt=0.0012146,
    description='Two-dimensional convection in a horizontal layer of Boussinesq fluid with lateral constraints.',
    citation='Rucklidge, A.M. (1992). Chaos in models of double convection. Journal of Fluid Mechanics.',
    variables=('x', 'y', 'z'),
    equations="x' = -a x + b y - y z; y' = x; z' = -z + y^2",
    stats=dict(mean=[-0.00238672, 0.191241, 6.39026], std=[2.58097, 2.53398, 2.97111], lyapunov=[0.18286, -0.0039066, -3.2151], max_lyapunov=0.19364, kaplan_yorke=2.0557, correlation_dimension=1.9824),
)
def Rucklidge(x, t, a, b):
    X, Y, Z = x
    return stack(-a * X + b * Y - Y * Z, X, -Z + Y**2)


@builtin(
    params=dict(a=0.85, b=0.5),
    ic=[0.016838697, 0.03489384, 0.35346848],
    period=12.038,
    dt=0.002408,
    description='A system that bifurcates from a symmetric limit cycle to an asymmetric one, similar to the Lorenz attractor.',
    citation='Shimizu, Morioka. Phys Lett A. 1980: 201-204',
    variables=('x', 'y', 'z'),
    equations="x' = y; y' = x - a y - x z; z' = -b z + x^2",
    stats=dict(mean=[0.0392838, -0.00239894, 0.855025], std=[0.654902, 0.308514, 0.561907], lyapunov=[0.044032, -1.3943e-05, -1.41], max_lyapunov=0.035774, kaplan_yorke=2.0312, correlation_dimension=1.7168),
)
def ShimizuMorioka(x, t, a, b):
    X, Y, Z = x
    return stack(Y, X - a * Y - X * Z, -b * Z + X**2)


@builtin(
    params=dict(b=102, c=3, p=0),
    ic=[-6.99286331487, 0.0232542766223, -0.165817756307],
    period=2.2087,
    dt=0.00044181,
    description='Atmospheric temperature fluctuations with annual forcing.',
    citation='Vallis GK. Conceptual models of El Nio and the southern oscillation. J Geophys Res 1988',
    variables=('x', 'y', 'z'),
    equations="x' = b y - c (x + p); y' = -y + x z; z' = -z - x y + 1",
    stats=dict(mean=[0.925821, 0.0286389, 0.132824], std=[5.30728, 0.233917, 0.238062], lyapunov=[0.65616, 0.022689, -5.6333], max_lyapunov=0.54776, kaplan_yorke=2.1205, correlation_dimension=1.3112),
)
def VallisElNino(x, t, b, c, p):
    X, Y, Z = x
    return stack(b * Y - c * (X + p), -Y + X * Z, -Z - X * Y + 1)


@builtin(
    params=dict(a1=0.247, b1=10.8, b2=0.0752, b3=1.06, d1=2200, vsw=5),
    ic=[0.93337506, 6.2678923, 41.969547],
    period=4.6733,
    dt=0.00093482,
    description='Energy transfer into the ionosphere and magnetosphere by the solar wind. The parameter vsw controls the onset of chaos.',
    citation='Smith, Thiffeault, Horton. J Geophys Res. 2000. Horton, Weigel, Sprott. Chaos 2001.',
    variables=('i', 'v', 'p'),
    equations="i' = a1 (vsw - v); v' = b1 i - b2 p / 2 - b3 v; p' = vsw^2 - p^(5/4) vsw^(1/2) (1 + tanh(d1 (i - 1))) / 2 (reference form: b2 p/2 where the paper has b2 sqrt(p))",
    stats=dict(mean=[0.808901, 4.99467, 92.3481], std=[0.14828, 0.832808, 33.435], lyapunov=[0.15595, 9.6958e-05, -1.645], max_lyapunov=0.40352, kaplan_yorke=2.0948, correlation_dimension=0.97436),
)
def WindmiReduced(x, t, a1, b1, b2, b3, d1, vsw):
    # The reference statistics fit b2 * p / 2 (papers: b2 * sqrt(p)); see equations.
    i, v, p = x
    pp = jnp.maximum(p, 0.0)
    return stack(
        a1 * (vsw - v),
        b1 * i - b2 * p / 2 - b3 * v,
        vsw**2 - pp**1.25 * jnp.sqrt(vsw) * (1 + jnp.tanh(d1 * (i - 1))) / 2,
    )
