"""The configuration file (YAML; JSON is valid YAML): providers in order, with functions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator, model_validator
from pydantic import ValidationError as PydanticValidationError

from webhook_engine.domain.errors import InvalidRequestError, describe
from webhook_engine.domain.models import (
    FunctionFields,
    Property,
    PropertyName,
    ProviderFields,
)
from webhook_engine.domain.text import require_text


class FunctionDocument(FunctionFields):
    model_config = ConfigDict(extra="forbid")


# A property, or a plain value as short for `{value: ...}` (the admin API's schema names it).
ShorthandProperty = Annotated[
    Property,
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "object",
                    "properties": {
                        "value": {"type": ["string", "null"]},
                        "secret": {"type": "boolean"},
                    },
                },
                {"type": ["string", "number", "boolean"]},
            ]
        }
    ),
]


class ProviderDocument(ProviderFields):
    model_config = ConfigDict(extra="forbid")

    properties: dict[PropertyName, ShorthandProperty] = Field(default_factory=dict)
    functions: list[FunctionDocument] = Field(default_factory=list)

    @field_validator("properties", mode="before")
    @classmethod
    def _shorthand(cls, properties: Any) -> Any:
        """`ORG: acme` is short for `ORG: {value: acme}` (text, a number, true or false)."""
        if not isinstance(properties, dict):
            return properties
        return {
            k: {"value": str(v)} if isinstance(v, str | int | float | bool) else v
            for k, v in properties.items()
        }

    @model_validator(mode="after")
    def _unique_functions(self) -> ProviderDocument:
        _require_unique([f.name for f in self.functions], f"function of provider {self.name}")
        return self


class ConfigDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    providers: list[ProviderDocument] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_providers(self) -> ConfigDocument:
        _require_unique([p.name for p in self.providers], "provider")
        return self

    @classmethod
    def from_text(cls, text: str) -> ConfigDocument:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise InvalidRequestError(f"configuration is not valid YAML: {error}") from error
        return cls.parse({} if data is None else data)  # an empty file: no providers

    @classmethod
    def parse(cls, data: object) -> ConfigDocument:
        """Validate a parsed document; problems become one 400-style error naming the fields."""
        require_text(data, "configuration")
        if not isinstance(data, dict):
            raise InvalidRequestError("configuration is not valid: a mapping with providers")
        try:
            return cls.model_validate(data)
        except PydanticValidationError as error:
            raise InvalidRequestError(f"configuration is not valid: {describe(error)}") from error

    @classmethod
    def from_file(cls, path: Path) -> ConfigDocument:
        return cls.from_text(path.read_text(encoding="utf-8"))

    def to_yaml(self) -> str:
        data = self.model_dump(mode="json", exclude_none=True)
        return yaml.dump(data, Dumper=_LiteralDumper, sort_keys=False, allow_unicode=True)


class _LiteralDumper(yaml.SafeDumper):
    """Writes multi-line strings (scripts) as literal blocks."""


def _literal(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_LiteralDumper.add_representer(str, _literal)


def _require_unique(names: list[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"duplicate {what} name: {name}")
        seen.add(name)
