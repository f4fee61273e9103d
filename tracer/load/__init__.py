"""Loaders: public export formats to the transfers table."""
from tracer.load.ethereum_etl import load_ethereum_etl
from tracer.load.bundle import load

__all__ = ["load", "load_ethereum_etl"]
