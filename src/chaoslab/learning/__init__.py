"""Training as a dynamical system: an optimiser step on a model and a loss is a map System,
analysed with the same tools as any other (Lyapunov spectra, tangent dynamics, sweeps), plus the
curvature of the loss along training (Lanczos, Hutchinson), twin runs and learning-rate sweeps.

Submodules: :mod:`.data` (offline datasets), :mod:`.models` (equinox models and losses),
:mod:`.setups` (named model/data/loss setups), :mod:`.training` (training maps, runs, Lyapunov
exponents), :mod:`.curvature` (Hessian eigenvalues and traces, sharpness along training),
:mod:`.twins` (twin runs), :mod:`.sweeps` (learning-rate sweeps and bifurcations),
:mod:`.jacobian` (the training Jacobian and its singular values), :mod:`.numerics` (softmax
collapse)."""
