"""Scalepilot's own checkov check (run through `external-checks-dir` in infra/checkov.yml).

checkov's CKV_AWS_364 recognises a service principal only as `<service>.amazonaws.com`, so it says nothing
about `lambda.alarms.cloudwatch.amazonaws.com` (the principal of a CloudWatch alarm's Lambda action), and
it is content with SourceArn *or* SourceAccount. Any AWS service may be made to invoke a function on behalf
of another account (the confused deputy) unless the permission names both the source and its account.
"""

from __future__ import annotations

from typing import Any

from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult


def _principals(principal: Any) -> list[str]:
    if isinstance(principal, str):
        return [principal]
    if isinstance(principal, dict):
        service = principal.get("Service")
        if isinstance(service, str):
            return [service]
        if isinstance(service, list):
            return [s for s in service if isinstance(s, str)]
    return []


class LambdaServicePermissionScoped(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure every Lambda permission for an AWS service principal (alarms included) names both SourceAccount and SourceArn",
            id="CKV_SCALEPILOT_1",
            categories=(CheckCategories.IAM,),
            supported_resources=("AWS::Lambda::Permission",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        properties = conf.get("Properties")
        if not isinstance(properties, dict):
            return CheckResult.UNKNOWN
        services = [p for p in _principals(properties.get("Principal")) if p.endswith(".amazonaws.com")]
        if not services:
            return CheckResult.UNKNOWN
        if properties.get("SourceAccount") and properties.get("SourceArn"):
            return CheckResult.PASSED
        return CheckResult.FAILED

    def get_evaluated_keys(self) -> list[str]:
        return ["Properties/Principal", "Properties/SourceAccount", "Properties/SourceArn"]


check = LambdaServicePermissionScoped()
