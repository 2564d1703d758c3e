"""The copy of upstream code in PromptClient follows the installed jupyter_client."""

from __future__ import annotations

import hashlib
import inspect

import jupyter_client
from jupyter_client.client import KernelClient

from pmovalue.execute.forked import UPSTREAM, UPSTREAM_SHA256, PromptClient


def test_prompt_client_follows_the_installed_jupyter_client() -> None:
    source = inspect.getsource(KernelClient._async_wait_for_ready)
    digest = hashlib.sha256(source.encode()).hexdigest()
    assert digest == UPSTREAM_SHA256, (
        f"jupyter_client {jupyter_client.__version__} changed "
        "KernelClient._async_wait_for_ready, which pmovalue.execute.forked.PromptClient "
        f"restates (it follows {UPSTREAM}). Re-check the copy against the new source: the "
        "kernel_info loop, the IOPub check after the reply, the errors it raises, and the "
        "final IOPub drain (the one change besides the heartbeat wait); then record the new "
        f"version in UPSTREAM and this hash in UPSTREAM_SHA256: {digest}"
    )


def test_prompt_client_overrides_what_nbclient_calls() -> None:
    # nbclient awaits `wait_for_ready`: ours must be what it gets, for the async client.
    assert PromptClient.wait_for_ready is PromptClient._async_wait_for_ready
    assert PromptClient._async_wait_for_ready is not KernelClient._async_wait_for_ready
