"""The status page in a real browser (Debian's chromium, driven by selenium): every pod of
the testbed with its health, and a router joining az1 and az2 drawn with both pods, the
bridge VLAN and CIDR, each pod's bridge IP, tenant CIDR and routes. The screenshot is kept
as .testbed/status-page.png (CI's artifact)."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from tb import layout

from tests.testbed.test_l3 import make_net, make_router

pytestmark = pytest.mark.xdist_group("vlans")  # a router across pods takes a bridge VLAN

REPO = Path(__file__).resolve().parents[2]
BASE = f"http://{layout.HOST}:{layout.TRICIRCLE_PORT}"
SCREENSHOT = REPO / ".testbed" / "status-page.png"


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    # As this machine needs them: no sandbox as root, no background calls out.
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,1800"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    try:
        yield driver
    finally:
        driver.quit()


def _status(token: str) -> dict:
    resp = requests.get(f"{BASE}/v1.0/status", headers={"X-Auth-Token": token}, timeout=30)
    assert resp.status_code == 200, resp.text
    return resp.json()["status"]


def _router(status: dict, router_id: str) -> dict | None:
    return next((r for p in status["projects"] for r in p["routers"]
                 if r["id"] == router_id), None)


def _loaded(driver: webdriver.Chrome, url: str) -> None:
    driver.get("about:blank")  # a new page, not a change of the address's #fragment
    driver.get(url)
    WebDriverWait(driver, 30).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-loaded") == "true"
        or d.find_element(By.ID, "error").is_displayed())


def test_the_status_page_draws_pods_and_a_router_across_two_pods(
        testbed: Path, cloud: Callable, unique: str, cleanup: Callable,
        browser: webdriver.Chrome) -> None:
    top = cloud("tricircle-demo")
    _, sub1 = make_net(top, f"{unique}-1", "az1", "10.81.1.0/24", cleanup)
    _, sub2 = make_net(top, f"{unique}-2", "az2", "10.81.2.0/24", cleanup)
    router = make_router(top, f"{unique}-status", cleanup)
    top.network.add_interface_to_router(router, subnet_id=sub1.id)
    top.network.add_interface_to_router(router, subnet_id=sub2.id)
    token = cloud("tricircle").auth_token
    deadline = time.monotonic() + 120
    while True:  # the jobs made both bottom routers and gave each pod its bridge IP
        drawn = _router(_status(token), router.id)
        if drawn and all(p["bottom_router_id"] and p["bridge_ip"] for p in drawn["pods"]) \
                and len(drawn["pods"]) == 2:
            break
        assert time.monotonic() < deadline, drawn
        time.sleep(1)
    pods = {p["pod_name"]: p for p in drawn["pods"]}
    assert set(pods) == {"Pod1", "Pod2"}

    _loaded(browser, f"{BASE}/status#token={token}")
    assert not browser.find_element(By.ID, "error").is_displayed()
    assert "token=" not in browser.current_url  # taken off the address at once
    rows = {r.find_elements(By.TAG_NAME, "td")[0].text: r
            for r in browser.find_elements(By.CSS_SELECTOR, "#pods tbody tr")}
    assert set(rows) >= {"RegionOne", "Pod1", "Pod2", "Pod3"}
    assert rows["Pod1"].find_elements(By.TAG_NAME, "td")[1].text == "az1"
    assert rows["Pod2"].find_element(By.CSS_SELECTOR, ".state-up").text == "up"

    svg = browser.find_element(By.CSS_SELECTOR, f'svg[data-router="{router.id}"]')
    browser.execute_script("arguments[0].scrollIntoView()", svg)
    label = svg.find_element(By.CSS_SELECTOR, ".bridge-label").text
    assert label.startswith(f"bridge VLAN {drawn['bridge']['vlan']} · "
                            f"{drawn['bridge']['cidr']}")
    for name, other, cidr, other_cidr in (("Pod1", "Pod2", sub1.cidr, sub2.cidr),
                                          ("Pod2", "Pod1", sub2.cidr, sub1.cidr)):
        group = svg.find_element(By.CSS_SELECTOR, f'g.pod[data-pod="{name}"]')
        texts = [t.text for t in group.find_elements(By.TAG_NAME, "text")]
        assert texts[0] == f"{name} ({'az1' if name == 'Pod1' else 'az2'})"
        assert f"bridge IP {pods[name]['bridge_ip']}" in texts
        assert f"tenant {cidr}" in texts
        # The route the jobs give this pod's bottom router: the other pod's CIDR via its
        # bridge IP.
        assert f"→ {other_cidr} via {pods[other]['bridge_ip']}" in texts
    # The artifact: the demo project's routers under the pods, from the top.
    _loaded(browser, f"{BASE}/status?project_id={top.current_project_id}")
    assert {s.get_attribute("data-router") for s in browser.find_elements(
        By.CSS_SELECTOR, "svg.topology")} == {r.id for r in top.network.routers()}
    SCREENSHOT.parent.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOT))

    # A member's token reads nothing: the page says what the API said.
    _loaded(browser, f"{BASE}/status#token={cloud('tricircle-demo').auth_token}")
    assert browser.find_element(By.ID, "error").text == (
        "Policy does not allow admin_api:status:show to be performed. (HTTP 403)")
    assert browser.find_elements(By.CSS_SELECTOR, "svg.topology") == []
