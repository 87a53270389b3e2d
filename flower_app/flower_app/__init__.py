"""FedAvg over a numpy linear regression: the Flower app the federation test runs."""
