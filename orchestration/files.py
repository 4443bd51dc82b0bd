"""Files other processes may read while they are written."""
import os
import shutil
from pathlib import Path


def copy_whole(src: Path, dest: Path) -> None:
    """Copy under a temporary name beside dest, then rename: a reader sees the old file or the new
    one, never half of it (a rename is atomic on one file system)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    shutil.copy(src, tmp)
    os.replace(tmp, dest)
