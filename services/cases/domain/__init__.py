"""Cases' rules, free of I/O: the case's vocabulary, references, timeline wording, routing."""
