"""The plugin's entry for python-openstackclient (entry point openstack.cli.extension).

Tricircle's admin API is found in the Keystone catalog as service type `tricircle`
(`tricircle-manage register-endpoints` puts it there), or given with --os-tricircle-url.
"""
from __future__ import annotations

import argparse
import os
from typing import Any

from osc_lib import exceptions

API_NAME = "tricircle"
API_VERSION_OPTION = "os_tricircle_api_version"
DEFAULT_API_VERSION = "1"
API_VERSIONS = {"1": "tricircle.osc.plugin.Client"}
SERVICE_TYPE = "tricircle"


class Client:
    """The admin API's calls: JSON in, JSON out; an error answer becomes the command's
    error with the API's own message and status."""

    def __init__(self, session: Any, endpoint: str) -> None:
        self.session, self.endpoint = session, endpoint.rstrip("/")

    def call(self, method: str, path: str, *, body: dict | None = None,
             params: dict | None = None) -> Any:
        url = path if path.startswith("http") else self.endpoint + path
        resp = self.session.request(url, method, json=body, params=params, raise_exc=False)
        if resp.status_code >= 400:
            raise exceptions.CommandError(f"{_message(resp)} (HTTP {resp.status_code})")
        return resp.json() if resp.content else None

    def pages(self, path: str, key: str, params: dict) -> list[dict]:
        """Every item of a paged list, following its next links (one page if a limit was
        asked for)."""
        answer = self.call("GET", path, params=params)
        items = list(answer[key])
        while "limit" not in params and (nxt := _next(answer.get(f"{key}_links", []))):
            answer = self.call("GET", nxt)
            items += answer[key]
        return items


def _next(links: list[dict]) -> str | None:
    return next((link["href"] for link in links if link.get("rel") == "next"), None)


def _message(resp: Any) -> str:
    """The message of a Nova-shaped error body ({"itemNotFound": {"message": ...}})."""
    try:
        body = resp.json()
        return next(iter(body.values()))["message"]
    except (ValueError, TypeError, KeyError, StopIteration, AttributeError):
        return resp.text.strip() or resp.reason


def make_client(instance: Any) -> Client:
    endpoint = instance.get_configuration().get("tricircle_url")
    if not endpoint:
        endpoint = instance.get_endpoint_for_service_type(
            SERVICE_TYPE, region_name=instance.region_name, interface=instance.interface)
    if not endpoint:
        raise exceptions.CommandError(
            "No tricircle endpoint in the catalog: give --os-tricircle-url.")
    return Client(instance.session, endpoint)


def build_option_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--os-tricircle-api-version", metavar="<version>",
                        default=DEFAULT_API_VERSION,
                        help="Tricircle admin API version (only 1)")
    parser.add_argument("--os-tricircle-url", metavar="<url>",
                        default=os.environ.get("OS_TRICIRCLE_URL"),
                        help="Tricircle's admin API, e.g. http://127.0.0.1:19999/v1.0 "
                             "(default: the catalog's service type tricircle; "
                             "env OS_TRICIRCLE_URL)")
    return parser
