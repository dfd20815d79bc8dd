"""The catalog: every flow and map of the standard benchmark is present, well formed and verified.

The fast subset runs in CI; ``pytest --slow`` verifies the whole catalog (see
chaoslab/systems/verify.py for the statistical criterion and its tolerance).
"""

import numpy as np
import pytest

import chaoslab as cl
from chaoslab.systems.verify import check

FLOWS = [
    "Aizawa", "AnishchenkoAstakhov", "Arneodo", "ArnoldBeltramiChildress", "ArnoldWeb", "AtmosphericRegime",
    "BeerRNN", "BelousovZhabotinsky", "BickleyJet", "Blasius", "BlinkingRotlet", "BlinkingVortex", "Bouali",
    "Bouali2", "BurkeShaw", "CaTwoPlus", "CaTwoPlusQuasiperiodic", "CellCycle", "CellularNeuralNetwork",
    "Chen", "ChenLee", "Chua", "CircadianRhythm", "CoevolvingPredatorPrey", "Colpitts", "Coullet", "Dadras",
    "DequanLi", "DoubleGyre", "DoublePendulum", "Duffing", "ExcitableCell", "Finance", "FluidTrampoline",
    "ForcedBrusselator", "ForcedFitzHughNagumo", "ForcedVanDerPol", "GenesioTesi", "GlycolyticOscillation",
    "GuckenheimerHolmes", "Hadley", "Halvorsen", "HastingsPowell", "HenonHeiles", "HindmarshRose",
    "Hopfield", "HyperBao", "HyperCai", "HyperJha", "HyperLorenz", "HyperLu", "HyperPang", "HyperQi",
    "HyperRossler", "HyperWang", "HyperXu", "HyperYan", "HyperYangChen", "IkedaDelay", "InteriorSquirmer",
    "IsothermalChemical", "ItikBanksTumor", "JerkCircuit", "KawczynskiStrizhak", "Laser",
    "LidDrivenCavityFlow", "LiuChen", "Lorenz", "Lorenz84", "Lorenz96", "LorenzBounded", "LorenzCoupled",
    "LorenzStenflo", "LuChen", "LuChenCheng", "MacArthur", "MackeyGlass", "MooreSpiegel", "MultiChua",
    "NewtonLiepnik", "NoseHoover", "NuclearQuadrupole", "OscillatingFlow", "PanXuZhou", "PehlivanWei",
    "PiecewiseCircuit", "Qi", "QiChen", "RabinovichFabrikant", "RayleighBenard", "RikitakeDynamo", "Rossler",
    "Rucklidge", "Sakarya", "SaltonSea", "SanUmSrisuchinwong", "ScrollDelay", "ShimizuMorioka", "SprottA",
    "SprottB", "SprottC", "SprottD", "SprottDelay", "SprottE", "SprottF", "SprottG", "SprottH", "SprottI",
    "SprottJ", "SprottJerk", "SprottK", "SprottL", "SprottM", "SprottMore", "SprottN", "SprottO", "SprottP",
    "SprottQ", "SprottR", "SprottS", "SprottTorus", "StickSlipOscillator", "SwingingAtwood", "Thomas",
    "ThomasLabyrinth", "Torus", "Tsucs2", "TurchinHanski", "VallisElNino", "VossDelay", "WangSun",
    "WindmiReduced", "YuWang", "YuWang2", "ZhouChen",
]
MAPS = [
    "Baker", "Bedhead", "BlinkingVortexMap", "Bogdanov", "Chebyshev", "Chirikov", "Circle", "DeJong",
    "DuffingMap", "EndCap", "Gauss", "Gingerbreadman", "GumowskiMira", "Henon", "Hopalong", "Ikeda",
    "KaplanYorke", "Logistic", "MaynardSmith", "Pickover", "Ricker", "Svensson", "Tent", "Tinkerbell",
    "Zaslavskii", "ZeraouliaSprott",
]
DELAY = ['IkedaDelay', 'MackeyGlass', 'PiecewiseCircuit', 'ScrollDelay', 'SprottDelay', 'VossDelay']

# one or more per field, including delay, forced, Hamiltonian and hyperchaotic systems
REPRESENTATIVE = ["Lorenz", "Rossler", "SprottB", "HyperRossler", "Chua", "HindmarshRose", "Duffing",
                  "DoubleGyre", "BelousovZhabotinsky", "MackeyGlass", "Henon", "Ikeda", "Logistic"]


def test_catalog_is_complete():
    assert len(FLOWS) == 135 and len(MAPS) == 26
    assert set(cl.list_systems("flow")) == set(FLOWS)
    assert set(cl.list_systems("map")) == set(MAPS)
    assert set(cl.list_systems("delay")) == set(DELAY)


@pytest.mark.parametrize("name", FLOWS + MAPS)
def test_system_is_well_formed(name):
    s = cl.get_system(name)
    assert s.citation and s.reference_ic is not None
    assert s.period is not None and s.period > 0
    p = s.resolve_params()
    x = np.asarray(s.ic)
    if s.delay:
        y = s.rhs_delay(x[-1:], x[:1], 0.0, p)
        assert y.shape == (1,)
    else:
        assert x.shape == (s.dim,)
        y = s.rhs(x, 0.0, p)
        assert y.shape == (s.dim,)
        assert s.jac(x, 0.0, p).shape == (s.dim, s.dim)
    assert np.all(np.isfinite(np.asarray(y)))


@pytest.mark.parametrize("name", REPRESENTATIVE)
def test_representative_systems_verify(name):
    r = check(cl.get_system(name))
    assert r.passed, r.detail


@pytest.mark.slow
def test_whole_catalog_verifies():
    results = [check(cl.get_system(n)) for n in FLOWS + MAPS]
    flows = [r for r in results if r.kind != "map"]
    failed = [f"{r.name}: {r.detail}" for r in results if not r.passed]
    assert sum(r.passed for r in flows) >= 0.95 * len(flows), failed
    assert all(r.passed for r in results if r.kind == "map"), failed
