"""Known cloud regions and locations, so a typo fails at validation instead of at deploy time."""

from typing import Annotated

from pydantic import AfterValidator, StrictStr

AWS_REGIONS = frozenset(
    {
        "af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
        "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
        "ap-southeast-4", "ap-southeast-5", "ap-southeast-7", "ca-central-1", "ca-west-1",
        "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1",
        "eu-west-2", "eu-west-3", "il-central-1", "me-central-1", "me-south-1", "mx-central-1",
        "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    }
)  # fmt: skip

GCP_REGIONS = frozenset(
    {
        "africa-south1", "asia-east1", "asia-east2", "asia-northeast1", "asia-northeast2",
        "asia-northeast3", "asia-south1", "asia-south2", "asia-southeast1", "asia-southeast2",
        "australia-southeast1", "australia-southeast2", "europe-central2", "europe-north1",
        "europe-north2", "europe-southwest1", "europe-west1", "europe-west2", "europe-west3",
        "europe-west4", "europe-west6", "europe-west8", "europe-west9", "europe-west10",
        "europe-west12", "me-central1", "me-central2", "me-west1", "northamerica-northeast1",
        "northamerica-northeast2", "northamerica-south1", "southamerica-east1",
        "southamerica-west1", "us-central1", "us-east1", "us-east4", "us-east5", "us-south1",
        "us-west1", "us-west2", "us-west3", "us-west4",
    }
)  # fmt: skip
"""Google Cloud regions that offer GKE (Compute Engine regions as of 2025)."""
# Azure public-cloud locations by programmatic name (what ARM and azurerm expect), including the
# paired regions that host no availability zones; canary (EUAP) and sovereign clouds are left out.
AZURE_LOCATIONS = frozenset(
    {
        "australiacentral", "australiacentral2", "australiaeast", "australiasoutheast", "brazilsouth",
        "brazilsoutheast", "canadacentral", "canadaeast", "centralindia", "centralus", "chilecentral",
        "eastasia", "eastus", "eastus2", "francecentral", "francesouth", "germanynorth",
        "germanywestcentral", "indonesiacentral", "israelcentral", "italynorth", "japaneast", "japanwest",
        "jioindiacentral", "jioindiawest", "koreacentral", "koreasouth", "malaysiawest", "mexicocentral",
        "newzealandnorth", "northcentralus", "northeurope", "norwayeast", "norwaywest", "polandcentral",
        "qatarcentral", "southafricanorth", "southafricawest", "southcentralus", "southeastasia",
        "southindia", "spaincentral", "swedencentral", "swedensouth", "switzerlandnorth",
        "switzerlandwest", "uaecentral", "uaenorth", "uksouth", "ukwest", "westcentralus", "westeurope",
        "westindia", "westus", "westus2", "westus3",
    }
)  # fmt: skip


def _member_of(names: frozenset[str], cloud: str):
    """A validator that accepts only ``names`` (a cloud's known regions)."""

    def check(value: str) -> str:
        if value not in names:
            raise ValueError(f"unknown {cloud} region {value!r}")
        return value

    return check


AwsRegionName = Annotated[StrictStr, AfterValidator(_member_of(AWS_REGIONS, "AWS"))]
"""A region name from ``AWS_REGIONS``."""
GcpRegionName = Annotated[StrictStr, AfterValidator(_member_of(GCP_REGIONS, "GCP"))]
"""A region name from ``GCP_REGIONS``."""
