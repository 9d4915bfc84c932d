"""Gateway: staff identity (offices and their staff) and the staff web app, which reads the
other services over RPC."""
