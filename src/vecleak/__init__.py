"""vecleak: measure and defend against text leakage from embeddings."""

__version__ = "0.1.0"
