"""Forwarding compute and volume requests to pods: one request to one pod (proxy), objects
routed by id (routed), lists merged across pods (lists)."""
