"""`python -m tests.data.hostile DIR`: the hostile files, written to DIR (default tests/data/hostile/out)."""
import sys
from pathlib import Path

from tests.data.hostile import write

write(Path(sys.argv[1] if len(sys.argv) > 1 else "tests/data/hostile/out"))
