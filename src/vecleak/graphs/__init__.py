"""Language-similarity graphs for cross-lingual alignment (LAGO): distances, thresholds, edges."""
