"""Cases: one case per submission, routed to a caseworker, with its timeline; the staff queue
and case page over RPC."""
