"""Cloud-neutral pieces of the federation's monitoring: what Flower's logs say when it fails."""
