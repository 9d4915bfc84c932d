"""Gateway's rules, free of I/O: offices and staff, and the case queue staff look at."""
