"""The tests' keyring: in memory, selected explicitly by the `memory_keyring` fixture (or by
PYTHON_KEYRING_BACKEND=tests.support.memory_keyring.TestKeyring in a test's subprocess).

Unlike the demo's, it counts as persistent: a test's process is the whole life of the
store under test, so production code paths run with it as with an OS keyring.
"""

from __future__ import annotations

from client.store.memory_keyring import MemoryKeyring


class TestKeyring(MemoryKeyring):
    __test__ = False  # not a pytest test class
    persistent = True
