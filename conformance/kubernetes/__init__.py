"""Kubernetes: a real control plane (etcd, kube-apiserver, kube-controller-manager) on loopback."""
