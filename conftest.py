"""Eventlet must patch the standard library before anything imports sockets or threads:
nameko containers hang under plain pytest otherwise."""

import warnings

warnings.filterwarnings("ignore", message=".*Eventlet is deprecated", category=DeprecationWarning)

import eventlet  # noqa: E402

eventlet.monkey_patch()

pytest_plugins = ["services.chassis.testing"]

import gc  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import traceback  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from typing import Any  # noqa: E402

import greenlet  # noqa: E402
import pytest  # noqa: E402

# A test still running after this long has every green thread's stack written out, before
# pytest-timeout (300 s) ends the run: its own dump sees only real threads, and under eventlet
# the test's work is in green ones, so a hang would say nothing of where it waits.
WATCHDOG_SECONDS = float(os.environ.get("CASEWORK_TEST_WATCHDOG_SECONDS", "240"))
_threading = eventlet.patcher.original("threading")


def _write_every_stack(item: pytest.Item) -> None:
    stacks = ["".join(traceback.format_stack(frame)) for frame in sys._current_frames().values()]
    stacks += [
        "".join(traceback.format_stack(green.gr_frame))
        for green in gc.get_objects()
        if isinstance(green, greenlet.greenlet) and green.gr_frame is not None
    ]
    capture: Any = item.config.pluginmanager.getplugin("capturemanager")
    if capture is not None:
        capture.suspend_global_capture(in_=True)
    writer = item.config.get_terminal_writer()
    writer.sep("~", f"{item.nodeid} still runs after {WATCHDOG_SECONDS} s: every stack")
    writer.write("\n-----\n".join(stacks) + "\n")
    writer.flush()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    done = _threading.Event()

    def watch() -> None:
        if not done.wait(WATCHDOG_SECONDS):
            _write_every_stack(item)

    _threading.Thread(target=watch, name="hang-watchdog", daemon=True).start()
    yield
    done.set()


@pytest.fixture(scope="session")
def vhost_pipeline(request: pytest.FixtureRequest) -> Iterator[Any]:
    """nameko's vhost per test, but made once and emptied for each next test rather than
    deleted and made again (services/chassis/vhost_pool.py says why)."""
    from urllib.parse import urlparse

    from services.chassis.vhost_pool import ReusedVhosts

    # "localhost" may resolve to ::1 first, where the broker does not listen.
    def ipv4(uri: str) -> str:
        return uri.replace("@localhost:", "@127.0.0.1:").replace("//localhost:", "//127.0.0.1:")

    amqp = urlparse(ipv4(request.config.getoption("RABBIT_AMQP_URI")))
    pool = ReusedVhosts(
        f"{ipv4(request.config.getoption('RABBIT_API_URI')).rstrip('/')}/api",
        f"{amqp.scheme}://{amqp.netloc}",
        amqp.username or "guest",
    )
    yield pool
    pool.close()


# A container's kill that never returns (an extension waiting on a broker that will not
# answer) would hang the whole run: each container is given this long to die, then left behind
# with its stacks written out, and the run goes on.
CONTAINER_KILL_SECONDS = float(os.environ.get("CASEWORK_TEST_CONTAINER_KILL_SECONDS", "30"))


@pytest.fixture
def container_factory() -> Iterator[Any]:
    """nameko's `container_factory`, with each container's kill bounded in time."""
    import nameko
    from nameko.containers import get_container_cls

    containers: list[tuple[Any, Any]] = []

    def make_container(service_cls: type, config: dict[str, Any] | None = None) -> Any:
        patch = nameko.config.patch(config) if config else None
        if patch is not None:
            patch.start()
        container = get_container_cls()(service_cls)
        containers.append((container, patch))
        return container

    yield make_container

    for container, patch in reversed(containers):
        try:
            with eventlet.Timeout(CONTAINER_KILL_SECONDS):
                container.kill()
        except eventlet.Timeout:
            stacks = [
                "".join(traceback.format_stack(green.gr_frame))
                for green in gc.get_objects()
                if isinstance(green, greenlet.greenlet) and green.gr_frame is not None
            ]
            sys.stderr.write(
                f"{container.service_name} did not die in {CONTAINER_KILL_SECONDS} s:\n"
                + "\n-----\n".join(stacks)
                + "\n"
            )
        except Exception as exc:  # nameko's own fixture ignores a failing kill too
            sys.stderr.write(f"{container.service_name} failed while being killed: {exc!r}\n")
        if patch is not None:
            patch.stop()
