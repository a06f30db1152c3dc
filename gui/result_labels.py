"""Labels that tell results apart: what differs between a batch's prompts, and how each was made."""

from __future__ import annotations

from gui.method_catalog import method_label

# Edits saved before batch ids were recorded: one job's results share their recipe but the
# prompt, and were created together.
BATCH_SECONDS = 0.05  # one job creates its nodes in one loop, microseconds apart
PREVIEW_LABEL = "Preview"


def elide(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def distinct_labels(prompts: list[str], limit: int = 22) -> list[str]:
    """Each prompt without the words all of them share at the start and end ("…in snow", "…at night")."""
    if len(prompts) < 2:
        return [elide(prompt, limit) for prompt in prompts]
    words = [prompt.split() for prompt in prompts]
    shortest = min(len(w) for w in words)
    head = 0
    while head < shortest and len({w[head] for w in words}) == 1:
        head += 1
    tail = 0
    while tail < shortest - head and len({w[-1 - tail] for w in words}) == 1:
        tail += 1
    labels = []
    for prompt, w in zip(prompts, words):
        middle = " ".join(w[head:len(w) - tail])
        if not middle:
            labels.append(elide(prompt, limit))
            continue
        labels.append(elide(("…" if head else "") + middle + ("…" if tail else ""), limit))
    return labels


def how_made(node) -> str:
    """'Stable Flow · seed 42 · 28 steps' (what stays visible however long the prompt is);
    a fast preview starts with 'Preview'."""
    parts = [PREVIEW_LABEL] if node.preview is not None else []
    parts += [method_label(node.method)] if node.method else []
    if node.seed is not None:
        parts.append(f"seed {node.seed}")
    if isinstance(node.params, dict) and "steps" in node.params:
        parts.append(f"{node.params['steps']} steps")
    return " · ".join(parts)


def same_batch(tree, node) -> list:
    """The results made by the same edit job as ``node`` (itself included), oldest first."""
    if node.parent_id is None:
        return []
    if node.batch_id is not None:
        return [sibling for sibling in tree.children(node.parent_id) if sibling.batch_id == node.batch_id]
    return [sibling for sibling in tree.children(node.parent_id)
            if (sibling.method, sibling.seed, sibling.source_prompt, sibling.params)
            == (node.method, node.seed, node.source_prompt, node.params)
            and abs(sibling.created_at - node.created_at) <= BATCH_SECONDS]
