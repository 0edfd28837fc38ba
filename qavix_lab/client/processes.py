"""Whether a process still runs: for the files and jobs a process leaves behind when it dies
(``.part`` downloads, ledger jobs it was sending, the CLI's sandbox state)."""

from __future__ import annotations

import os


def process_alive(pid: int) -> bool:
    """True while process ``pid`` runs on this machine (or exists under another user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists; it is just not ours to signal
        return True
    except OSError:
        return False
    return True
