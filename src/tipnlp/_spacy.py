"""Import spaCy for tipnlp's own light uses (sentence splitting, the lexicon matcher) without torch.

spaCy's thinc imports torch at import time whenever torch is installed (and asks CUDA for devices),
which costs 3-4 s and ~180 MB per process although no tipnlp use of spaCy needs it. While spaCy is
first imported here, a finder refuses ``torch`` — unless torch is already imported, or
``TIPNLP_SPACY_TORCH=1`` is set. Code that imports torch later gets it as usual.
"""

from __future__ import annotations

import importlib.abc
import os
import sys


class _RefuseTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname == "torch" or fullname.startswith("torch."):
            raise ModuleNotFoundError(f"No module named {fullname!r} (hidden while tipnlp imports spaCy)")
        return None


def import_spacy():
    """``import spacy``, keeping torch out of the process when it is not already there."""
    if "spacy" in sys.modules or "torch" in sys.modules or os.environ.get("TIPNLP_SPACY_TORCH") == "1":
        import spacy

        return spacy
    finder = _RefuseTorch()
    sys.meta_path.insert(0, finder)
    try:
        import spacy
    finally:
        sys.meta_path.remove(finder)
    return spacy
