"""A small builder for one DynamoDB ``UpdateExpression`` with its placeholders.

The summary and rollup items are updated by several writes (claim, skip, finish), each
adding a few SET/ADD/REMOVE clauses; building them here keeps placeholder numbering and
name escaping (run stamps contain ``-``, which a bare attribute name may not) in one place.
Pure: it returns the request fragment, it calls nothing.
"""

from __future__ import annotations

from typing import Any

from scheduler.ledger.codec import to_attr


class Update:
    """Clauses for one item; ``op`` renders the ``Update`` of a ``TransactWriteItems``.

    The clauses are kept as data (``actions``, in the order given) and rendered only when
    the request is built: the in-process ledger (``ledger.memory``) applies the actions
    and never pays for the expression text and the encoded values.
    """

    def __init__(self) -> None:
        # (action, attribute, value): "set", "set_if_absent", "add" or "remove".
        self.actions: list[tuple[str, str, Any]] = []
        self._rendered: tuple[str, dict[str, str], dict[str, dict[str, Any]]] | None = None

    def _append(self, action: str, name: str, value: Any) -> Update:
        self.actions.append((action, name, value))
        self._rendered = None
        return self

    def set(self, name: str, value: Any) -> Update:
        return self._append("set", name, value)

    def set_if_absent(self, name: str, value: Any) -> Update:
        return self._append("set_if_absent", name, value)

    def add(self, name: str, amount: int) -> Update:
        # ADD on a number that does not exist yet starts from 0, and is atomic:
        # https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html
        return self._append("add", name, amount)

    def remove(self, name: str) -> Update:
        return self._append("remove", name, None)

    def _render(self) -> tuple[str, dict[str, str], dict[str, dict[str, Any]]]:
        """(expression, names, values), placeholders numbered in the order of the calls."""
        if self._rendered is not None:
            return self._rendered
        names: dict[str, str] = {}
        values: dict[str, dict[str, Any]] = {}
        clauses: dict[str, list[str]] = {"SET": [], "ADD": [], "REMOVE": []}

        def name_ref(name: str) -> str:
            placeholder = f"#a{len(names)}"
            names[placeholder] = name
            return placeholder

        def value_ref(value: Any) -> str:
            placeholder = f":v{len(values)}"
            values[placeholder] = to_attr(value)
            return placeholder

        for action, name, value in self.actions:
            ref = name_ref(name)
            if action == "set":
                clauses["SET"].append(f"{ref} = {value_ref(value)}")
            elif action == "set_if_absent":
                clauses["SET"].append(f"{ref} = if_not_exists({ref}, {value_ref(value)})")
            elif action == "add":
                clauses["ADD"].append(f"{ref} {value_ref(value)}")
            else:
                clauses["REMOVE"].append(ref)
        expression = " ".join(
            f"{keyword} {', '.join(parts)}" for keyword, parts in clauses.items() if parts
        )
        self._rendered = (expression, names, values)
        return self._rendered

    @property
    def expression(self) -> str:
        return self._render()[0]

    @property
    def names(self) -> dict[str, str]:
        return self._render()[1]

    @property
    def values(self) -> dict[str, dict[str, Any]]:
        return self._render()[2]

    def params(self, table: str, key: dict[str, Any]) -> dict[str, Any]:
        expression, names, values = self._render()
        params: dict[str, Any] = {
            "TableName": table,
            "Key": key,
            "UpdateExpression": expression,
            "ExpressionAttributeNames": dict(names),
        }
        if values:
            params["ExpressionAttributeValues"] = dict(values)
        return params

    def op(self, table: str, key: dict[str, Any]) -> dict[str, Any]:
        return {"Update": self.params(table, key)}
