"""Application plumbing: command line, atomic synthesis, provider import speed-up, summaries."""
