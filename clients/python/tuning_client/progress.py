"""A one-line progress bar on stderr, drawn only when stderr is a terminal."""
import sys
from typing import Any, Dict, Optional, TextIO

WIDTH = 30


class ProgressBar:
    def __init__(self, label: str, stream: Optional[TextIO] = None):
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()

    def update(self, progress: Dict[str, Any]) -> None:
        if not self.enabled:
            return
        evaluated, total = progress.get("evaluated") or 0, progress.get("total") or 0
        filled = int(WIDTH * evaluated / total) if total else 0
        best = progress.get("best_score")
        elapsed = progress.get("elapsed_seconds")
        line = f"\r{self.label} [{'#' * filled}{'.' * (WIDTH - filled)}] {evaluated}/{total or '?'}"
        if best is not None:
            line += f"  best {best:.4g}"
        if elapsed is not None:
            line += f"  {elapsed:.0f}s"
        self.stream.write(line)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
