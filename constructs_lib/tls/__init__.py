"""TLS building blocks: a private CA and the aggregator's server certificate, kept in Terraform
state (never in the synthesized configuration)."""
