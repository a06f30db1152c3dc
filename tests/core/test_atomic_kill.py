"""A writer killed in the middle of an atomic write leaves the old file whole, never half a new one."""

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WRITER = textwrap.dedent(
    """
    import sys, time
    from core.storage.atomic import atomic_output

    with atomic_output(sys.argv[1]) as stream:
        stream.write(b"new" * 100_000)
        stream.flush()
        print("half written", flush=True)
        time.sleep(60)  # killed here
        stream.write(b"end")
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_killing_a_writer_mid_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "project.sfproj"
    target.write_bytes(b"old project")
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert writer.stdout.readline().strip() == "half written"
        writer.send_signal(signal.SIGKILL)
    finally:
        writer.wait(timeout=60)
    assert target.read_bytes() == b"old project"
    leftovers = [path.name for path in tmp_path.iterdir() if path != target]
    assert all(name.startswith(".project.sfproj.") and name.endswith(".tmp") for name in leftovers), leftovers
