"""The shape of a VPC endpoint's policy document: JSON that `describe_vpc_endpoints` returns as text.

The snapshot check parses the text and checks the elements `policies.py` reads, so a policy
it cannot read is refused with its place instead of being judged: `Statement` (one object or
a list of them), each with `Effect` (`Allow` or `Deny`, case-sensitive as IAM has it),
`Principal` / `NotPrincipal` (`"*"` or an object of principal lists), `Resource` /
`NotResource` and `Action` / `NotAction` (text or a list of texts) and `Condition` (an
object of operator objects). AWS validates a policy when it is set, so nothing else ever
comes back from the API.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator

from infra.shapes import Shape, absent, embedded_document

FIX = "AWS stores only valid policy documents; re-collect the snapshot, or restore the document the API returned"


def _text_or_list(value: Any) -> Any:
    """IAM allows one text where a list of texts is expected: check both forms as a list."""
    return [value] if isinstance(value, str) else value


def _object_or_list(value: Any) -> Any:
    return [value] if isinstance(value, dict) else value  # a single statement needs no list


def _principal(value: Any) -> Any:
    return {} if value == "*" else value  # "*" is the only principal written as bare text


Texts = Annotated[list[str], BeforeValidator(_text_or_list)]
Principals = Annotated[dict[str, Texts], BeforeValidator(_principal)]


class PolicyStatement(Shape):
    Sid: str = absent()
    Effect: Literal["Allow", "Deny"]
    Principal: Principals = absent()
    NotPrincipal: Principals = absent()
    Action: Texts = absent()
    NotAction: Texts = absent()
    Resource: Texts = absent()
    NotResource: Texts = absent()
    Condition: dict[str, dict[str, Any]] = absent()


class PolicyDocument(Shape):
    Version: str = absent()
    Statement: Annotated[list[PolicyStatement], BeforeValidator(_object_or_list)]


def _policy_text(value: str) -> str:
    embedded_document(value, PolicyDocument, "the policy document", FIX)
    return value


PolicyText = Annotated[str, AfterValidator(_policy_text)]
