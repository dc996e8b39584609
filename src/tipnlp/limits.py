"""Default input limits, shared by `classify`, `segment` and `batch` so they cannot drift.

A researcher's folder holds thousand-page gazettes and the odd broken export; these defaults let the
real ones through (the largest document in the shared corpus has 95 pages) and stop the pathological
ones before they cost minutes or gigabytes. Every limit can be raised on the command line.
"""

#: Documents with more pages are refused (error code ``too_large``; ``--max-pages``).
DEFAULT_MAX_PAGES = 5000
#: Files larger than this are refused before they are read (``--max-bytes``).
DEFAULT_MAX_BYTES = 200 * 1024 * 1024
#: Seconds one document may take in ``tipnlp batch`` before it is recorded as ``timeout``
#: (``--timeout``; 0 turns the limit off). A 1,000-page PDF takes about 15 s on 2 cores.
DEFAULT_BATCH_TIMEOUT = 600.0
