import pytest

from tests.engine.definitions.copies import copy_definitions


@pytest.fixture
def defs(tmp_path):
    """A writable copy of the shipped definitions."""
    return copy_definitions(tmp_path)
