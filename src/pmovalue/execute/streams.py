"""The forked kernels' stdout and stderr: ipykernel's, minus the flushes of empty buffers.

ipykernel flushes both streams before every display and at the end of every cell. A flush
hands the buffered text to the IOPub thread and waits for that thread to answer: two thread
hand-offs, even when nothing was written. Our notebooks print little, so nearly every flush
was empty: skipping those cut a unit page's kernel CPU by ~10%. A flush with text buffered
runs as in ipykernel, so text still comes before the display that follows it. Imported by the
kernel zygote only (ipykernel is a kernel-side library).
"""

from __future__ import annotations

from ipykernel.iostream import OutStream


class KernelStream(OutStream):
    def flush(self) -> None:
        # `_buffers` holds the text written since the last flush (one buffer per parent
        # message); a missing attribute (another ipykernel version) means: flush as usual.
        if getattr(self, "_buffers", True):
            super().flush()
