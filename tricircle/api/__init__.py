"""The request path: WSGI plumbing (wsgi, deploy, faults, microversions, pagination), one
folder per API with its route table, and `forward/`, which carries a request to the pod
that holds its object and merges lists across pods."""
