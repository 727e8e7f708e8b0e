"""YAML from operators and plans, parsed with bounded work: the one loader every parse goes through.

A few hundred bytes of nested anchors and aliases ("billion laughs") expand to billions of nodes
the moment anything walks the parsed value (a dump, a JSON encoding, a copy); a megabyte of tiny
flow items composes into millions of node objects.  So every document is checked WHILE it is
parsed, before anything is constructed from it:

* its size, before the parser sees it (:data:`MAX_BYTES`, the per-file limit of a plan);
* its nodes and nesting depth, counted as the composer makes each node (the composer calls the
  resolver's ``descend_resolver`` / ``ascend_resolver`` for every node, libyaml's C composer as
  the pure-Python one), so composing stops at :data:`MAX_NODES` nodes or :data:`MAX_DEPTH` levels;
* when the text has an anchor, what its aliases expand to: the composed graph (whose size the
  count above bounds) is walked once, each node weighed once, and the document refused when its
  expansion exceeds :data:`MAX_NODES` nodes or :data:`MAX_DEPTH` levels, or when an alias refers
  to a node that holds it (a recursive document) — before the constructor makes a value.

Documents without an anchor (nearly every THT file) pay only the count: libyaml's speed is kept.
A refusal is a :class:`YAMLLimitError` naming the file.
"""
from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import Node, SequenceNode

from tripleo_plan_actions.core.archive import MAX_FILE_BYTES, check_content
from tripleo_plan_actions.errors import PlanInputError

#: Largest document parsed (the per-file limit of a plan: THT's largest file is ~280 KiB).
MAX_BYTES = MAX_FILE_BYTES
#: Most nodes a document may hold, aliases counted as what they expand to (THT 18.0.0's largest
#: file, network/endpoints/endpoint_map.yaml, has ~16,000).
MAX_NODES = 500_000
#: Deepest nesting, the scalar at the bottom counted (THT 18.0.0's deepest file, deployment/barbican/
#: barbican-api-container-puppet.yaml, nests 26 levels).
MAX_DEPTH = 100

#: libyaml's loader when PyYAML has it, else the pure-Python one (the same results).
BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YAMLLimitError(PlanInputError):
    """A document over a limit of :mod:`bounded_yaml`; the message names the file and the limit."""

    kind = "bad_input"


class _Limited(yaml.YAMLError):
    """Raised inside the composer; :func:`load` turns it into YAMLLimitError naming the file."""


class BoundedMixin:
    """Counts nodes and depth as they are composed; weighs aliases before construction."""

    max_nodes = MAX_NODES
    max_depth = MAX_DEPTH

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)  # type: ignore[call-arg]
        self._nodes = 0
        self._depth = 0
        self._anchored = not isinstance(stream, (str, bytes)) or ("&" in stream if isinstance(stream, str)
                                                                   else b"&" in stream)

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        self._nodes += 1
        self._depth += 1
        if self._nodes > self.max_nodes or self._depth > self.max_depth:
            raise _Limited(f"it holds more than {self.max_nodes} nodes" if self._nodes > self.max_nodes
                           else f"it nests deeper than {self.max_depth} levels")
        if self.yaml_path_resolvers:  # type: ignore[attr-defined]  # none for safe loaders: skip the call
            super().descend_resolver(current_node, current_index)  # type: ignore[misc]

    def ascend_resolver(self) -> None:
        self._depth -= 1
        if self.yaml_path_resolvers:  # type: ignore[attr-defined]
            super().ascend_resolver()  # type: ignore[misc]

    def get_single_node(self) -> Node | None:
        node = super().get_single_node()  # type: ignore[misc]
        if node is not None and self._anchored:
            expansion(node, self.max_nodes, self.max_depth)
        return node


def expansion(root: Node, max_nodes: int = MAX_NODES, max_depth: int = MAX_DEPTH) -> tuple[int, int]:
    """``(nodes, depth)`` of the composed ``root`` with every alias expanded, computed on the
    composed graph (each collection weighed once; the recursion follows the composed nesting,
    which the composer bounded to ``max_depth``); raises when over a limit or recursive."""
    weights: dict[int, tuple[int, int]] = {}
    open_nodes: set[int] = set()

    def weigh(node: Node) -> tuple[int, int]:
        value = node.value
        if isinstance(value, str):  # a scalar
            return 1, 1
        key = id(node)
        found = weights.get(key)
        if found is not None:
            return found
        if key in open_nodes:
            raise _Limited("an alias refers to a node that holds it (a recursive document)")
        open_nodes.add(key)
        nodes, depth = 1, 0
        for child in (value if isinstance(node, SequenceNode) else [item for pair in value for item in pair]):
            child_nodes, child_depth = weigh(child)
            nodes += child_nodes
            depth = max(depth, child_depth)
        if nodes > max_nodes:
            raise _Limited(f"its aliases expand to more than {max_nodes} nodes")
        if depth >= max_depth:
            raise _Limited(f"its aliases nest deeper than {max_depth} levels")
        open_nodes.discard(key)
        weights[key] = nodes, depth + 1
        return nodes, depth + 1

    return weigh(root)


def bounded(loader: type) -> type:
    """A subclass of PyYAML ``loader`` (C or pure Python) with the bounds of this module."""
    return type(f"Bounded{loader.__name__}", (BoundedMixin, loader), {})


SafeLoader: Any = bounded(BASE_LOADER)


def check_size(display: str, content: bytes | str, limit: int = MAX_BYTES) -> None:
    """Refuse ``content`` over ``limit`` bytes (its length: no decoding, no parsing)."""
    check_content(display, content, limit)


def load(display: str, content: bytes | str, loader: type = SafeLoader) -> Any:
    """Parse one document with ``loader`` (a :func:`bounded` loader); YAMLLimitError naming
    ``display`` when it is over a limit.  Syntax errors propagate as PyYAML raises them."""
    check_size(display, content)
    try:
        return yaml.load(content, Loader=loader)
    except _Limited as error:
        raise YAMLLimitError(f"{display}: refused: {error} (a YAML document may hold {MAX_NODES} nodes, "
                             f"aliases expanded, nest {MAX_DEPTH} levels deep, be {MAX_BYTES} bytes)") from None
