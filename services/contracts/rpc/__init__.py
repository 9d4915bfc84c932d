"""Contracts of every RPC method: what each accepts and answers, one module per owning service
(`rpc/cases.py`, ...). The owner loads its arguments and dumps its result with them; a caller
(the gateway, its fakes in tests) reads the result with the same schema."""
