"""Named chaotic flows with (mostly) low-order polynomial vector fields: Rossler, Chen, Lu, Thomas, ..."""

from ._common import builtin, jnp, stack

builtin = builtin("algebraic")


@builtin(
    params=dict(a=0.95, b=0.7, c=0.6, d=3.5, e=0.25, f=0.1),
    ic=[-0.78450179, -0.62887672, -0.17620268],
    period=2.5837,
    dt=0.00051683,
    description='A torus-like attractor related to the forced Lorenz system.',
    citation='Aizawa, Yoji, and Tatsuya Uezu (1982). Topological Aspects in Chaos and in 2 k-Period Doubling Cascade. Progress of Theoretical Physics 67.3 (1982): 982-985. See also Langford (1984). Numerical studies of torus bifurcations. Numerical Methods for Bifurcation Problems. Birkhauser, Basel, 1984. 285-295.',
    variables=('x', 'y', 'z'),
    equations="x' = (z - b) x - d y; y' = d x + (z - b) y; z' = c + a z - z^3/3 - (x^2 + y^2)(1 + e z) + f z x^3",
    stats=dict(mean=[0.00720683, -0.0219454, 0.665324], std=[0.5509, 0.554455, 0.695949], lyapunov=[0.089479, 0.020305, -0.30907], max_lyapunov=0.1349, kaplan_yorke=2.3501, correlation_dimension=1.8927),
)
def Aizawa(x, t, a, b, c, d, e, f):
    X, Y, Z = x
    r2 = X**2 + Y**2
    return stack(
        (Z - b) * X - d * Y,
        d * X + (Z - b) * Y,
        c + a * Z - Z**3 / 3 - r2 * (1 + e * Z) + f * Z * X**3,
    )


@builtin(
    params=dict(a=-5.5, b=4.5, c=1, d=-1),
    ic=[-2.7515698, 0.19079818, 3.4703629],
    period=3.1641,
    dt=0.00063293,
    description='A modified Lotka-Volterra ecosystem, also known as the ACT attractor.',
    citation='Arneodo, A., Coullet, P. & Tresser, C. Occurence of strange attractors in three-dimensional Volterra equations. Physics Letters A 79, 259--263 (1980)',
    variables=('x', 'y', 'z'),
    equations="x' = y; y' = z; z' = -a x - b y - c z + d x^3",
    stats=dict(mean=[-1.67311, 0.000505809, 0.00976471], std=[1.01011, 1.59315, 3.38513], lyapunov=[0.24286, -0.00061687, -1.217], max_lyapunov=0.23737, kaplan_yorke=2.1986, correlation_dimension=1.9333),
)
def Arneodo(x, t, a, b, c, d):
    X, Y, Z = x
    return stack(Y, Z, -a * X - b * Y - c * Z + d * X**3)


@builtin(
    params=dict(a=1, b=-0.3, bb=1, c=0.05, g=1, m=1, y0=4),
    ic=[0.38673159, 3.0544196, -0.0067836194],
    period=3.0411,
    dt=0.00060832,
    description='Economic cycles with fluctuating demand. Related to the DequanLi attractor',
    citation='Bouali (1999). Feedback loop in extended Van der Pols equation applied to an economic model of cycles. International Journal of Bifurkation and Chaos, Vol. 9, No. 4',
    variables=('x', 'y', 'z'),
    equations="x' = a x (y0 - y) - b z; y' = -g y (1 - x^2); z' = -m x (1.5 - bb z) - c z",
    stats=dict(mean=[-0.208977, 3.91559, -0.423227], std=[0.98039, 1.66367, 2.3971], lyapunov=[0.049113, 0.00068697, -0.22172], max_lyapunov=0.060126, kaplan_yorke=2.2247, correlation_dimension=1.7284),
)
def Bouali(x, t, a, b, bb, c, g, m, y0):
    X, Y, Z = x
    return stack(a * X * (y0 - Y) - b * Z, -g * Y * (1 - X**2), -m * X * (1.5 - bb * Z) - c * Z)


@builtin(
    params=dict(a=3, b=2.2, bb=0, c=0, g=1, m=-0.0026667, y0=1),
    ic=[-0.79392257, 1.3617589, -0.030578888],
    period=7.6779,
    dt=0.00053567,
    description='A modified economic cycle model.',
    citation='Bouali (1999). Feedback loop in extended Van der Pols equation applied to an economic model of cycles. International Journal of Bifurkation and Chaos, Vol. 9, No. 4',
    variables=('x', 'y', 'z'),
    equations="x' = a x (y0 - y) - b z; y' = -g y (1 - x^2); z' = -m x (1.5 - bb z) - c z",
    stats=dict(mean=[-0.131423, 0.998077, -0.0607122], std=[0.991182, 0.501381, 0.0142457], lyapunov=[0.020389, 0.0033455, -0.0096028], max_lyapunov=0.076817, kaplan_yorke=16.472, correlation_dimension=1.9251),
)
def Bouali2(x, t, a, b, bb, c, g, m, y0):
    X, Y, Z = x
    return stack(a * X * (y0 - Y) - b * Z, -g * Y * (1 - X**2), -m * X * (1.5 - bb * Z) - c * Z)


@builtin(
    params=dict(e=13, n=10),
    ic=[-0.79153188, 0.65244479, 0.22517831],
    period=0.78333,
    dt=0.00015669,
    description='A scroll-like attractor with unique symmetry along the z axis.',
    citation='Shaw (1981). Zeitschrift fur Naturforschung.',
    variables=('x', 'y', 'z'),
    equations="x' = -n (x + y); y' = y - n x z; z' = n x y + e (reference form: +y where Shaw (1981) has -y)",
    stats=dict(mean=[-0.10558, 0.0839974, -0.230354], std=[1.13994, 1.73104, 1.91823], lyapunov=[2.3454, 0.027056, -11.225], max_lyapunov=2.3246, kaplan_yorke=2.2113, correlation_dimension=2.0538),
)
def BurkeShaw(x, t, e, n):
    X, Y, Z = x
    return stack(-n * (X + Y), Y - n * X * Z, n * X * Y + e)


@builtin(
    params=dict(a=35, b=3, c=28),
    ic=[3.2689697, 5.2990458, 19.435349],
    period=0.58689,
    dt=0.0001174,
    description='A system based on feedback anti-control in engineering.',
    citation='Chen (1997). Proc. First Int. Conf. Control of Oscillations and Chaos.',
    variables=('x', 'y', 'z'),
    equations="x' = a (y - x); y' = (c - a) x - x z + c y; z' = x y - b z",
    stats=dict(mean=[-0.134027, -0.140928, 23.5267], std=[8.36014, 8.89349, 5.13486], lyapunov=[2.0471, -0.050314, -11.842], max_lyapunov=2.006, kaplan_yorke=2.1686, correlation_dimension=2.0804),
)
def Chen(x, t, a, b, c):
    X, Y, Z = x
    return stack(a * (Y - X), (c - a) * X - X * Z + c * Y, X * Y - b * Z)


@builtin(
    params=dict(a=5, b=-10, c=-0.38),
    ic=[0.17177112, 0.10360479, 6.2553878],
    period=2.8043,
    dt=0.00056095,
    description='A rigid body with feedback anti-control.',
    citation='Chen HK, Lee CI (2004). Anti-control of chaos in rigid body motion. Chaos, Solitons & Fractals',
    variables=('x', 'y', 'z'),
    equations="x' = a x - y z; y' = b y + x z; z' = c z + x y / 3",
    stats=dict(mean=[0.21025, 0.131799, 8.16339], std=[4.19586, 2.96772, 3.05981], lyapunov=[0.16461, 0.00018226, -5.4853], max_lyapunov=0.16363, kaplan_yorke=2.03, correlation_dimension=1.2279),
)
def ChenLee(x, t, a, b, c):
    X, Y, Z = x
    return stack(a * X - Y * Z, b * Y + X * Z, c * Z + X * Y / 3)


@builtin(
    params=dict(a=-0.8, b=1.1, c=0.45, d=-1),
    ic=[0.345398379585, 0.4284701182, 0.086983698176],
    period=5.7663,
    dt=0.0011535,
    description='A variant of the Arneodo attractor',
    citation='Arneodo, A., Coullet, P. & Tresser, C. Occurence of strange attractors in three-dimensional volterra equations. Physics Letters A 79, 259--263 (1980)',
    variables=('x', 'y', 'z'),
    equations="x' = y; y' = z; z' = -a x - b y - c z + d x^3 (Arneodo form)",
    stats=dict(mean=[0.0539264, -0.0230487, -0.0143929], std=[0.726154, 0.451056, 0.468635], lyapunov=[0.14891, -6.5049e-05, -0.58737], max_lyapunov=0.13719, kaplan_yorke=2.253, correlation_dimension=2.0922),
)
def Coullet(x, t, a, b, c, d):
    X, Y, Z = x
    return stack(Y, Z, -a * X - b * Y - c * Z + d * X**3)


@builtin(
    params=dict(c=2, e=9, o=2.7, p=3, r=1.7),
    ic=[1.0284085, -3.5348655, -0.72081646],
    period=3.2886,
    dt=0.00065783,
    description='An electronic circuit capable of producing multiple attractors under bifurcations.',
    citation='S Dadras, HR Momeni (2009). A novel three-dimensional autonomous chaotic system generating two, three and four-scroll attractors. Physics Letters A.',
    variables=('x', 'y', 'z'),
    equations="x' = y - p x + o y z; y' = r y - x z + z; z' = c x y - e z",
    stats=dict(mean=[1.16079, -0.340922, 0.248705], std=[3.29181, 2.60991, 1.69005], lyapunov=[0.47344, 0.0064563, -11.158], max_lyapunov=0.40592, kaplan_yorke=2.043, correlation_dimension=1.6051),
)
def Dadras(x, t, c, e, o, p, r):
    X, Y, Z = x
    return stack(Y - p * X + o * Y * Z, r * Y - X * Z + Z, c * X * Y - e * Z)


@builtin(
    params=dict(a=40, c=1.833, d=0.16, eps=0.65, f=20, k=55),
    ic=[-11.395722, -104.12614, 202.46173],
    period=0.083806,
    dt=1.6764e-05,
    description='Related to the Three Scroll unified attractor TSUCS-2',
    citation='Li, Phys Lett A. 2008: 387-393.',
    variables=('x', 'y', 'z'),
    equations="x' = a (y - x) + d x z; y' = k x + f y - x z; z' = c z + x y - eps x^2",
    stats=dict(mean=[-46.3441, -32.2134, 75.8383], std=[50.2158, 70.5342, 66.5669], lyapunov=[1.8602, 0.098664, -2.8672], max_lyapunov=0.73975, kaplan_yorke=2.6849, correlation_dimension=1.9326),
)
def DequanLi(x, t, a, c, d, eps, f, k):
    X, Y, Z = x
    return stack(a * (Y - X) + d * X * Z, k * X + f * Y - X * Z, c * Z + X * Y - eps * X**2)


@builtin(
    params=dict(a=0.001, b=0.2, c=1.1),
    ic=[-0.51664739, -3.9568707, 0.0012893581],
    period=9.8932,
    dt=0.001979,
    description='Stock fluctuations under varying investment demand and interest rates',
    citation='Guoliang Cai, Juanjuan Huang. International Journal of Nonlinear Science, Vol. 3 (2007)',
    variables=('x', 'y', 'z'),
    equations="x' = (1/b - a) x + z + x y; y' = -b y - x^2; z' = -x - c z",
    stats=dict(mean=[-0.0703079, -4.24919, 0.0604546], std=[0.922347, 0.732614, 0.694463], lyapunov=[0.10709, 0.00098358, -0.62795], max_lyapunov=0.093541, kaplan_yorke=2.172, correlation_dimension=1.9223),
)
def Finance(x, t, a, b, c):
    X, Y, Z = x
    return stack((1 / b - a) * X + Z + X * Y, -b * Y - X**2, -X - c * Z)


@builtin(
    params=dict(a=0.44, b=1.1, c=1),
    ic=[-0.053772565, -0.26162564, 0.33501557],
    period=5.9431,
    dt=0.0011888,
    description='A nonlinear control system with feedback.',
    citation='Genesio, Tesi (1992). Harmonic balance methods for the analysis of chaotic dynamics in nonlinear systems. Automatica 28.3 (1992): 531-548.',
    variables=('x', 'y', 'z'),
    equations="x' = y; y' = z; z' = -c x - b y - a z + x^2",
    stats=dict(mean=[0.231759, -0.00186112, -0.00412116], std=[0.417553, 0.413567, 0.433121], lyapunov=[0.099744, 0.00038147, -0.52822], max_lyapunov=0.10509, kaplan_yorke=2.1893, correlation_dimension=1.9474),
)
def GenesioTesi(x, t, a, b, c):
    X, Y, Z = x
    return stack(Y, Z, -c * X - b * Y - a * Z + X**2)


@builtin(
    params=dict(a=1.4, b=4),
    ic=[-8.6807408, -2.4741399, 0.070775762],
    period=1.4889,
    dt=0.00029783,
    description='An algebraically-simple chaotic system with quadratic nonlinearity',
    citation='Sprott, Julien C (2010). Elegant chaos: algebraically simple chaotic flows. World Scientific, 2010.',
    variables=('x', 'y', 'z'),
    equations="x' = -a x - b (y + z) - y^2; y' = -a y - b (z + x) - z^2; z' = -a z - b (x + y) - x^2",
    stats=dict(mean=[-3.18452, -3.36106, -2.76197], std=[4.50531, 4.18445, 4.51536], lyapunov=[0.5862, -0.031954, -4.6876], max_lyapunov=0.69637, kaplan_yorke=2.1182, correlation_dimension=1.8842),
)
def Halvorsen(x, t, a, b):
    X, Y, Z = x
    return stack(
        -a * X - b * (Y + Z) - Y**2,
        -a * Y - b * (Z + X) - Z**2,
        -a * Z - b * (X + Y) - X**2,
    )


@builtin(
    params=dict(a=0.4, b=12, c=-5, h=0, p=0, q=-1, r=1, s=1),
    ic=[4.6722764, 5.2437205e-10, -6.4444208e-10],
    period=8.0164,
    dt=0.0016035,
    description='Derived from Sakarya.',
    citation='Liu, Chen. Int J Bifurcat Chaos. 2004: 1395-1403.',
    variables=('x', 'y', 'z'),
    equations="x' = a x + h y + s y z; y' = -b y - p x + q x z; z' = c z - r x y (Sakarya-type form)",
    stats=dict(mean=[-0.0242239, -0.0154325, -0.771514], std=[9.71349, 1.7765, 2.6419], lyapunov=[0.21332, -0.9749, -18.807], max_lyapunov=0.24571, kaplan_yorke=1.2188, correlation_dimension=1.0602),
)
def LiuChen(x, t, a, b, c, h, p, q, r, s):
    X, Y, Z = x
    return stack(a * X + h * Y + s * Y * Z, -b * Y - p * X + q * X * Z, c * Z - r * X * Y)


@builtin(
    params=dict(a=36, b=3, c=18),
    ic=[10.956479, 9.8813092, 22.676714],
    period=2.3385,
    dt=0.00046778,
    description='A system that switches shapes between the Lorenz and Chen attractors as the parameter c is varied from 12.7 to 28.5. Also called the Chen Celikovsky attractor',
    citation='Lu, Chen. Int J Bifurcat Chaos. 2002: 659-661.',
    variables=('x', 'y', 'z'),
    equations="x' = a (y - x); y' = c y - x z; z' = x y - b z",
    stats=dict(mean=[-0.114539, -0.115735, 17.3843], std=[7.22411, 7.41399, 5.25586], lyapunov=[0.66518, 0.14503, -22.57], max_lyapunov=0.32669, kaplan_yorke=2.0359, correlation_dimension=1.3728),
)
def LuChen(x, t, a, b, c):
    X, Y, Z = x
    return stack(a * (Y - X), c * Y - X * Z, X * Y - b * Z)


@builtin(
    params=dict(a=-10, b=-4, c=18.1),
    ic=[-5.5177615, 2.4990595, 10.461798],
    period=0.92333,
    dt=0.0001847,
    description='A four scroll attractor that reduces to Lorenz-like dynamics under bifurcations.',
    citation='Lu, Chen, Cheng. Int J Bifurcat Chaos. 2004: 1507--1537.',
    variables=('x', 'y', 'z'),
    equations="x' = -a b x / (a + b) - y z + c; y' = a y + x z; z' = b z + x y",
    stats=dict(mean=[4.31701, 2.26207, 7.35175], std=[7.86647, 5.07398, 4.81492], lyapunov=[0.35106, -0.012414, -11.557], max_lyapunov=0.26128, kaplan_yorke=2.0293, correlation_dimension=1.7226),
)
def LuChenCheng(x, t, a, b, c):
    X, Y, Z = x
    return stack(-a * b / (a + b) * X - Y * Z + c, a * Y + X * Z, b * Z + X * Y)


@builtin(
    params=dict(a=0.4, b=0.175),
    ic=[0.29430753, 0.10649486, 0.29081125],
    period=8.5095,
    dt=0.0017022,
    description="Euler's equations for a rigid body, augmented with a linear feedback term.",
    citation='Leipnik, R. B., and T. A. Newton (1981). Double strange attractors in rigid body motion with linear feedback control. Physics Letters A 86.2 (1981): 63-67.',
    variables=('x', 'y', 'z'),
    equations="x' = -a x + y + 10 y z; y' = -x - 0.4 y + 5 x z; z' = b z - 5 x y",
    stats=dict(mean=[-0.00738182, -0.00363775, 0.231485], std=[0.275567, 0.0844021, 0.0925683], lyapunov=[0.17236, -0.00036977, -0.77958], max_lyapunov=0.14945, kaplan_yorke=2.2206, correlation_dimension=2.0052),
)
def NewtonLiepnik(x, t, a, b):
    X, Y, Z = x
    return stack(-a * X + Y + 10 * Y * Z, -X - 0.4 * Y + 5 * X * Z, b * Z - 5 * X * Y)


@builtin(
    params=dict(a=10, c=-2.6667, d=0, eps=0, f=0, k=16),
    ic=[-3.03805747, -1.98052429, 14.65665869],
    period=1.7829,
    dt=0.00035664,
    description='A named attractor related to the DequanLi attractor',
    citation='Zhou, Wuneng, et al. On dynamics analysis of a new chaotic attractor. Physics Letters A 372.36 (2008): 5773-5777..',
    variables=('x', 'y', 'z'),
    equations="x' = a (y - x) + d x z; y' = k x + f y - x z; z' = c z + x y - eps x^2 (DequanLi form; with d = eps = f = 0 the Pan-Xu-Zhou system)",
    stats=dict(mean=[-3.49729, -3.47923, 13.6914], std=[4.91567, 5.5112, 5.61336], lyapunov=[0.86974, 0.016036, -13.744], max_lyapunov=0.61324, kaplan_yorke=2.0644, correlation_dimension=0.77153),
)
def PanXuZhou(x, t, a, c, d, eps, f, k):
    # At these parameters the chaos is transient (mean lifetime ~250 periods); the equilibria
    # (+-sqrt(-c k), +-sqrt(-c k), k) are stable foci. The reference stats are a 10-period transient.
    X, Y, Z = x
    return stack(a * (Y - X) + d * X * Z, k * X + f * Y - X * Z, c * Z + X * Y - eps * X**2)


@builtin(
    params=dict(a=45, b=10, c=1, d=10),
    ic=[0.256204264839, 0.195611664057, 7.25982376039, 1.31625589701],
    period=0.40821,
    dt=8.1656e-05,
    description='A hyperchaotic system with a wide power spectrum.',
    citation='G. Qi, M. A. van Wyk, B. J. van Wyk, and G. Chen, (2008). On a new hyperchaotic system. Physics Letters A.',
    variables=('x', 'y', 'z', 'w'),
    equations="x' = a (y - x) + y z w; y' = b (x + y) - x z w; z' = -c z + x y w; w' = -d w + x y z",
    stats=dict(mean=[-0.348085, -0.234151, 7.229, 2.01879], std=[1.96515, 1.52417, 0.577585, 1.06797], lyapunov=[2.036, 0.13201, -4.3479, -44.356], max_lyapunov=2.1916, kaplan_yorke=2.4986, correlation_dimension=1.8914),
)
def Qi(x, t, a, b, c, d):
    X, Y, Z, W = x
    return stack(a * (Y - X) + Y * Z * W, b * (X + Y) - X * Z * W, -c * Z + X * Y * W, -d * W + X * Y * Z)


@builtin(
    params=dict(a=38, b=2.666, c=80),
    ic=[17.420882, 5.5459627, 78.89139],
    period=0.39179,
    dt=7.8371e-05,
    description='A double-wing chaotic attractor that arises from two bistable attractors. The system has quadratic nonlinearity.',
    citation='Qi et al. Chaos, Solitons & Fractals 2008.',
    variables=('x', 'y', 'z'),
    equations="x' = a (y - x) + y z; y' = c x + y - x z; z' = x y - b z",
    stats=dict(mean=[3.52291, 1.1658, 79.2484], std=[25.6213, 9.75483, 9.42436], lyapunov=[3.888, 0.1338, -43.836], max_lyapunov=4.0276, kaplan_yorke=2.0917, correlation_dimension=1.831),
)
def QiChen(x, t, a, b, c):
    X, Y, Z = x
    return stack(a * (Y - X) + Y * Z, c * X + Y - X * Z, X * Y - b * Z)


@builtin(
    params=dict(a=1.1, g=0.87),
    ic=[-1.8207276, 0.83440917, 0.2078248],
    period=2.3356,
    dt=0.0004672,
    description='A reduced-order model of propagating waves in monequilibrium media.',
    citation='Rabinovich, Mikhail I.; Fabrikant, A. L. (1979). Stochastic Self-Modulation of Waves in Nonequilibrium Media. Sov. Phys. JETP.',
    variables=('x', 'y', 'z'),
    equations="x' = y (z - 1 + x^2) + g x; y' = x (3 z + 1 - x^2) + g y; z' = -2 z (a + x y)",
    stats=dict(mean=[-1.14986, 1.03833, 0.605818], std=[0.374473, 0.695614, 0.329766], lyapunov=[0.24234, 1.7069e-05, -0.67177], max_lyapunov=0.25414, kaplan_yorke=2.3608, correlation_dimension=2.0781),
)
def RabinovichFabrikant(x, t, a, g):
    X, Y, Z = x
    return stack(Y * (Z - 1 + X**2) + g * X, X * (3 * Z + 1 - X**2) + g * Y, -2 * Z * (a + X * Y))


@builtin(
    params=dict(a=0.2, b=0.2, c=5.7),
    ic=[6.5134412, 0.4772013, 0.34164294],
    period=5.9086,
    dt=0.0011819,
    description='Spiral-type chaos in a simple oscillator model.',
    citation='Rossler, O. E. (1976), An Equation for Continuous Chaos, Physics Letters, 57A (5): 3972013398,',
    variables=('x', 'y', 'z'),
    equations="x' = -y - z; y' = x + a y; z' = b + z (x - c)",
    stats=dict(mean=[0.225129, -0.928839, 0.916095], std=[5.41222, 5.01548, 2.49677], lyapunov=[0.07633, 0.0075225, -5.741], max_lyapunov=0.1506, kaplan_yorke=2.0146, correlation_dimension=1.7968),
)
def Rossler(x, t, a, b, c):
    X, Y, Z = x
    return stack(-Y - Z, X + a * Y, b + Z * (X - c))


@builtin(
    params=dict(a=1.85, b=10),
    ic=[2.199442, 2.3634225, 3.220197],
    period=4.969,
    dt=0.00099397,
    description='A cyclically-symmetric attractor correspondng to a frictionally-damped particle traversing a 3D lattice of forces',
    citation='Thomas, Rene (1999). Deterministic chaos seen in terms of feedback circuits: Analysis, synthesis, labyrinth chaos. Int. J. Bifurc. Chaos.',
    variables=('x', 'y', 'z'),
    equations="x' = -a x + b sin y; y' = -a y + b sin z; z' = -a z + b sin x",
    stats=dict(mean=[0.599224, 0.533084, 0.495352], std=[2.13768, 2.21613, 2.24315], lyapunov=[0.75897, 0.057355, -6.422], max_lyapunov=0.63241, kaplan_yorke=2.1271, correlation_dimension=1.6488),
)
def Thomas(x, t, a, b):
    X, Y, Z = x
    return stack(-a * X + b * jnp.sin(Y), -a * Y + b * jnp.sin(Z), -a * Z + b * jnp.sin(X))


@builtin(
    params=dict(a=0.5, b=10),
    ic=[-4.9599545, 1.0302034, -4.6883893],
    period=6.05,
    dt=0.0012102,
    description='A system in which trajectories seemingly undergo Brownian motion on an infinite lattice, but remain bounded when the parameter a is less than one.',
    citation='Thomas, Rene. Deterministic chaos seen in terms of feedback circuits: Analysis, synthesis, labyrinth chaos. Int. J. Bifurc. Chaos. (1999).',
    variables=('x', 'y', 'z'),
    equations="x' = -a x + b sin y; y' = -a y + b sin z; z' = -a z + b sin x",
    stats=dict(mean=[-0.430369, 0.0656164, -1.11735], std=[3.7784, 4.35889, 3.95704], lyapunov=[1.3388, 0.0049705, -2.8467], max_lyapunov=1.3909, kaplan_yorke=2.472, correlation_dimension=2.15),
)
def ThomasLabyrinth(x, t, a, b):
    X, Y, Z = x
    return stack(-a * X + b * jnp.sin(Y), -a * Y + b * jnp.sin(Z), -a * Z + b * jnp.sin(X))


@builtin(
    params=dict(a=0.2, b=-0.01, d=-0.4, e=-1, f=-1, q=1),
    ic=[-0.54770787, 0.73876479, -0.0049284531],
    period=26.958,
    dt=0.0053925,
    description='A four-scroll attractor',
    citation='Wang, Z., Sun, Y., van Wyk, B. J., Qi, G. & van Wyk, M. A (2009). A 3-D four-wing attractor and its analysis. Brazilian J. Phys. 39.',
    variables=('x', 'y', 'z'),
    equations="x' = a x + q y z; y' = b x + d y - x z; z' = e z + f x y",
    stats=dict(mean=[0.0205704, 0.312897, 0.000516778], std=[0.758564, 0.439173, 0.340026], lyapunov=[0.079909, -0.0010439, -1.3241], max_lyapunov=0.067355, kaplan_yorke=2.0596, correlation_dimension=1.781),
)
def WangSun(x, t, a, b, d, e, f, q):
    X, Y, Z = x
    return stack(a * X + q * Y * Z, b * X + d * Y - X * Z, e * Z + f * X * Y)


@builtin(
    params=dict(a=10, b=40, c=2, d=2.5),
    ic=[-0.21422356, -0.17935495, 14.105516],
    period=1.3366,
    dt=0.00026736,
    description='A temperature-compensation circuit with an operational amplifier',
    citation='Yu, Wang (2012). A novel three dimension autonomous chaotic system with a quadratic exponential nonlinear term. Eng Techn & Applied Science Research.',
    variables=('x', 'y', 'z'),
    equations="x' = a (y - x); y' = b x - c x z; z' = exp(x y) - d z",
    stats=dict(mean=[-0.0660385, -0.0583771, 20.2189], std=[1.08983, 1.54012, 9.12428], lyapunov=[2.4599, -0.072979, -14.01], max_lyapunov=1.8526, kaplan_yorke=2.1704, correlation_dimension=1.8559),
)
def YuWang(x, t, a, b, c, d):
    X, Y, Z = x
    return stack(a * (Y - X), b * X - c * X * Z, jnp.exp(X * Y) - d * Z)


@builtin(
    params=dict(a=10, b=30, c=2, d=2.5),
    ic=[0.12581483, 1.2467348, 18.358568],
    period=0.39265,
    dt=7.8543e-05,
    description='An alternative temperature-compensation circuit with an operational amplifier',
    citation='Yu, Wang (2012). A novel three dimension autonomous chaotic system with a quadratic exponential nonlinear term. Eng Techn & Applied Science Research.',
    variables=('x', 'y', 'z'),
    equations="x' = a (y - x); y' = b x - c x z; z' = cosh(x y) - d z",
    stats=dict(mean=[0.335226, 0.363927, 15.4685], std=[1.2263, 1.56381, 5.72925], lyapunov=[0.80272, 0.007967, -13.078], max_lyapunov=1.1576, kaplan_yorke=2.062, correlation_dimension=1.5232),
)
def YuWang2(x, t, a, b, c, d):
    X, Y, Z = x
    return stack(a * (Y - X), b * X - c * X * Z, jnp.cosh(X * Y) - d * Z)


@builtin(
    params=dict(a=2.97, b=0.15, c=-3, d=1, e=-8.78),
    ic=[-0.60390203, 0.012111953, 0.00083277923],
    period=0.87518,
    dt=0.00017507,
    description='A feedback circuit model.',
    citation='Zhou, Chen (2004). A simple smooth chaotic system with a 3-layer attractor. Int J Bifurcat Chaos, 2004',
    variables=('x', 'y', 'z'),
    equations="x' = a x + b y + y z; y' = c y - x z + d y z; z' = e z - x y",
    stats=dict(mean=[-1.35878, 7.6016, -0.674571], std=[10.2395, 13.3306, 5.97782], lyapunov=[0.59173, 0.0052039, -12.999], max_lyapunov=0.6828, kaplan_yorke=2.0459, correlation_dimension=1.6212),
)
def ZhouChen(x, t, a, b, c, d, e):
    X, Y, Z = x
    return stack(a * X + b * Y + Y * Z, c * Y - X * Z + d * Y * Z, e * Z - X * Y)
