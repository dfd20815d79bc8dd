"""Training as a dynamical system: an optimiser step on a model and a loss is a map System,
analysed with the same tools as any other (Lyapunov spectra, tangent dynamics, sweeps), plus the
curvature of the loss along training (Lanczos, Hutchinson), twin runs and learning-rate sweeps.

Submodules: :mod:`.data` (offline datasets), :mod:`.models` (equinox models and losses),
:mod:`.curvature` (Hessian eigenvalues and traces), :mod:`.training` (training maps)."""
