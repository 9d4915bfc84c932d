"""Eventlet must patch the standard library before anything imports sockets or threads:
nameko containers hang under plain pytest otherwise."""

import warnings

warnings.filterwarnings("ignore", message=".*Eventlet is deprecated", category=DeprecationWarning)

import eventlet  # noqa: E402

eventlet.monkey_patch()

pytest_plugins = ["services.chassis.testing"]
