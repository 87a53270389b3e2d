"""Known cloud regions and locations, so a typo fails at validation instead of at deploy time."""

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
