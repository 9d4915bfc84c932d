"""Metrics' rules, free of I/O: which counter an event moves, how counted events fold into daily
totals, which assignment wins, how a time series and its percentiles are built."""
