"""Azure building blocks: mandatory-tag aspect, deterministic names, hardened storage, Log Analytics
with diagnostic settings, Data Share account, governed share with datasets, and invitations."""
