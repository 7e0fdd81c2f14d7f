#!/usr/bin/env python
"""Serve the portal with a Celery worker and beat in one process tree; Ctrl-C stops all."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ADDRESS = os.environ.get("RUN_ADDRESS", "127.0.0.1:8000")


def main() -> int:
    commands = {
        "worker+beat": [
            str(BIN / "celery"),
            "-A",
            "riders_portal",
            "worker",
            "--beat",
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
            # No --queues: every queue of settings.CELERY_TASK_QUEUES (the default queue,
            # `reports`, `notify` and urgent webhook pages), in one process.
        ],
        "web": [sys.executable, "manage.py", "runserver", ADDRESS],
    }
    children = {name: subprocess.Popen(cmd, cwd=ROOT) for name, cmd in commands.items()}
    print(f"Riders Portal: http://{ADDRESS}/  (admin: http://{ADDRESS}/admin/)", flush=True)
    exit_code = 0
    try:
        while True:
            for name, child in children.items():
                if child.poll() is not None:
                    print(f"{name} stopped with exit code {child.returncode}", flush=True)
                    exit_code = child.returncode or 1
                    raise SystemExit
            time.sleep(0.5)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
