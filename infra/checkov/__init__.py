# checkov imports the custom checks of this folder through it (external-checks-dir in infra/checkov.yml).
from glob import glob
from os.path import basename, dirname, isfile, join

__all__ = [basename(f)[:-3] for f in glob(join(dirname(__file__), "*.py")) if isfile(f) and not f.endswith("__init__.py")]
