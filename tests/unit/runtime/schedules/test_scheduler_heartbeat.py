"""`hexad scheduler` touches a heartbeat file while its loop turns, and removes it when it stops."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from hexad.cli.scheduler_cmd import heartbeat


async def test_the_heartbeat_is_touched_while_running_and_removed_on_stop(tmp_path: Path) -> None:
    path = tmp_path / "run" / "scheduler.alive"
    stop = asyncio.Event()
    beating = asyncio.create_task(heartbeat(path, stop, every=0.01))
    await asyncio.sleep(0.05)
    assert path.exists()
    os.utime(path, (0, 0))  # as if it had gone stale
    await asyncio.sleep(0.05)
    assert path.stat().st_mtime > 0  # touched again
    stop.set()
    await asyncio.wait_for(beating, 5)
    assert not path.exists()
