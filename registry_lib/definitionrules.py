"""The rules of registry.yaml and the milestone definitions (RR105 for expected keys,
RR113, RR206, RR208, RR306-RR307) over a loaded registry. Pure: no I/O."""

from __future__ import annotations

from .findings import Finding
from .model import SCHEMA_VERSION, MilestoneDefinition
from .registry import Registry


def check_schema_version(reg: Registry) -> list[Finding]:
    """registry.yaml's format is one this relreg understands (RR113)."""
    loaded = reg.config
    rec = loaded.record if loaded else None
    if loaded is None or rec is None or rec.schema_version <= SCHEMA_VERSION:
        return []
    return [
        Finding(
            loaded.path,
            loaded.line("schema_version"),
            "RR113",
            f"schema_version {rec.schema_version} is newer than this relreg supports "
            f"({SCHEMA_VERSION}); upgrade relreg",
        )
    ]


def check_definitions(reg: Registry) -> list[Finding]:
    """registry.yaml's version; definitions: slug, unique names, known acyclic ``requires``."""
    out: list[Finding] = check_schema_version(reg)
    owners: dict[str, str] = {}
    for slug, loaded in sorted(reg.milestones.items()):
        rec = loaded.record
        if rec is None:
            continue
        if rec.slug != slug:
            out.append(
                Finding(
                    loaded.path,
                    loaded.line("name"),
                    "RR206",
                    f"milestone {rec.name!r} belongs in milestones/{rec.slug}.yaml; "
                    "rename the file or fix the name",
                )
            )
        out.extend(_expected_keys(loaded.path, loaded.line("expected_metadata_keys"), rec))
        for key, name in [("name", rec.name)] + [("aliases", a) for a in rec.aliases]:
            low = name.lower()
            if low in owners and owners[low] != slug:
                out.append(
                    Finding(
                        loaded.path,
                        loaded.line(key),
                        "RR208",
                        f"{name!r} is already a name or alias of milestones/{owners[low]}.yaml; "
                        "names and aliases must be unique",
                    )
                )
            elif low in owners:
                out.append(
                    Finding(loaded.path, loaded.line(key), "RR208", f"{name!r} is listed twice")
                )
            owners.setdefault(low, slug)
        for req in rec.requirements():
            if reg.resolve_milestone(req.milestone) is None:
                out.append(
                    Finding(
                        loaded.path,
                        loaded.line("requires"),
                        "RR307",
                        f"requires unknown milestone {req.milestone!r}; define it or fix the name",
                    )
                )
    out.extend(_cycles(reg))
    return out


def _cycles(reg: Registry) -> list[Finding]:
    graph: dict[str, list[str]] = {}
    for slug, loaded in reg.milestones.items():
        rec = loaded.record
        if rec is None:
            continue
        graph[slug] = [
            s for r in rec.requirements() if (s := reg.resolve_milestone(r.milestone)) is not None
        ]
    state: dict[str, int] = {}
    out: list[Finding] = []
    for node in sorted(graph):
        if node not in state:
            _visit(reg, graph, node, [node], state, out)
    return out


def _visit(
    reg: Registry,
    graph: dict[str, list[str]],
    node: str,
    stack: list[str],
    state: dict[str, int],
    out: list[Finding],
) -> None:
    # A module function, not a closure: a recursive closure refers to itself, and that
    # cycle would keep the whole registry (through ``reg``) for the cyclic collector.
    state[node] = 1
    for nxt in graph.get(node, []):
        if state.get(nxt) == 1:
            cycle = [*stack[stack.index(nxt) :], nxt] if nxt in stack else [node, nxt]
            loaded = reg.milestones[node]
            names = " -> ".join(milestone_name(reg, s) for s in cycle)
            out.append(
                Finding(
                    loaded.path,
                    loaded.line("requires"),
                    "RR306",
                    f"requires form a cycle ({names}); remove one of them",
                )
            )
        elif nxt not in state:
            _visit(reg, graph, nxt, [*stack, nxt], state, out)
    state[node] = 2


def milestone_name(reg: Registry, slug: str) -> str:
    """The name of a definition, or its slug when the file is invalid."""
    rec = reg.definition(slug)
    return rec.name if rec else slug


def _expected_keys(path: str, line: int | None, rec: MilestoneDefinition) -> list[Finding]:
    """Each expected key is a key, listed once (as ``milestone create --expect`` demands):
    an approval could not carry an empty key, nor one key twice."""
    out = []
    seen: set[str] = set()
    for key in rec.expected_metadata_keys:
        if not key.strip():
            problem = "an empty key"
        elif key in seen:
            problem = f"{key!r} twice"
        else:
            seen.add(key)
            continue
        out.append(
            Finding(
                path, line, "RR105", f"expected_metadata_keys lists {problem}; list each key once"
            )
        )
    return out
