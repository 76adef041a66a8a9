"""A router's topology as SVG, drawn on the server: the top router, the project's bridge
(VLAN and CIDR) and, below it, each pod it spans with its bridge IP, tenant CIDRs and the
extra routes its bottom router gets. Every text is escaped: names are the users'."""
from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

POD_W, GAP, LINE = 230, 20, 16
TOP, BRIDGE_Y, PODS_Y = 10, 96, 130


def _text(x: float, y: float, text: str, cls: str = "", anchor: str = "start") -> str:
    return (f'<text x="{x:g}" y="{y:g}" text-anchor="{anchor}"'
            f'{f" class={quoteattr(cls)}" if cls else ""}>{escape(text)}</text>')


def _pod_lines(pod: dict) -> list[tuple[str, str]]:
    lines = [(f"{pod['pod_name']} ({pod['az_name'] or 'no AZ'})", "pod-name"),
             (f"bridge IP {pod['bridge_ip'] or '-'}", "bridge-ip")]
    lines += [(f"tenant {cidr}", "cidr") for cidr in pod["tenant_cidrs"]]
    lines += [(f"\u2192 {r['destination']} via {r['nexthop']}", "route")
              for r in pod["routes"]]
    if not pod["bottom_router_id"]:
        lines.append(("no bottom router yet", "pending"))
    return lines


def _wide(text: str) -> float:
    """About how wide a line of 12px text is drawn (no font metrics on the server)."""
    return len(text) * 7.2


def router_svg(topology: dict) -> str:
    pods = topology["pods"]
    name = topology["name"] or topology["id"][:8]
    box = max(220, _wide(f"router {name}") + 24)
    unplaced = ("not in a pod: " + ", ".join(topology["unplaced_cidrs"])
                if topology["unplaced_cidrs"] else "")
    width = max(2 * GAP + len(pods) * POD_W + (len(pods) - 1) * GAP, 420, box + 2 * GAP,
                _wide(unplaced) + 2 * GAP)
    heights = [(len(_pod_lines(p)) + 1) * LINE for p in pods]
    height = PODS_Y + max(heights, default=0) + GAP
    centre = width / 2
    bridge = topology["bridge"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="topology" '
           f'width="{width:g}" height="{height:g}" viewBox="0 0 {width:g} {height:g}" '
           f'role="img" data-router={quoteattr(topology["id"])} '
           f'aria-label={quoteattr(f"router {name}")}>',
           f"<title>{escape('router ' + name + ' (' + topology['id'] + ')')}</title>",
           f'<rect class="router" x="{centre - box / 2:g}" y="{TOP}" width="{box:g}" '
           'height="44" rx="6"/>',
           _text(centre, TOP + 18, f"router {name}", "router-name", "middle"),
           _text(centre, TOP + 35, f"{topology['status']} \u00b7 {topology['id'][:8]}",
                 "muted", "middle"),
           f'<line class="link" x1="{centre:g}" y1="{TOP + 44}" x2="{centre:g}" '
           f'y2="{BRIDGE_Y}"/>']
    if bridge:
        out += [f'<line class="bridge" x1="{GAP}" y1="{BRIDGE_Y}" x2="{width - GAP:g}" '
                f'y2="{BRIDGE_Y}"/>',
                _text(GAP, BRIDGE_Y - 6, f"bridge VLAN {bridge['vlan']} \u00b7 "
                      f"{bridge['cidr']} ({bridge['physical_network']})", "bridge-label")]
    else:
        out.append(_text(GAP, BRIDGE_Y - 6, "no bridge: the router spans one pod",
                         "muted"))
    for i, (pod, h) in enumerate(zip(pods, heights, strict=True)):
        x = GAP + i * (POD_W + GAP)
        out += [f'<g class="pod" data-pod={quoteattr(pod["pod_name"])}>',
                f'<line class="link" x1="{x + POD_W / 2:g}" y1="{BRIDGE_Y}" '
                f'x2="{x + POD_W / 2:g}" y2="{PODS_Y}"/>',
                f'<rect x="{x}" y="{PODS_Y}" width="{POD_W}" height="{h}" rx="6"/>']
        for j, (line, cls) in enumerate(_pod_lines(pod)):
            out.append(_text(x + 10, PODS_Y + (j + 1) * LINE, line, cls))
        out.append("</g>")
    if unplaced:
        out.append(_text(GAP, height - 6, unplaced, "pending"))
    out.append("</svg>")
    return "".join(out)
