"""Sprott flows: the algebraically simple chaotic flows A-S of Sprott (1994), the simplest
dissipative jerk flow (1997), a flow with a strange attractor and invariant tori (2014) and a
nearly conservative multifractal flow (2020)."""

from ._common import builtin, jnp, stack

builtin = builtin("sprott")


@builtin(
    params=dict(),
    ic=[1.54131864, 1.43079727, -1.52555412],
    period=6.3728462,
    dt=0.0012748,
    description='A member of the Sprott family of algebraically-simple chaotic sytems.',
    citation='Sprott (1994). Some simple chaotic flows. Physical Review E (1994).',
    variables=('x', 'y', 'z'),
    equations="x' = y; y' = -x + y z; z' = 1 - y^2",
    stats=dict(mean=[0.109585, -0.0146125, -0.0389298], std=[0.966081, 0.978387, 1.05252], lyapunov=[0.02926, 0.0049902, -0.0015561], max_lyapunov=0.012993, kaplan_yorke=60.665, correlation_dimension=1.9642),
)
def SprottA(x, t):
    X, Y, Z = x
    return stack(Y, -X + Y * Z, 1 - Y**2)


@builtin(
    params=dict(),
    ic=[1.6878282, 1.4848132, -0.53706628],
    period=11.050143,
    dt=0.0022104,
    description='A member of the Sprott family of algebraically-simple chaotic sytems.',
    citation='Sprott (1994). Some simple chaotic flows. Physical Review E (1994).',
    variables=('x', 'y', 'z'),
    equations="x' = y z; y' = x - y; z' = 1 - x y",
    stats=dict(mean=[-0.0723315, -0.0601718, -0.00749783], std=[1.41583, 0.99526, 1.7129], lyapunov=[0.21988, 0.0051874, -1.2146], max_lyapunov=0.20674, kaplan_yorke=2.1853, correlation_dimension=1.9347),
)
def SprottB(x, t):
    X, Y, Z = x
    return stack(Y * Z, X - Y, 1 - X * Y)


@builtin(
    params=dict(),
    ic=[-0.47199823, -0.27198066, 1.9418244],
    period=8.8852,
    dt=0.0017773,
    description='A member of the Sprott family of algebraically-simple chaotic sytems.',
    citation='Sprott (1994). Some simple chaotic flows. Physical Review E (1994).',
    variables=('x', 'y', 'z'),
    equations="x' = y z; y' = x - y; z' = 1 - x^2",
    stats=dict(mean=[0.168172, 0.179553, 0.157415], std=[1.00246, 0.878041, 0.926011], lyapunov=[0.17898, -0.00073047, -1.1645], max_lyapunov=0.15807, kaplan_yorke=2.1529, correlation_dimension=1.9037),
)
def SprottC(x, t):
    X, Y, Z = x
    return stack(Y * Z, X - Y, 1 - X**2)


@builtin(
    params=dict(),
    ic=[-1.3396906, -0.21238338, 0.32982163],
    period=4.8333,
    dt=0.00096682,
    description='A member of the Sprott family of algebraically-simple chaotic sytems.',
    citation='Sprott (1994). Some simple chaotic flows. Physical Review E (1994).',
    variables=('x', 'y', 'z'),
    equations="x' = -y; y' = x + z; z' = x z + 3 y^2",
    stats=dict(mean=[-1.23523, -0.00398883, 1.23392], std=[0.986404, 0.790245, 0.847672], lyapunov=[0.11415, 0.001788, -1.4602], max_lyapunov=0.10171, kaplan_yorke=2.0808, correlation_dimension=1.95),
)
def SprottD(x, t):
    X, Y, Z = x
    return stack(-Y, X + Z, X * Z + 3 * Y**2)


@builtin(
    params=dict(),
    ic=[0.6173759, 0.66599285, -1.6575023],
    period=7.6275,
    dt=0.0015258,
    description='A member of the Sprott family of algebraically-simple chaotic sytems.',
    citation='Sprott (1994). Some simple chaotic flows. Physical Review E (1994).',
    variables=('x', 'y', 'z'),
    equations="x' = y z; y' = x^2 - y; z' = 1 - 4 x",
    stats=dict(mean=[0.23849, 0.313404, 1.70682], std=[0.505745, 0.325315, 2.17389], lyapunov=[0.098345, -0.0003107, -1.0954], max_lyapunov=0.090161, kaplan_yorke=2.0895, correlation_dimension=1.532),
)
def SprottE(x, t):
    X, Y, Z = x
    return stack(Y * Z, X**2 - Y, 1 - 4 * X)


@builtin(
    params=dict(a=0.5),
    ic=[-0.98941275, -1.4191706, 0.85797204],
    period=19.244,
    dt=0.0038494,
    description='A member of the Sprott family of algebraically-simple chaotic sytems.',
    citation='Sprott (1994). Some simple chaotic flows. Physical Review E (1994).',
    variables=('x', 'y', 'z'),
    equations="x' = y + z; y' = -x + a y; z' = x^2 - z",
    stats=dict(mean=[-0.396575, -0.785152, 0.787697], std=[0.793765, 0.895151, 0.767294], lyapunov=[0.13246, 0.019272, -0.60301], max_lyapunov=0.11831, kaplan_yorke=2.2516, correlation_dimension=2.2486),
)
def SprottF(x, t, a):
    X, Y, Z = x
    return stack(Y + Z, -X + a * Y, X**2 - Z)


@builtin(
    params=dict(a=0.4),
    ic=[-0.77182478, -0.74756595, 1.3073285],
    period=8.7097,
    dt=0.0017422,
    description='A member of the Sprott family of algebraically-simple chaotic sytems.',
    citation='Sprott (1994). Some simple chaotic flows. Physical Review E (1994).',
    variables=('x', 'y', 'z'),
    equations="x' = a x + z; y' = x z - y; z' = -x + y",
    stats=dict(mean=[-0.39553, -0.395399, 0.159775], std=[0.911546, 0.648481, 0.936192], lyapunov=[0.033491, -0.0012749, -0.61822], max_lyapunov=0.090678, kaplan_yorke=2.0519, correlation_dimension=1.4356),
)
def SprottG(x, t, a):
    X, Y, Z = x
    return stack(a * X + Z, X * Z - Y, -X + Y)


@builtin(
    params=dict(a=0.5),
    ic=[-1.360042, 0.62585352, -1.2788196],
    period=20.229,
    dt=0.0040465,
    description='A member of the Sprott family of algebraically-simple chaotic sytems.',
    citation='Sprott (1994). Some simple chaotic flows. Physical Review E (1994).',
    variables=('x', 'y', 'z'),
    equations="x' = -y + z^2; y' = x + a y; z' = x - z",
    stats=dict(mean=[-0.484229, 0.994451, -0.485459], std=[1.1742, 1.35714, 0.870889], lyapunov=[0.13872, 0.0035014, -0.58891], max_lyapunov=0.131, kaplan_yorke=2.2415, correlation_dimension=2.1842),
)
def SprottH(x, t, a):
    X, Y, Z = x
    return stack(-Y + Z**2, X + a * Y, X - Z)


@builtin(
    params=dict(a=0.2),
    ic=[-0.060099389, -0.49558355, 0.023159035],
    period=10.93,
    dt=0.0021864,
    description='A member of the Sprott family of algebraically-simple chaotic sytems.',
    citation='Sprott (1994). Some simple chaotic flows. Physical Review E (1994).',
    variables=('x', 'y', 'z'),
    equations="x' = -a y; y' = x + z; z' = x + y^2 - z",
    stats=dict(mean=[-0.111026, -0.00349464, 0.11105], std=[0.170426, 0.472677, 0.169998], lyapunov=[0.02046, 9.4786e-06, -1.0315], max_lyapunov=0.023219, kaplan_yorke=2.0198, correlation_dimension=1.5881),
)
def SprottI(x, t, a):
    X, Y, Z = x
    return stack(-a * Y, X + Z, X + Y**2 - Z)


@builtin(
    params=dict(),
    ic=[4.4786928, 2.2977432, 6.5847115],
    period=4.836,
    dt=0.00096736,
    description='A member of the Sprott family of algebraically-simple chaotic sytems.',
    citation='Sprott (1994). Some simple chaotic flows. Physical Review E (1994).',
    variables=('x', 'y', 'z'),
    equations="x' = 2 z; y' = -2 y + z; z' = -x + y + y^2",
    stats=dict(mean=[4.98571, 0.00584944, 0.013055], std=[8.78102, 2.23081, 5.46369], lyapunov=[0.044518, 0.0010621, -2.0558], max_lyapunov=0.12291, kaplan_yorke=2.0221, correlation_dimension=1.7632),
)
def SprottJ(x, t):
    X, Y, Z = x
    return stack(2 * Z, -2 * Y + Z, -X + Y + Y**2)


@builtin(
    params=dict(mu=2.017),
    ic=[-0.54106056, 0.59383201, 0.45127217],
    period=11.921,
    dt=0.0023846,
    description='An algebraidally simple flow depending on a third time derivative. Numerical integration of this attractor is extremely sensitive to the initial conditions',
    citation='Sprott, J. C. Simplest dissipative chaotic flow. Physics Letters A (1997).',
    variables=('x', 'y', 'z'),
    equations="x' = y; y' = z; z' = -mu z + y^2 - x (the jerk equation x''' + mu x'' - x'^2 + x = 0)",
    stats=dict(mean=[1.8093, 0.00169628, 0.0011003], std=[2.42019, 1.3459, 0.947645], lyapunov=[0.067383, -0.00078319, -2.1347], max_lyapunov=0.087852, kaplan_yorke=2.0312, correlation_dimension=1.1444),
)
def SprottJerk(x, t, mu):
    X, Y, Z = x
    return stack(Y, Z, -mu * Z + Y**2 - X)


@builtin(
    params=dict(a=0.3),
    ic=[-1.3165015, -1.5429951, 0.664053],
    period=7.006,
    dt=0.0014014,
    description='A member of the Sprott family of algebraically-simple chaotic sytems.',
    citation='Sprott (1994). Some simple chaotic flows. Physical Review E (1994).',
    variables=('x', 'y', 'z'),
    equations="x' = x y - z; y' = x - y; z' = x + a z",
    stats=dict(mean=[-0.130925, -0.140802, 0.480603], std=[0.92841, 0.678381, 1.01639], lyapunov=[0.037783, -0.00051095, -0.89347], max_lyapunov=0.059626, kaplan_yorke=2.0417, correlation_dimension=1.8178),
)
def SprottK(x, t, a):
    X, Y, Z = x
    return stack(X * Y - Z, X - Y, X + a * Z)


@builtin(
    params=dict(a=0.9, b=3.9),
    ic=[4.3611557, 13.705573, -2.6835659],
    period=6.7262,
    dt=0.0013455,
    description='A member of the Sprott family of algebraically-simple chaotic sytems.',
    citation='Sprott (1994). Some simple chaotic flows. Physical Review E (1994).',
    variables=('x', 'y', 'z'),
    equations="x' = y + b z; y' = a x^2 - y; z' = 1 - x",
    stats=dict(mean=[0.989643, 18.078, -4.65037], std=[4.38109, 7.03779, 2.8526], lyapunov=[0.034071, -0.00039147, -1.013], max_lyapunov=0.092162, kaplan_yorke=2.033, correlation_dimension=1.4106),
)
def SprottL(x, t, a, b):
    X, Y, Z = x
    return stack(Y + b * Z, a * X**2 - Y, 1 - X)


@builtin(
    params=dict(a=1.7),
    ic=[1.6024402, -1.5983203, -2.6236374],
    period=5.3644,
    dt=0.0010731,
    description='A member of the Sprott family of algebraically-simple chaotic sytems.',
    citation='Sprott (1994). Some simple chaotic flows. Physical Review E (1994).',
    variables=('x', 'y', 'z'),
    equations="x' = -z; y' = -x^2 - y; z' = a (1 + x) + y",
    stats=dict(mean=[0.135824, -1.87894, -0.0220969], std=[1.38506, 1.22151, 1.50898], lyapunov=[0.052301, -0.00033064, -1.0391], max_lyapunov=0.08422, kaplan_yorke=2.05, correlation_dimension=1.5502),
)
def SprottM(x, t, a):
    X, Y, Z = x
    return stack(-Z, -X**2 - Y, a * (1 + X) + Y)


@builtin(
    params=dict(),
    ic=[-1.3396906, -0.21238338, 0.32982163],
    period=6.6209589,
    dt=0.0013244,
    description='A multifractal system with a nearly 3D attractor',
    citation='Sprott, J. C. (2020). Do We Need More Chaos Examples? Chaos Theory and Applications 2(2),1-3, 2020.',
    variables=('x', 'y', 'z'),
    equations="x' = y; y' = -x - sign(z) y; z' = y^2 - exp(-x^2)",
    stats=dict(mean=[0.186183, 0.0336235, 0.0114303], std=[0.836798, 0.785715, 0.792859], lyapunov=[0.325, -0.00016416, -0.31919], max_lyapunov=1.0947, kaplan_yorke=3, correlation_dimension=2.2349),
)
def SprottMore(x, t):
    X, Y, Z = x
    return stack(Y, -X - jnp.sign(Z) * Y, Y**2 - jnp.exp(-X**2))


@builtin(
    params=dict(),
    ic=[-8.3258705, 7.3033716, 3.2798909],
    period=4.8135,
    dt=0.00096286,
    description='A member of the Sprott family of algebraically-simple chaotic sytems.',
    citation='Sprott (1994). Some simple chaotic flows. Physical Review E (1994).',
    variables=('x', 'y', 'z'),
    equations="x' = -2 y; y' = x + z^2; z' = 1 + y - 2 z",
    stats=dict(mean=[-5.17783, -0.0135943, 0.495476], std=[8.79395, 5.43219, 2.2188], lyapunov=[0.060959, 6.5602e-05, -2.1016], max_lyapunov=0.1187, kaplan_yorke=2.029, correlation_dimension=1.7798),
)
def SprottN(x, t):
    X, Y, Z = x
    return stack(-2 * Y, X + Z**2, 1 + Y - 2 * Z)


@builtin(
    params=dict(a=2.7),
    ic=[0.20549455, 0.022792985, 0.93636949],
    period=9.755,
    dt=0.0019513,
    description='A member of the Sprott family of algebraically-simple chaotic sytems.',
    citation='Sprott (1994). Some simple chaotic flows. Physical Review E (1994).',
    variables=('x', 'y', 'z'),
    equations="x' = y; y' = x - z; z' = x + x z + a y",
    stats=dict(mean=[-0.271566, -1.20143e-05, -0.272435], std=[0.283309, 0.341761, 0.710213], lyapunov=[0.066857, 0.011533, -0.31654], max_lyapunov=0.091411, kaplan_yorke=2.2475, correlation_dimension=1.7101),
)
def SprottO(x, t, a):
    X, Y, Z = x
    return stack(Y, X - Z, X + X * Z + a * Y)


@builtin(
    params=dict(a=2.7),
    ic=[0.83420675, 0.14915817, 0.44028635],
    period=5.3414,
    dt=0.0010685,
    description='A member of the Sprott family of algebraically-simple chaotic sytems.',
    citation='Sprott (1994). Some simple chaotic flows. Physical Review E (1994).',
    variables=('x', 'y', 'z'),
    equations="x' = a y + z; y' = -x + y^2; z' = x + y",
    stats=dict(mean=[0.216662, -0.214747, 0.563437], std=[0.549132, 0.399012, 0.522817], lyapunov=[0.10262, 0.00025136, -0.48436], max_lyapunov=0.10647, kaplan_yorke=2.2122, correlation_dimension=1.9851),
)
def SprottP(x, t, a):
    X, Y, Z = x
    return stack(a * Y + Z, -X + Y**2, X + Y)


@builtin(
    params=dict(a=3.1, b=0.5),
    ic=[2.978102, -0.065260683, -2.8031286],
    period=4.8443,
    dt=0.00096902,
    description='A member of the Sprott family of algebraically-simple chaotic sytems.',
    citation='Sprott (1994). Some simple chaotic flows. Physical Review E (1994).',
    variables=('x', 'y', 'z'),
    equations="x' = -z; y' = x - y; z' = a x + y^2 + b z",
    stats=dict(mean=[-0.99755, -0.994838, 0.0472271], std=[2.2949, 1.45613, 3.33691], lyapunov=[0.13698, 0.0010387, -0.61405], max_lyapunov=0.1717, kaplan_yorke=2.2247, correlation_dimension=1.8317),
)
def SprottQ(x, t, a, b):
    X, Y, Z = x
    return stack(-Z, X - Y, a * X + Y**2 + b * Z)


@builtin(
    params=dict(a=0.9, b=0.4),
    ic=[-1.6914909, -1.9783678, 1.9807775],
    period=7.0133,
    dt=0.0014029,
    description='A member of the Sprott family of algebraically-simple chaotic sytems.',
    citation='Sprott (1994). Some simple chaotic flows. Physical Review E (1994).',
    variables=('x', 'y', 'z'),
    equations="x' = a - y; y' = b + z; z' = x y - z",
    stats=dict(mean=[-0.450393, 0.890553, -0.391328], std=[2.04876, 1.94863, 2.51881], lyapunov=[0.076085, 0.0013697, -1.0784], max_lyapunov=0.096614, kaplan_yorke=2.0717, correlation_dimension=1.8313),
)
def SprottR(x, t, a, b):
    X, Y, Z = x
    return stack(a - Y, b + Z, X * Y - Z)


@builtin(
    params=dict(),
    ic=[0.12635702, 0.12260693, 1.2215429],
    period=3.3505,
    dt=0.00067021,
    description='A member of the Sprott family of algebraically-simple chaotic sytems.',
    citation='Sprott (1994). Some simple chaotic flows. Physical Review E (1994).',
    variables=('x', 'y', 'z'),
    equations="x' = -x - 4 y; y' = x + z^2; z' = 1 + x",
    stats=dict(mean=[-1.07424, 0.280613, 0.505837], std=[1.49665, 0.838878, 0.889063], lyapunov=[0.21493, 0.0030194, -1.1945], max_lyapunov=0.27376, kaplan_yorke=2.1824, correlation_dimension=1.9098),
)
def SprottS(x, t):
    X, Y, Z = x
    return stack(-X - 4 * Y, X + Z**2, 1 + X)


@builtin(
    params=dict(),
    ic=[0.6883476, -0.18017646, 0.58539724],
    period=13.607,
    dt=0.0027219,
    description='A multiattractor system that goes to a torus or a complex attractor depending on the initial conditions.',
    citation='Sprott Physics Letters A 2014',
    variables=('x', 'y', 'z'),
    equations="x' = y + 2 x y + x z; y' = 1 - 2 x^2 + y z; z' = x - x^2 - y^2",
    stats=dict(mean=[0.494652, -0.0760526, 0.105213], std=[0.350325, 0.365781, 0.908837], lyapunov=[0.29656, 0.00054688, -0.39109], max_lyapunov=0.1057, kaplan_yorke=2.7597, correlation_dimension=1.0564),
)
def SprottTorus(x, t):
    X, Y, Z = x
    return stack(Y + 2 * X * Y + X * Z, 1 - 2 * X**2 + Y * Z, X - X**2 - Y**2)
