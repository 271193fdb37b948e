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
    """Clauses for one item; ``op`` renders the ``Update`` of a ``TransactWriteItems``."""

    def __init__(self) -> None:
        self._set: list[str] = []
        self._add: list[str] = []
        self._remove: list[str] = []
        self.names: dict[str, str] = {}
        self.values: dict[str, dict[str, Any]] = {}
        # The same clauses as data, (action, attribute, value), in the order given: what
        # the in-process ledger (``ledger.memory``) applies instead of parsing expressions.
        self.actions: list[tuple[str, str, Any]] = []

    def _name(self, name: str) -> str:
        placeholder = f"#a{len(self.names)}"
        self.names[placeholder] = name
        return placeholder

    def _value(self, value: Any) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = to_attr(value)
        return placeholder

    def set(self, name: str, value: Any) -> Update:
        self.actions.append(("set", name, value))
        self._set.append(f"{self._name(name)} = {self._value(value)}")
        return self

    def set_if_absent(self, name: str, value: Any) -> Update:
        self.actions.append(("set_if_absent", name, value))
        ref = self._name(name)
        self._set.append(f"{ref} = if_not_exists({ref}, {self._value(value)})")
        return self

    def add(self, name: str, amount: int) -> Update:
        # ADD on a number that does not exist yet starts from 0, and is atomic:
        # https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html
        self.actions.append(("add", name, amount))
        self._add.append(f"{self._name(name)} {self._value(amount)}")
        return self

    def remove(self, name: str) -> Update:
        self.actions.append(("remove", name, None))
        self._remove.append(self._name(name))
        return self

    @property
    def expression(self) -> str:
        parts = []
        if self._set:
            parts.append("SET " + ", ".join(self._set))
        if self._add:
            parts.append("ADD " + ", ".join(self._add))
        if self._remove:
            parts.append("REMOVE " + ", ".join(self._remove))
        return " ".join(parts)

    def params(self, table: str, key: dict[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {
            "TableName": table,
            "Key": key,
            "UpdateExpression": self.expression,
            "ExpressionAttributeNames": dict(self.names),
        }
        if self.values:
            params["ExpressionAttributeValues"] = dict(self.values)
        return params

    def op(self, table: str, key: dict[str, Any]) -> dict[str, Any]:
        return {"Update": self.params(table, key)}
