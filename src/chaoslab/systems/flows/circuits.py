"""Electronic circuits and neural networks: Chua-type, Colpitts, jerk and piecewise-linear circuits,
and small continuous-time neural networks."""

from ._common import builtin, jnp, stack

builtin = builtin("circuits")


def _sat(u):
    """Piecewise-linear unit saturation 0.5 (|u + 1| - |u - 1|)."""
    return 0.5 * (jnp.abs(u + 1) - jnp.abs(u - 1))


@builtin(
    params=dict(eta=0.5, mu=1.2),
    ic=[3.6225814, 3.3226339, 1.9973142],
    period=6.814,
    dt=0.001363,
    description='Stochastic resonance in forced oscillators.',
    citation='Anishchenko, et al. Nonlinear dynamics of chaotic and stochastic systems: tutorial and modern developments. 2007.',
    variables=('x', 'y', 'z'),
    equations="x' = mu x + y - x z; y' = -x; z' = -eta z + eta H(x) x^2 (H the unit step)",
    stats=dict(mean=[0.0541749, 0.757081, 1.18829], std=[1.4749, 1.69854, 0.977659], lyapunov=[0.039778, 0.00087855, -0.44025], max_lyapunov=0.10108, kaplan_yorke=2.0916, correlation_dimension=1.9341),
)
def AnishchenkoAstakhov(x, t, eta, mu):
    X, Y, Z = x
    return stack(mu * X + Y - X * Z, -X, -eta * Z + eta * jnp.where(X > 0, X**2, 0.0))


@builtin(
    params=dict(tau=[1, 2.5, 1], theta=[-4.108, -2.787, -1.114], w=[[5.422, -0.018, 2.75], [-0.24, 4.59, 1.21], [0.535, -2.25, 3.885]]),
    ic=[1.5014532, 2.3742845, 0.65819415],
    period=181.58,
    dt=0.036322,
    description='A two-neuron minimal model nervous system.',
    citation='Beer, R. D. (1995). On the dynamics of small continuous-time recurrent neural networks. Adapt. Behav., 3(4), 4692013509.',
    variables=('y1', 'y2', 'y3'),
    equations="tau_i y_i' = -y_i + sum_j w_ij s(y_j + theta_j); s(u) = 1 / (1 + exp(-u))",
    stats=dict(mean=[4.00421, 2.71077, 1.14952], std=[2.21413, 0.428856, 0.569125], lyapunov=[0.016275, -0.00011804, -0.53189], max_lyapunov=0.038768, kaplan_yorke=2.0304, correlation_dimension=1.4274),
)
def BeerRNN(x, t, tau, theta, w):
    s = 1.0 / (1.0 + jnp.exp(-(x + jnp.asarray(theta))))
    return (-x + jnp.asarray(w) @ s) / jnp.asarray(tau)


@builtin(
    params=dict(a=4.4, b=3.21, c=1.1, d=1.24),
    ic=[-0.26574016, -0.36754928, -0.073094132],
    period=3.2,
    dt=0.00064011,
    description='Cellular neural network dynamics.',
    citation='Arena, Caponetto, Fortuna, and Porto., Int J Bifurcat Chaos. 1998:  1527-1539.',
    variables=('x', 'y', 'z'),
    equations="x' = -x + d f(x) - b f(y) - b f(z); y' = -y - b f(x) + c f(y) - a f(z); z' = -z - b f(x) + a f(y) + f(z); f(u) = (|u + 1| - |u - 1|)/2",
    stats=dict(mean=[0.156851, 0.0944516, -0.0971471], std=[0.973079, 0.65103, 0.662296], lyapunov=[0.097997, 0.0036355, -0.60615], max_lyapunov=2.3258, kaplan_yorke=2.1677, correlation_dimension=1.7778),
)
def CellularNeuralNetwork(x, t, a, b, c, d):
    X, Y, Z = x
    fx, fy, fz = _sat(X), _sat(Y), _sat(Z)
    return stack(
        -X + d * fx - b * fy - b * fz,
        -Y - b * fx + c * fy - a * fz,
        -Z - b * fx + a * fy + fz,
    )


@builtin(
    params=dict(alpha=15.6, beta=28, m0=-1.142857, m1=-0.71429),
    ic=[1.1262351, -0.11386474, -0.78324421],
    period=1.4235,
    dt=0.00028475,
    description='An electronic circuit with a diode providing negative resistance.',
    citation='Chua, L. O. (1969) Introduction to Nonlinear Network Theory, McGraw-Hill, New York.',
    variables=('x', 'y', 'z'),
    equations="x' = alpha (y - x - g(x)); y' = x - y + z; z' = -beta y; g(x) = m1 x + (m0 - m1)/2 (|x + 1| - |x - 1|)",
    stats=dict(mean=[0.205699, 5.36029e-05, -0.223561], std=[1.43553, 0.177554, 1.80127], lyapunov=[0.46055, 0.0022048, -4.3191], max_lyapunov=1.2301, kaplan_yorke=2.1073, correlation_dimension=1.7988),
)
def Chua(x, t, alpha, beta, m0, m1):
    X, Y, Z = x
    g = m1 * X + (m0 - m1) * _sat(X)
    return stack(alpha * (Y - X - g), X - Y + Z, -beta * Y)


@builtin(
    params=dict(a=30, b=0.8, c=20, d=0.08, e=10),
    ic=[8.9389043, 0.64637337, 8.7869304],
    period=4.2676,
    dt=0.00085366,
    description='An electrical circuit used as a signal generator.',
    citation='Kennedy (2007). IEEE Trans Circuits & Systems. 1994: 771-774. Li, Zhou, Yang. Chaos, Solitons, & Fractals.',
    variables=('x', 'y', 'z'),
    equations="x' = y - a F(z); y' = c - x - b y - z; z' = y - d z; F(z) = max(0, (e - 1) - z)",
    stats=dict(mean=[9.60783, 0.787197, 9.76043], std=[1.15445, 0.948674, 0.79614], lyapunov=[0.1375, -0.0021021, -1.0014], max_lyapunov=0.3736, kaplan_yorke=2.135, correlation_dimension=1.7353),
)
def Colpitts(x, t, a, b, c, d, e):
    X, Y, Z = x
    F = jnp.maximum(0.0, (e - 1) - Z)
    return stack(Y - a * F, c - X - b * Y - Z, Y - d * Z)


@builtin(
    params=dict(beta=0.5, eps=10, k=[[0, -1, 0, 0, -1, -1], [0, 0, 0, -1, -1, -1], [-1, -1, 0, 0, -1, 0], [-1, -1, -1, 0, 0, 0], [-1, -1, 0, -1, 0, 0], [0, -1, -1, -1, 0, 0]], tau=2.5),
    ic=[-0.67127393, -0.2420173, -0.055676628, 0.34697948, 0.45273118, 0.78389688],
    period=10.865,
    dt=0.0021734,
    description='A neural network with frustrated connectivity',
    citation='Lewis & Glass, Neur Comp (1992)',
    variables=('x1', 'x2', 'x3', 'x4', 'x5', 'x6'),
    equations="x_i' = -x_i / tau + (1 + tanh(eps sum_j k_ij x_j)) / 2 - beta",
    stats=dict(mean=[0.139239, -0.298491, 0.163718, 0.0806079, 0.0945361, 0.0916129], std=[0.668185, 0.797144, 0.602512, 0.62683, 0.664124, 0.654576], lyapunov=[0.077264, -0.00018153, -0.29083, -0.36907, -0.40605, -1.4425], max_lyapunov=0.56843, kaplan_yorke=2.2645, correlation_dimension=1.9881),
)
def Hopfield(x, t, beta, eps, k, tau):
    u = eps * (jnp.asarray(k) @ x)
    return -x / tau + 0.5 * (1 + jnp.tanh(u)) - beta


@builtin(
    params=dict(eps=1e-09, y0=0.026),
    ic=[-1.300882, 0.065382947, 0.91801911],
    period=19.4546,
    dt=0.0038916,
    description='An electronic circuit with nonlinearity provided by a diode.',
    citation='Sprott (2011). A new chaotic jerk circuit. IEEE Circ. Sys. 2011.',
    variables=('x', 'y', 'z'),
    equations="x' = y; y' = z; z' = -z - x - eps (exp(y / y0) - 1)",
    stats=dict(mean=[-0.393383, 0.0010185, 0.00295349], std=[0.713319, 0.481345, 0.483781], lyapunov=[0.39487, 0.1849, -1.1407], max_lyapunov=0.29227, kaplan_yorke=2.5082, correlation_dimension=1.8368),
)
def JerkCircuit(x, t, eps, y0):
    X, Y, Z = x
    return stack(Y, Z, -Z - X - eps * (jnp.exp(Y / y0) - 1))


@builtin(
    params=dict(a=9, b=14.286, c=[0, 1, 2.15, 3.6, 8.2, 13], m=[-0.14285714, 0.28571429, -0.57142857, 0.28571429, -0.57142857, 0.28571429]),
    ic=[-21.160123, 1.0322356, 27.405269],
    period=2.2586,
    dt=0.0004518,
    description='Multiple interacting Chua electronic circuits.',
    citation='Mufcstak E. Yalcin, Johan A. K. Suykens, Joos Vandewalle. Cellular Neural Networks, Multi-Scroll Chaos And Synchronization. ',
    variables=('x', 'y', 'z'),
    equations="x' = a (y - g(x)); y' = x - y + z; z' = -b y; g(x) = m_5 x + sum_{i=1..5} (m_{i-1} - m_i)/2 (|x + c_i| - |x - c_i|)",
    stats=dict(mean=[-17.0941, 0.00871908, 17.0277], std=[7.67587, 2.06401, 11.9377], lyapunov=[0.22106, -0.0014028, -3.1026], max_lyapunov=1.4621, kaplan_yorke=2.071, correlation_dimension=1.7519),
)
def MultiChua(x, t, a, b, c, m):
    X, Y, Z = x
    m = jnp.asarray(m)
    c = jnp.asarray(c)
    g = m[-1] * X + jnp.sum(0.5 * (m[:-1] - m[1:]) * (jnp.abs(X + c[1:]) - jnp.abs(X - c[1:])))
    return stack(a * (Y - g), X - Y + Z, -b * Y)


@builtin(
    params=dict(),
    ic=[0.21665608, 0.86710502, 0.50627859],
    period=3.748733,
    dt=0.00074987,
    description='A system with quadratic nonlinearity, which undergoes Hopf bifurcations of codimension 1 and 2.',
    citation='Pehlivan, Ihsan, and Wei Zhouchao (2012). Analysis, nonlinear control, and chaos generator circuit of another strange chaotic system.',
    variables=('x', 'y', 'z'),
    equations="x' = y - y z; y' = y + y z - 2 x; z' = 2 - x y - y^2",
    stats=dict(mean=[0.0383955, 0.0377788, -1.45355], std=[1.48948, 1.48928, 1.68856], lyapunov=[0.095123, 0.0015323, -0.61686], max_lyapunov=0.10415, kaplan_yorke=2.1564, correlation_dimension=1.72),
)
def PehlivanWei(x, t):
    X, Y, Z = x
    return stack(Y - Y * Z, Y + Y * Z - 2 * X, 2 - X * Y - Y**2)


@builtin(
    params=dict(a=-1, b=1, c=1, h=1, p=1, q=0.4, r=0.3, s=1),
    ic=[-2.8976045, 3.8877978, 3.07465],
    period=4.9844,
    dt=0.00099705,
    description='An attractor that arises due to merging of two disjoint bistable attractors.',
    citation='Li, Chunbiao, et al (2015). A novel four-wing strange attractor born in bistability. IEICE Electronics Express 12.4.',
    variables=('x', 'y', 'z'),
    equations="x' = a x + h y + s y z; y' = -b y - p x + q x z; z' = c z - r x y",
    stats=dict(mean=[-1.08013, -0.0619456, 2.8105], std=[7.97736, 3.63808, 3.01573], lyapunov=[0.30809, 0.00035292, -1.2585], max_lyapunov=0.26501, kaplan_yorke=2.2451, correlation_dimension=2.0557),
)
def Sakarya(x, t, a, b, c, h, p, q, r, s):
    X, Y, Z = x
    return stack(a * X + h * Y + s * Y * Z, -b * Y - p * X + q * X * Z, c * Z - r * X * Y)


@builtin(
    params=dict(a=2),
    ic=[0.63878078, 1.0901873, 2.4479814],
    period=7.4654,
    dt=0.0014933,
    description='A two-scroll attractor arising from dynamical equations with piecewise nonlinearities. Equivalent to the Wimol-Banlue system',
    citation='San-Um, Srisuchinwong. J. Comp 2012',
    variables=('x', 'y', 'z'),
    equations="x' = y - x; y' = -z tanh(x); z' = -a + x y + |y|",
    stats=dict(mean=[-0.11452, -0.136316, 0.319912], std=[0.980955, 1.25378, 2.05812], lyapunov=[0.23914, -0.00029162, -1.2297], max_lyapunov=0.26061, kaplan_yorke=2.1942, correlation_dimension=2.0675),
)
def SanUmSrisuchinwong(x, t, a):
    X, Y, Z = x
    return stack(Y - X, -Z * jnp.tanh(X), -a + X * Y + jnp.abs(Y))


@builtin(
    params=dict(a=40, c=0.833, d=0.5, eps=0.65, f=20, k=0),
    ic=[1.2969944, 1.12138, 50.028988],
    period=0.34526,
    dt=6.9064e-05,
    description='A named attractor related to the DequanLi attractor',
    citation='Pan, Zhou, Li (2013). Synchronization of Three-Scroll Unified Chaotic System (TSUCS) and its hyper-chaotic system using active pinning control',
    variables=('x', 'y', 'z'),
    equations="x' = a (y - x) + d x z; y' = k x + f y - x z; z' = c z + x y - eps x^2",
    stats=dict(mean=[0.522446, 0.117372, 38.7251], std=[19.1156, 19.1729, 22.6453], lyapunov=[0.6414, -0.2241, -1.3233], max_lyapunov=0.13621, kaplan_yorke=2.3153, correlation_dimension=1.4738),
)
def Tsucs2(x, t, a, c, d, eps, f, k):
    X, Y, Z = x
    return stack(a * (Y - X) + d * X * Z, k * X + f * Y - X * Z, c * Z + X * Y - eps * X**2)
