"""The web process's garbage collector, tuned once the application is loaded (config/wsgi.py; bench/pages.py
does the same so that it measures what the server runs).

With CPython's defaults (a young-generation collection every 700 new container objects, a full one now and
then) a page of 25 rows sets off about five collections, and every thirty pages or so a full collection walks
the 190,000 objects of the loaded application (Django, the URL patterns, the templates): 50-100 ms added to
that one request, which is what a page's p95 then shows. ``gc.freeze()`` moves the objects alive after
start-up out of the collector's sight (they are never freed anyway), and a young generation of 20,000 objects
lets a typical request finish between collections.
"""

import gc

YOUNG_THRESHOLD = 20_000


def tune_gc() -> None:
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
