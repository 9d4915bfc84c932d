"""Eventlet must patch the standard library before anything imports sockets or threads:
nameko containers hang under plain pytest otherwise."""

import eventlet

eventlet.monkey_patch()

pytest_plugins = ["services.chassis.testing"]
