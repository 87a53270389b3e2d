"""Google Cloud building blocks: private VPC with NAT and firewall, node service account, private
GKE cluster, regional static IP, and a kubeconfig rendered from structured data."""
