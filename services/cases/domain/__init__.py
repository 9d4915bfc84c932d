"""Cases' rules, free of I/O: the `Case` aggregate, the office's rotation, the queue's query."""
