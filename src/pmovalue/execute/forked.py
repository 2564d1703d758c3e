"""The client side of a kernel forked by the zygote (see `pmovalue.execute.kernels`).

Imported only when a kernel is wanted: jupyter_client is not needed before the first job.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.utils import ensure_async

from pmovalue.execute.processes import alive

# The upstream function PromptClient restates: its version, and a hash of its source, which a
# test compares with the installed one (tests/unit/test_prompt_client.py).
UPSTREAM = "jupyter_client 8.10.0, jupyter_client/client.py: KernelClient._async_wait_for_ready"
UPSTREAM_SHA256 = "0d732ad86fea311502a6bfc53d8b1be6055f3813ec4f13ef717f8adbbd37ec56"


class PromptClient(AsyncKernelClient):
    """jupyter_client's client, minus a fixed 0.2 s wait in every kernel start.

    `wait_for_ready` ends by draining IOPub until nothing arrives for 0.2 s. Here IOPub is
    drained of what it already holds and no more: later stray messages are harmless, as
    nbclient matches every message to its request.

    A copy of UPSTREAM with two changes: that last drain, and no heartbeat wait first (upstream
    skips it too when the client's parent is a kernel manager, as ours always is). Nothing
    else would do: the same 0.2 s timeout also checks that IOPub is connected, which stays."""

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (timeout if timeout is not None else float("inf"))
        while True:
            self.kernel_info()
            try:
                msg = await ensure_async(self.shell_channel.get_msg(timeout=1))
            except Empty:
                pass
            else:
                if msg["msg_type"] == "kernel_info_reply":
                    try:  # IOPub connected too? (ipykernel greets each new subscriber)
                        await ensure_async(self.iopub_channel.get_msg(timeout=0.2))
                    except Empty:
                        pass
                    else:
                        self._handle_kernel_info_reply(msg)
                        break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")
        while True:
            try:
                await ensure_async(self.iopub_channel.get_msg(timeout=0))
            except Empty:
                break

    wait_for_ready = _async_wait_for_ready


class ForkedKernelManager(AsyncKernelManager):
    """Manages a kernel forked by the zygote: not our child, so we track it by pid."""

    pid: int | None = None

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.client_factory = PromptClient

    @property
    def has_kernel(self) -> bool:
        return alive(self.pid)

    async def _async_is_alive(self) -> bool:
        return alive(self.pid)

    is_alive = _async_is_alive

    async def _async_interrupt_kernel(self) -> None:
        if self.pid is not None:
            os.kill(self.pid, signal.SIGINT)

    interrupt_kernel = _async_interrupt_kernel

    async def _async_shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        self.kill()

    shutdown_kernel = _async_shutdown_kernel

    def kill(self) -> None:
        if self.pid is not None and alive(self.pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
        self.pid = None
        self.cleanup_connection_file()
        self.cleanup_ipc_files()
