"""Metrics' rules, free of I/O: which counter an event moves, which assignment wins, how a
time series and its percentiles are built."""
