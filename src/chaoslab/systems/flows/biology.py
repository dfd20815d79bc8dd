"""Biology flows: neurons and excitable cells, cell signalling, population dynamics and food webs."""

from ._common import builtin, jnp, stack

builtin = builtin("biology")

# Initial phases of the reference clock coordinates (th' = omega), kept so that the explicit-time
# forcing matches the reference trajectory started from the reference state.
_CIRCADIAN_PHASE = 2004.0233
_TURCHIN_HANSKI_PHASE = 30363.85


@builtin(
    params=dict(a=1, alpha1=0.2, alpha2=1, b=1, c=10, k1=0.05, k2=0, zs=0.006),
    ic=[4.031713, 5.1113788, 0.016508812],
    period=6.6038,
    dt=0.001321,
    description=' A chaotic food web composed of interacting predators,, consumers, and vegetation.',
    citation='Blasius, Huppert, Stone. Nature 1999',
    variables=('x', 'y', 'z'),
    equations="x' = a x - alpha1 x y / (1 + k1 x); y' = -b y + alpha1 x y / (1 + k1 x) - alpha2 y z / (1 + k2 y); z' = -c (z - zs) + alpha2 y z / (1 + k2 y)",
    stats=dict(mean=[7.81228, 6.90924, 0.0917736], std=[2.9053, 2.57922, 0.184169], lyapunov=[0.047128, 0.0018031, -2.9363], max_lyapunov=0.12597, kaplan_yorke=2.0167, correlation_dimension=1.6872),
)
def Blasius(x, t, a, alpha1, alpha2, b, c, k1, k2, zs):
    X, Y, Z = x
    fxy = alpha1 * X * Y / (1 + k1 * X)
    fyz = alpha2 * Y * Z / (1 + k2 * Y)
    return stack(a * X - fxy, -b * Y + fxy - fyz, -c * (Z - zs) + fyz)


def _calcium(x, K2, K5, Ka, Kd, Ky, Kz, V0, V1, V4, Vm2, Vm3, Vm5, beta, eps, k, kf, m, n, p):
    """Houart-Dupont-Goldbeter model: cytosolic Ca2+ z, stored Ca2+ y, IP3 a."""
    Z, Y, A = x
    v2 = Vm2 * Z**2 / (K2**2 + Z**2)
    v3 = Vm3 * Z**m / (Kz**m + Z**m) * Y**2 / (Ky**2 + Y**2) * A**4 / (Ka**4 + A**4)
    v5 = Vm5 * A**p / (K5**p + A**p) * Z**n / (Kd**n + Z**n)
    return stack(V0 + V1 * beta - v2 + v3 + kf * Y - k * Z, v2 - v3 - kf * Y, beta * V4 - v5 - eps * A)


_CALCIUM_EQUATIONS = (
    "v2 = Vm2 z^2 / (K2^2 + z^2); v3 = Vm3 z^m / (Kz^m + z^m) y^2 / (Ky^2 + y^2) a^4 / (Ka^4 + a^4); "
    "v5 = Vm5 a^p / (K5^p + a^p) z^n / (Kd^n + z^n); z' = V0 + V1 beta - v2 + v3 + kf y - k z; "
    "y' = v2 - v3 - kf y; a' = beta V4 - v5 - eps a"
)


@builtin(
    params=dict(K2=0.1, K5=0.3194, Ka=0.1, Kd=1, Ky=0.3, Kz=0.6, V0=2, V1=2, V4=3, Vm2=6, Vm3=30, Vm5=50, beta=0.65, eps=13, k=10, kf=1, m=2, n=4, p=1),
    ic=[0.26162904, 1.0055612, 0.14407867],
    period=1.343,
    dt=0.00026864,
    description='Intracellular calcium ion oscillations.',
    citation='Houart, Dupont, Goldbeter. Bull Math Biol 1999.',
    variables=('z', 'y', 'a'),
    equations=_CALCIUM_EQUATIONS,
    stats=dict(mean=[0.330074, 0.899848, 0.133611], std=[0.0728095, 0.171507, 0.0116227], lyapunov=[0.57881, 0.022652, -9.2845], max_lyapunov=0.58029, kaplan_yorke=2.0648, correlation_dimension=1.2267),
)
def CaTwoPlus(x, t, K2, K5, Ka, Kd, Ky, Kz, V0, V1, V4, Vm2, Vm3, Vm5, beta, eps, k, kf, m, n, p):
    return _calcium(x, K2, K5, Ka, Kd, Ky, Kz, V0, V1, V4, Vm2, Vm3, Vm5, beta, eps, k, kf, m, n, p)


@builtin(
    params=dict(K2=0.1, K5=0.3, Ka=0.2, Kd=0.5, Ky=0.2, Kz=0.5, V0=2, V1=2, V4=5, Vm2=6, Vm3=20, Vm5=30, beta=0.51, eps=0.1, k=10, kf=1, m=2, n=4, p=2),
    ic=[0.26321067, 0.87886607, 0.3148781],
    period=0.65614,
    dt=0.00013125,
    description='Intracellular calcium ion oscillations with quasiperiodic parameter values. The original paper also includes parameters for a limit cycle',
    citation='Houart, Dupont, Goldbeter. Bull Math Biol 1999.',
    variables=('z', 'y', 'a'),
    equations=_CALCIUM_EQUATIONS,
    stats=dict(mean=[0.301132, 0.976786, 0.504588], std=[0.0806013, 0.11894, 0.204029], lyapunov=[0.16209, -0.022258, -0.054895], max_lyapunov=0.48083, kaplan_yorke=4.5478, correlation_dimension=1.8509),
)
def CaTwoPlusQuasiperiodic(x, t, K2, K5, Ka, Kd, Ky, Kz, V0, V1, V4, Vm2, Vm3, Vm5, beta, eps, k, kf, m, n, p):
    return _calcium(x, K2, K5, Ka, Kd, Ky, Kz, V0, V1, V4, Vm2, Vm3, Vm5, beta, eps, k, kf, m, n, p)


@builtin(
    params=dict(K=0.01, Kc=0.5, Kd1=0.02, Kim=0.65, V2=0.15, V4=0.05, Vm1=0.3, Vm3=0.1, kd1=0.001, vd=0.025, vi=0.05),
    ic=[0.71565329, 0.9489355, 0.98910371, 0.72138631, 0.94987035, 0.98912572],
    period=204.71,
    dt=0.040949,
    description='A simplified model of the cell cycle. The parameter `Kim` controls the bifurcations.',
    citation='Romond, Rustici, Gonze, Goldbeter. 1999.',
    variables=('c1', 'm1', 'x1', 'c2', 'm2', 'x2'),
    equations="two identical Goldbeter cdc2-cyclin oscillators (i = 1, 2; j = the other) coupled through cdc2 inhibition: "
    "ci' = vi Kim / (Kim + mj) - vd xi ci / (Kd1 + ci) - kd1 ci; "
    "mi' = Vm1 ci / (Kc + ci) (1 - mi) / (K + 1 - mi) - V2 mi / (K + mi); "
    "xi' = Vm3 mi (1 - xi) / (K + 1 - xi) - V4 xi / (K + xi)",
    stats=dict(mean=[0.598668, 0.708577, 0.83943, 0.735046, 0.912115, 0.987433], std=[0.154199, 0.231497, 0.240861, 0.163448, 0.078316, 0.00386252], lyapunov=[0.0046999, -0.00035676, -0.20916, -0.43395, -2.8505, -6.7676], max_lyapunov=0.010172, kaplan_yorke=2.0208, correlation_dimension=1.7559),
)
def CellCycle(x, t, K, Kc, Kd1, Kim, V2, V4, Vm1, Vm3, kd1, vd, vi):
    c1, m1, x1, c2, m2, x2 = x

    def module(c, m, xx, m_other):
        dc = vi * Kim / (Kim + m_other) - vd * xx * c / (Kd1 + c) - kd1 * c
        dm = Vm1 * c / (Kc + c) * (1 - m) / (K + 1 - m) - V2 * m / (K + m)
        dx = Vm3 * m * (1 - xx) / (K + 1 - xx) - V4 * xx / (K + xx)
        return dc, dm, dx

    return stack(*module(c1, m1, x1, m2), *module(c2, m2, x2, m1))


@builtin(
    params=dict(Ki=1, k=0.5, k1=0.3, k2=0.15, kd=1.4, kdn=0.4, km=0.4, ks=1, n=4, ps=24, vc=2.5, vd=6, vdn=1.5, vm=0.7, vmax=4.7, vmin=1),
    ic=[1.5401187, 5.3707921, 41.054266, 11.619073],
    period=27,
    dt=0.0054009,
    nonautonomous=True,
    description='The Drosophila circadian rhythm under periodic light/dark forcing.',
    citation=' Leloup, Gonze, Goldbeter. 1999. Gonze, Leloup, Goldbeter. 2000',
    variables=('m', 'fc', 'fs', 'fn'),
    equations="vs = vc ((1 + cos(2 pi t / ps + th0)) / 2 + vmin) (vmax - vmin); m' = vs Ki^n / (Ki^n + fn^n) - vm m / (km + m); "
    "fc' = ks m - k1 fc + k2 fn - k fc; fs' = k fc - vd fs / (kd + fs); fn' = k1 fc - k2 fn - vdn fn / (kdn + fn) "
    "(th0 = 2004.0233, the reference clock's initial phase)",
    stats=dict(mean=[6.30756, 9.79164, 17.6565, 10.2531], std=[4.54911, 5.50181, 12.4092, 5.69679], lyapunov=[0.092984, 0.00046502, -0.14586, -0.35985, -1.0914], max_lyapunov=0.0062633, kaplan_yorke=2.6406, correlation_dimension=1.6329),
)
def CircadianRhythm(x, t, Ki, k, k1, k2, kd, kdn, km, ks, n, ps, vc, vd, vdn, vm, vmax, vmin):
    M, FC, FS, FN = x
    vs = vc * ((1 + jnp.cos(2 * jnp.pi * t / ps + _CIRCADIAN_PHASE)) / 2 + vmin) * (vmax - vmin)
    return stack(
        vs * Ki**n / (Ki**n + FN**n) - vm * M / (km + M),
        ks * M - k1 * FC + k2 * FN - k * FC,
        k * FC - vd * FS / (kd + FS),
        k1 * FC - k2 * FN - vdn * FN / (kdn + FN),
    )


@builtin(
    params=dict(a1=2.5, a2=0.05, a3=0.4, b1=6, b2=1.333, d1=0.16, d2=0.004, delta=1, k1=6, k2=9, k4=9, vv=0.33333),
    ic=[0.10946017, 0.46664421, 0.66580212],
    period=122.77,
    dt=0.024558,
    description='A system of predator-prey equations with co-evolving prey.',
    citation='Gilpin & Feldman (2017). PLOS Comp Biol',
    variables=('x', 'y', 'alpha'),
    equations="x' = x (a1 alpha (1 - k1 x (delta - 1) alpha) / (1 + b1 alpha) - a3 y / (1 + b2 x) - d1 (1 - k2 (delta^2 - 1) alpha^2 + k4 (delta^4 - 1) alpha^4)); "
    "y' = y (a2 x / (1 + b2 x) - d2); "
    "alpha' = vv (-a1 k1 x alpha delta / (1 + b1 alpha) - d1 (4 k4 alpha^3 delta^4 - 2 k2 alpha delta^2))",
    stats=dict(mean=[0.0931772, 0.485028, 0.657967], std=[0.10271, 0.0811978, 0.0928432], lyapunov=[0.0034879, 0.0017392, -1.9677], max_lyapunov=0.007327, kaplan_yorke=2.0027, correlation_dimension=1.4534),
)
def CoevolvingPredatorPrey(x, t, a1, a2, a3, b1, b2, d1, d2, delta, k1, k2, k4, vv):
    # The reference mean/std equal (to 3 digits) those of the first 10 periods from the reference ic;
    # the long-run attractor has ~1.5x larger std, so the std of alpha fails verification.
    X, Y, A = x
    growth = a1 * A * (1 - k1 * X * (delta - 1) * A) / (1 + b1 * A)
    death = d1 * (1 - k2 * (delta**2 - 1) * A**2 + k4 * (delta**4 - 1) * A**4)
    return stack(
        X * (growth - a3 * Y / (1 + b2 * X) - death),
        Y * (a2 * X / (1 + b2 * X) - d2),
        vv * (-a1 * k1 * X * A * delta / (1 + b1 * A) - d1 * (4 * k4 * A**3 * delta**4 - 2 * k2 * A * delta**2)),
    )


@builtin(
    params=dict(aho=2.5, ahr=0.05, ahs=0.07, ams=0.1, amvb=25, amvo=2.5, ans=0.01, anvb=20, anvo=2, ar=0.1, bho=2, bhr=0.1, bmo=2.77777777778, bmr=0.0555555555556, bms=4, bno=0.375, bnr=0.0125, bns=0.125, gi=1800, gkc=11, gkv=1700, gl=7, kc=0.183333, rho=0.27, tscl=230, vc=100, vi=100, vk=-75, vl=-40, vm=-50, vn=-30),
    ic=[-44.5777997642, 0.131216436149, 0.465853358395],
    period=1,
    dt=0.00011058,
    description='A reduced-order variant of the Hodgkin-Huxley model. The parameter gkc controls the onset of chaos.',
    citation='Teresa Chay. Chaos In A Three-variable Model Of An Excitable Cell. Physica D 1985',
    variables=('v', 'n', 'c'),
    equations="am = ams (v + amvb) / (1 - exp(-ar v - amvo)); bm = bms exp(-bmr v - bmo); ah = ahs exp(-ahr v - aho); bh = 1 / (1 + exp(-bhr v - bho)); "
    "an = ans (v + anvb) / (1 - exp(-ar v - anvo)); bn = bns exp(-bnr v - bno); minf = am / (am + bm); hinf = ah / (ah + bh); ninf = an / (an + bn); "
    "v' = gi minf^3 hinf (vi - v) + gkv n^4 (vk - v) + gkc c / (1 + c) (vk - v) + gl (vl - v); n' = tscl (an + bn) (ninf - n); "
    "c' = rho (minf^3 hinf (vc - v) - kc c)",
    stats=dict(mean=[-43.9826, 0.143267, 0.469773], std=[4.43522, 0.0501036, 0.00344008], lyapunov=[17.03, -0.32671, -129.7], max_lyapunov=0.71643, kaplan_yorke=2.1288, correlation_dimension=0.19125),
)
def ExcitableCell(x, t, aho, ahr, ahs, ams, amvb, amvo, ans, anvb, anvo, ar, bho, bhr, bmo, bmr, bms, bno, bnr, bns, gi, gkc, gkv, gl, kc, rho, tscl, vc, vi, vk, vl, vm, vn):
    V, N, C = x
    am = ams * (V + amvb) / (1 - jnp.exp(-ar * V - amvo))
    bm = bms * jnp.exp(-bmr * V - bmo)
    ah = ahs * jnp.exp(-ahr * V - aho)
    bh = 1 / (1 + jnp.exp(-bhr * V - bho))
    an = ans * (V + anvb) / (1 - jnp.exp(-ar * V - anvo))
    bn = bns * jnp.exp(-bnr * V - bno)
    minf, hinf, ninf = am / (am + bm), ah / (ah + bh), an / (an + bn)
    g_in = minf**3 * hinf
    return stack(
        gi * g_in * (vi - V) + gkv * N**4 * (vk - V) + gkc * C / (1 + C) * (vk - V) + gl * (vl - V),
        tscl * (an + bn) * (ninf - N),
        rho * (g_in * (vc - V) - kc * C),
    )


@builtin(
    params=dict(a=0.7, b=0.8, curr=0.965, f=0.4008225, gamma=0.08, omega=0.0436507936508),
    ic=[-1.2155252, -0.046470891],
    period=42.122353,
    dt=0.0084259,
    nonautonomous=True,
    description='A driven neuron model sustaining both quiesent and oscillating states.',
    citation='FitzHugh, Richard (1961). Impulses and Physiological States in Theoretical Models of Nerve Membrane. Biophysical Journal. 1 (6).',
    variables=('v', 'w'),
    equations="v' = v - v^3 / 3 - w + curr + f sin(omega t); w' = gamma (v + a - b w)",
    stats=dict(mean=[0.145927, 1.03775], std=[1.34525, 0.707011], lyapunov=[0.0006271, -0.0017542, -0.95444], max_lyapunov=0.0075613, kaplan_yorke=1.5706, correlation_dimension=1.616),
)
def ForcedFitzHughNagumo(x, t, a, b, curr, f, gamma, omega):
    V, W = x
    return stack(V - V**3 / 3 - W + curr + f * jnp.sin(omega * t), gamma * (V + a - b * W))


@builtin(
    params=dict(a1=5, a2=0.1, b1=3, b2=2, d1=0.4, d2=0.01),
    ic=[0.73207001, 0.17549271, 9.9014657],
    period=135.19,
    dt=0.027043,
    description='A three species food web.',
    citation='Hastings, Powell. Ecology 1991',
    variables=('x', 'y', 'z'),
    equations="x' = x (1 - x) - a1 x y / (1 + b1 x); y' = a1 x y / (1 + b1 x) - a2 y z / (1 + b2 y) - d1 y; z' = a2 y z / (1 + b2 y) - d2 z",
    stats=dict(mean=[0.748204, 0.137498, 9.09142], std=[0.207176, 0.0957831, 0.873538], lyapunov=[0.008585, 0.005765, -0.51692], max_lyapunov=0.012533, kaplan_yorke=2.0278, correlation_dimension=1.0148),
)
def HastingsPowell(x, t, a1, a2, b1, b2, d1, d2):
    X, Y, Z = x
    f1 = a1 * X * Y / (1 + b1 * X)
    f2 = a2 * Y * Z / (1 + b2 * Y)
    return stack(X * (1 - X) - f1, f1 - f2 - d1 * Y, f2 - d2 * Z)


@builtin(
    params=dict(a=0.49, b=1, c=0.0322, d=1, s=1, tx=0.03, tz=0.8),
    ic=[0.031111835, -0.021557059, 0.041475046],
    period=1.752,
    dt=0.00035046,
    description='A neuron model exhibiting spiking and bursting.',
    citation='Marhl, Perc. Chaos, Solitons, Fractals 2005.',
    variables=('x', 'y', 'z'),
    equations="x' = -x + (y - a x^3 + b x^2 + z) / tx; y' = -a x^3 - (d - b) x^2 + z; z' = (-s x - z + c) / tz",
    stats=dict(mean=[0.00297334, -0.105957, 0.0289079], std=[0.326498, 0.148145, 0.118027], lyapunov=[0.26215, 0.0017705, -6.5107], max_lyapunov=0.65354, kaplan_yorke=2.0405, correlation_dimension=1.646),
)
def HindmarshRose(x, t, a, b, c, d, s, tx, tz):
    X, Y, Z = x
    return stack(-X + (Y - a * X**3 + b * X**2 + Z) / tx, -a * X**3 - (d - b) * X**2 + Z, (-s * X - Z + c) / tz)


@builtin(
    params=dict(a12=1, a13=2.5, a21=1.5, a31=0.2, d3=0.5, k3=1, r2=0.6, r3=4.5),
    ic=[0.051730215, 0.87071642, 0.015926427],
    period=49.74,
    dt=0.0099497,
    description='A model of cancer cell populations.',
    citation='Itik, Banks. Int J Bifurcat Chaos 2010',
    variables=('x', 'y', 'z'),
    equations="x' = x (1 - x) - a12 x y - a13 x z; y' = r2 y (1 - y) - a21 x y; z' = r3 x z / (x + k3) - a31 x z - d3 z",
    stats=dict(mean=[0.150792, 0.624933, 0.0882841], std=[0.186424, 0.29751, 0.166791], lyapunov=[0.022157, -0.013539, -0.56108], max_lyapunov=0.036215, kaplan_yorke=2.0153, correlation_dimension=1.0127),
)
def ItikBanksTumor(x, t, a12, a13, a21, a31, d3, k3, r2, r3):
    X, Y, Z = x
    return stack(
        X * (1 - X) - a12 * X * Y - a13 * X * Z,
        r2 * Y * (1 - Y) - a21 * X * Y,
        r3 * X * Z / (X + k3) - a31 * X * Z - d3 * Z,
    )


@builtin(
    params=dict(c=[[0.04, 0.04, 0.07, 0.04, 0.04], [0.08, 0.08, 0.08, 0.1, 0.08], [0.1, 0.1, 0.1, 0.1, 0.14], [0.05, 0.03, 0.03, 0.03, 0.03], [0.07, 0.09, 0.07, 0.07, 0.07]], d=0.25, k=[[0.39, 0.34, 0.3, 0.24, 0.23], [0.22, 0.39, 0.34, 0.3, 0.27], [0.27, 0.22, 0.39, 0.34, 0.3], [0.3, 0.24, 0.22, 0.39, 0.34], [0.34, 0.3, 0.22, 0.2, 0.39]], m=0.25, r=1, s=[6, 10, 14, 4, 9]),
    ic=[9.4323333, 18.838654, 34.37572, 15.08545, 42.228427, 0.17030505, 0.10144427, 0.3148045, 0.21253581, 0.22598604],
    period=43.406,
    dt=0.0086826,
    description="Population abundances in a plankton community, based on MacArthur's consumer resource model. Growth rates are determined using Liebig's law of the maximum",
    citation='MacArthur, R. 1969. Species packing, and what competition minimizes. PNAS 64:1369. Parameter values taken from a model of phytoplankton in Huisman & Weissing. Nature 1999.',
    variables=('N1', 'N2', 'N3', 'N4', 'N5', 'R1', 'R2', 'R3', 'R4', 'R5'),
    equations="species N_i, resources R_j (k[j, i], c[j, i]: half-saturation and content of resource j in species i); "
    "mu_i = min_j r R_j / (k[j, i] + R_j) (Liebig's law of the minimum); N_i' = N_i (mu_i - m); R_j' = d (s_j - R_j) - sum_i c[j, i] mu_i N_i",
    stats=dict(mean=[12.3449, 20.5792, 31.5731, 12.727, 42.5374, 0.262343, 0.164529, 0.322339, 0.160252, 0.205102], std=[2.31772, 4.17934, 4.64845, 2.40394, 4.95939, 0.14469, 0.0507046, 0.210791, 0.0430896, 0.0802204], lyapunov=[0.19346, 0.0048666, -0.043113, -0.17665, -0.30358, -0.30392, -0.30475, -0.30518, -0.30589, -17.375], max_lyapunov=0.24946, kaplan_yorke=3.8961, correlation_dimension=2.2702),
)
def MacArthur(x, t, c, d, k, m, r, s):
    k, c, s = jnp.asarray(k), jnp.asarray(c), jnp.asarray(s)
    N, R = x[:5], x[5:]
    mu = jnp.min(r * R[:, None] / (k + R[:, None]), axis=0)
    return jnp.concatenate([N * (mu - m), d * (s - R) - c @ (mu * N)])


@builtin(
    params=dict(a=15, d=8.3, k=400, lam=0.06, m=15.5, mu=3.4, r=22, th=10),
    ic=[231.92548, 89.511944, 56.753804],
    period=0.96738,
    dt=0.00019351,
    description='An eco-epidemiological model of bird and fish abundances in the Salton sea of southern California.',
    citation='Upadhyay, Bairagi, Kundu, Chattopadhyay (2007).Chaos in eco-epidemiological problem of the Salton Sea and its possible control. Applied mathematics and computation.',
    variables=('s', 'i', 'p'),
    equations="s' = r s (1 - (s + i) / k) - lam s i; i' = lam s i - m i p / (i + a) - mu i; p' = th i p / (i + a) - d p",
    stats=dict(mean=[219.969, 85.8628, 55.8326], std=[66.5961, 36.4116, 8.53218], lyapunov=[0.39144, -0.0037579, -4.5929], max_lyapunov=1.0703, kaplan_yorke=2.0844, correlation_dimension=1.6993),
)
def SaltonSea(x, t, a, d, k, lam, m, mu, r, th):
    S, I, P = x
    return stack(
        r * S * (1 - (S + I) / k) - lam * S * I,
        lam * S * I - m * I * P / (I + a) - mu * I,
        th * I * P / (I + a) - d * P,
    )


@builtin(
    params=dict(a=8, d=0.04, e=0.5, g=0.1, h=0.8, lamb=1, r=8.12, s=1.25),
    ic=[0.018027788, 0.013649976],
    period=4.4052941,
    dt=0.00088121,
    nonautonomous=True,
    description=' A chaotic three species food web. The species growth rate has been increased from the default parameters in the original paper, in order to ensure that the system exhibits sustained chaotic oscillations.',
    citation='Turchin, Hanski. The American Naturalist 1997. Turchin, Hanski. Ecology 2000',
    variables=('n', 'p'),
    equations="season = 1 - e sin(2 pi t + th0); n' = r season n - r n^2 - g n^2 / (n^2 + h^2) - a n p / (n + d); "
    "p' = s season p - s p^2 / n (th0 = 30363.85, the reference clock's initial phase)",
    stats=dict(mean=[0.486702, 0.140695], std=[0.392754, 0.0952971], lyapunov=[0.037198, -0.18118, -2.5228], max_lyapunov=0.12907, kaplan_yorke=1.2053, correlation_dimension=1.621),
)
def TurchinHanski(x, t, a, d, e, g, h, lamb, r, s):
    N, P = x
    season = 1 - e * jnp.sin(2 * jnp.pi * t + _TURCHIN_HANSKI_PHASE)
    return stack(
        r * season * N - r * N**2 - g * N**2 / (N**2 + h**2) - a * N * P / (N + d),
        s * season * P - s * P**2 / N,
    )
