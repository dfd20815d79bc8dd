"""Hyperchaotic flows: four-dimensional extensions of Lorenz-, Lu-, Chen- and Rossler-type systems."""

from ._common import builtin, stack

builtin = builtin("hyperchaos")


@builtin(
    params=dict(a=36, b=3, c=20, d=0.1, e=21),
    ic=[9.27130806378, 9.75224717881, 23.9191549157, -16.6967593997],
    period=0.5831506,
    dt=0.00011665,
    description='Hyperchaos in the Lu system.',
    citation='Bao, Liu  (2008). A hyperchaotic attractor coined from the chaotic Lu system. Chin. Physics Letters, Vol. 25, pp 2396-2399.',
    variables=('x', 'y', 'z', 'w'),
    equations="x' = a (y - x) + w; y' = c y - x z; z' = x y - b z; w' = e x + d y z",
    stats=dict(mean=[0.0923286, -0.224919, 20.7728, 8.62116], std=[7.79589, 8.32092, 6.49152, 31.3449], lyapunov=[0.69597, 0.20767, 0.016468, -19.984], max_lyapunov=0.79419, kaplan_yorke=3.046, correlation_dimension=1.9031),
)
def HyperBao(x, t, a, b, c, d, e):
    X, Y, Z, W = x
    return stack(a * (Y - X) + W, c * Y - X * Z, X * Y - b * Z, e * X + d * Y * Z)


@builtin(
    params=dict(a=27.5, b=3, c=19.3, d=2.9, e=3.3),
    ic=[-10.6912736021, -15.5411593766, 18.3882729003, -14.9044939395],
    period=0.61139362,
    dt=0.0001223,
    description='A hyperchaotic variant of the Finance system.',
    citation='Guoliang, Huang (2007). A New Finance Chaotic Attractor. International Journal of Nonlinear Science.',
    variables=('x', 'y', 'z', 'w'),
    equations="x' = a (y - x); y' = b x + c y - x z + w; z' = y^2 - d z; w' = -e x",
    stats=dict(mean=[0.674007, 0.775039, 23.0422, -15.3314], std=[7.79337, 8.25238, 5.3731, 7.81218], lyapunov=[1.6344, 0.12846, -0.0033287, -12.748], max_lyapunov=1.6778, kaplan_yorke=3.138, correlation_dimension=2.3775),
)
def HyperCai(x, t, a, b, c, d, e):
    X, Y, Z, W = x
    return stack(a * (Y - X), b * X + c * Y - X * Z + W, Y**2 - d * Z, -e * X)


@builtin(
    params=dict(a=10, b=28, c=2.667, d=1.3),
    ic=[13.7654488807, 20.2037919901, 32.0817979542, -51.18932145],
    period=0.85644673,
    dt=0.00017132,
    description='A hyperchaotic system.',
    citation='Jürgen Meier (2003). Presentation of Attractors with Cinema.',
    variables=('x', 'y', 'z', 'w'),
    equations="x' = a (y - x) + w; y' = b x - y - x z; z' = x y - c z; w' = d w - x z",
    stats=dict(mean=[0.0447209, -0.0853414, 24.1726, 1.39179], std=[9.78897, 8.6332, 8.01861, 73.3734], lyapunov=[0.39495, 0.29202, 0.0055684, -13.022], max_lyapunov=0.38695, kaplan_yorke=3.0532, correlation_dimension=2.2954),
)
def HyperJha(x, t, a, b, c, d):
    X, Y, Z, W = x
    return stack(a * (Y - X) + W, b * X - Y - X * Z, X * Y - c * Z, d * W - X * Z)


@builtin(
    params=dict(a=10, b=2.667, c=28, d=1.1),
    ic=[-9.18607373506, -0.674457063442, 16.4405368862, -145.024384895],
    period=1.2775467,
    dt=0.00025555,
    description='A hyperchaotic variant of the Lorenz attractor.',
    citation='Jürgen Meier (2003). Presentation of Attractors with Cinema.',
    variables=('x', 'y', 'z', 'w'),
    equations="x' = a (y - x) + w; y' = c x - y - x z; z' = x y - b z; w' = d w - x z",
    stats=dict(mean=[-1.21809, 0.457427, 24.3549, -15.9609], std=[9.4578, 8.58436, 7.93477, 62.6378], lyapunov=[0.29256, 0.24692, 0.047044, -13.118], max_lyapunov=0.32888, kaplan_yorke=3.0447, correlation_dimension=2.3257),
)
def HyperLorenz(x, t, a, b, c, d):
    X, Y, Z, W = x
    return stack(a * (Y - X) + W, c * X - Y - X * Z, X * Y - b * Z, d * W - X * Z)


@builtin(
    params=dict(a=36, b=3, c=20, d=1.3),
    ic=[8.11348619, 10.55664382, 18.44590719, -28.38151717],
    period=0.7162857,
    dt=0.00014328,
    description='A hyperchaotic variant of the Lu attractor.',
    citation='Chen, A., Lu, J., Lü, J., & Yu, S. (2006). Generating hyperchaotic Lü attractor via state feedback control. Physica A: Statistical Mechanics and its Applications, 364, 103-110.',
    variables=('x', 'y', 'z', 'w'),
    equations="x' = a (y - x) + w; y' = c y - x z; z' = x y - b z; w' = x z + d w",
    stats=dict(mean=[-0.513633, -1.13293, 22.1287, 22.0065], std=[7.89183, 8.70953, 5.46726, 43.6467], lyapunov=[1.0856, 0.47539, 0.0285, -19.314], max_lyapunov=1.043, kaplan_yorke=3.0823, correlation_dimension=2.3437),
)
def HyperLu(x, t, a, b, c, d):
    X, Y, Z, W = x
    return stack(a * (Y - X) + W, c * Y - X * Z, X * Y - b * Z, X * Z + d * W)


@builtin(
    params=dict(a=36, b=3, c=20, d=2),
    ic=[8.40863585, 4.67210241, 27.91032548, -1.26300886],
    period=0.84393744,
    dt=0.00016882,
    description='A hyperchaotic system.',
    citation='Pang, S., & Liu, Y. (2011). A new hyperchaotic system from the Lü system and its control. Journal of Computational and Applied Mathematics, 235(8), 2775-2789.',
    variables=('x', 'y', 'z', 'w'),
    equations="x' = a (y - x); y' = c y - x z + w; z' = x y - b z; w' = -d (x + y)",
    stats=dict(mean=[-0.15228, -0.163357, 20.1474, 7.88311], std=[7.72791, 7.96766, 4.99467, 6.05465], lyapunov=[1.5869, 0.28444, -0.0011541, -21.008], max_lyapunov=1.4465, kaplan_yorke=3.089, correlation_dimension=2.4094),
)
def HyperPang(x, t, a, b, c, d):
    X, Y, Z, W = x
    return stack(a * (Y - X), c * Y - X * Z + W, X * Y - b * Z, -d * (X + Y))


@builtin(
    params=dict(a=50, b=24, c=13, d=8, e=33, f=30),
    ic=[11.2509008579, -3.64707776254, 50.1698792494, -168.248518568],
    period=0.061860386,
    dt=1.2374e-05,
    description='A hyperchaotic variant of the Qi system.',
    citation='G. Qi, M. A. van Wyk, B. J. van Wyk, and G. Chen, (2008). On a new hyperchaotic system. Physics Letters A.',
    variables=('x', 'y', 'z', 'w'),
    equations="x' = a (y - x) + y z; y' = b (x + y) - x z; z' = x y - c z - e w; w' = x y + f z - d w",
    stats=dict(mean=[-6.50847, -0.316603, -9.69813, 29.7646], std=[46.6147, 44.9331, 84.0569, 102.266], lyapunov=[13.909, 2.852, -0.049579, -59.328], max_lyapunov=12.787, kaplan_yorke=3.2817, correlation_dimension=2.0678),
)
def HyperQi(x, t, a, b, c, d, e, f):
    X, Y, Z, W = x
    return stack(a * (Y - X) + Y * Z, b * (X + Y) - X * Z, X * Y - c * Z - e * W, X * Y + f * Z - d * W)


@builtin(
    params=dict(a=0.25, b=3, c=0.5, d=0.05),
    ic=[-93.667697, 15.5078, 0.032086964, 43.792796],
    period=1.1157477,
    dt=0.00022319,
    description='A hyperchaotic variant of the Rossler system.',
    citation='Rossler, O. E. (1979). An equation for hyperchaos.',
    variables=('x', 'y', 'z', 'w'),
    equations="x' = -y - z; y' = x + a y + w; z' = b + x z; w' = d w - c z",
    stats=dict(mean=[-36.3251, -13.2384, 6.0665, 39.0338], std=[32.0825, 28.2237, 22.517, 5.94564], lyapunov=[0.27859, -7.7492e-05, -0.30147, -70.266], max_lyapunov=0.17188, kaplan_yorke=2.9164, correlation_dimension=1.8919),
)
def HyperRossler(x, t, a, b, c, d):
    X, Y, Z, W = x
    return stack(-Y - Z, X + a * Y + W, b + X * Z, d * W - c * Z)


@builtin(
    params=dict(a=10, b=40, c=2.5, d=10.6, e=4),
    ic=[0.16824907, 0.16854103, 37.04033781, -15.29027381],
    period=0.64815206,
    dt=0.00012965,
    description='A hyperchaotic variant of the Wang system.',
    citation='Wang, Z., Sun, Y., van Wyk, B. J., Qi, G. & van Wyk, M. A (2009). A 3-D four-wing attractor and its analysis. Brazilian J. Phys. 39.',
    variables=('x', 'y', 'z', 'w'),
    equations="x' = a (y - x); y' = b x - x z + w; z' = e x^2 - c z; w' = -d x",
    stats=dict(mean=[-0.0270451, 0.0272276, 44.8426, 1.84248], std=[5.2971, 7.58619, 15.8513, 13.7415], lyapunov=[1.2224, 0.25828, -0.0075512, -13.987], max_lyapunov=1.293, kaplan_yorke=3.1053, correlation_dimension=2.384),
)
def HyperWang(x, t, a, b, c, d, e):
    X, Y, Z, W = x
    return stack(a * (Y - X), b * X - X * Z + W, e * X**2 - c * Z, -d * X)


@builtin(
    params=dict(a=10, b=40, c=2.5, d=2, e=16),
    ic=[0.68944486, -0.60254126, -0.5814657, 0.26629277],
    period=1.1328151,
    dt=0.0002266,
    description='A hyperchaotic system.',
    citation='Letellier & Rossler (2007). Hyperchaos. Scholarpedia 2.8 (2007): 1936.',
    variables=('x', 'y', 'z', 'w'),
    equations="x' = a (y - x) + w; y' = b x + e x z; z' = -c z - x y; w' = x z - d y",
    stats=dict(mean=[-0.0128945, -0.754762, -2.311, 7.41161], std=[2.41992, 2.90392, 0.696315, 5.69497], lyapunov=[1.042, 0.20718, -0.0033988, -13.698], max_lyapunov=0.98198, kaplan_yorke=3.0909, correlation_dimension=2.3057),
)
def HyperXu(x, t, a, b, c, d, e):
    X, Y, Z, W = x
    return stack(a * (Y - X) + W, b * X + e * X * Z, -c * Z - X * Y, X * Z - d * Y)


@builtin(
    params=dict(a=37, b=3, c=26, d=38),
    ic=[-6.5766207309, -4.61714543732, 17.7965152551, 0.807235731155],
    period=0.91270286,
    dt=0.00018257,
    description='A hyperchaotic system.',
    citation='Jürgen Meier (2003). Presentation of Attractors with Cinema.',
    variables=('x', 'y', 'z', 'w'),
    equations="x' = a (y - x); y' = (c - a) x - x z + c y; z' = x y - b z - y z + x z - w; w' = y z - x z - d w",
    stats=dict(mean=[1.70013, 1.70589, 17.9098, -0.190239], std=[6.66111, 7.0859, 9.19711, 1.69925], lyapunov=[0.91204, 0.15303, -14.977, -39.364], max_lyapunov=1.3946, kaplan_yorke=2.0711, correlation_dimension=1.7169),
)
def HyperYan(x, t, a, b, c, d):
    X, Y, Z, W = x
    return stack(a * (Y - X), (c - a) * X - X * Z + c * Y, X * Y - b * Z - Y * Z + X * Z - W, Y * Z - X * Z - d * W)


@builtin(
    params=dict(a=30, b=3, c=35, d=8),
    ic=[3.53446423489, 4.82852516303, 25.0491758889, 17.1185202745],
    period=0.91270286,
    dt=0.00018257,
    description='A hyperchaotic system.',
    citation='Jürgen Meier (2003). Presentation of Attractors with Cinema.',
    variables=('x', 'y', 'z', 'w'),
    equations="x' = a (y - x); y' = c x - x z + w; z' = x y - b z; w' = -d x",
    stats=dict(mean=[0.0964343, 0.1455, 32.3594, -2.33543], std=[9.92789, 10.4029, 9.55535, 17.9601], lyapunov=[0.57427, 0.32737, 0.02351, -34.773], max_lyapunov=0.42043, kaplan_yorke=3.0266, correlation_dimension=2.4395),
)
def HyperYangChen(x, t, a, b, c, d):
    X, Y, Z, W = x
    return stack(a * (Y - X), c * X - X * Z + W, X * Y - b * Z, -d * X)
