"""Records the git commit chaoslab is built from (chaoslab/_commit.txt) for benchmark metadata;
everything else is in pyproject.toml."""

import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def _commit() -> str:
    spec = importlib.util.spec_from_file_location("_gitinfo", HERE / "src" / "chaoslab" / "_gitinfo.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.checkout_commit(HERE)


class BuildWithCommit(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib) / "chaoslab" / "_commit.txt"
        if target.parent.is_dir():
            target.write_text(_commit() + "\n")


setup(cmdclass={"build_py": BuildWithCommit})
