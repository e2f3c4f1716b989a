"""The Japanese morphological analyser (SudachiPy with its core dictionary), shared by the
domains that read Japanese text (knowledge search, threat detection).

One Dictionary per process, loaded on first use (it holds the whole core dictionary, tens of
MB); Sudachi tokenizers are not thread-safe, so each thread gets its own, in split mode C.
"""

import threading

from sudachipy import Dictionary, SplitMode

_dictionary: Dictionary | None = None
_lock = threading.Lock()
_local = threading.local()


def tokenizer():
    """This thread's tokenizer (split mode C) over the process's one dictionary."""
    found = getattr(_local, "tokenizer", None)
    if found is None:
        global _dictionary
        with _lock:
            if _dictionary is None:
                _dictionary = Dictionary(dict="core")
        found = _local.tokenizer = _dictionary.tokenizer(mode=SplitMode.C)
    return found
