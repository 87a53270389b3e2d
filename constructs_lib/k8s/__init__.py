"""Kubernetes building blocks for the federated-learning workloads: a Pod Security `restricted`
namespace, hardened pod templates, the aggregator and client services, the training Job, and the
NetworkPolicies that confine them. They take props dataclasses and never read the spec."""
