"""ServerApp: FedAvg over every connected SuperNode, the global loss recorded per round.

The global model is scored on a held-out set before the first round (round 0) and after each
round; the losses are logged as `GLOBAL_LOSS round=<n> loss=<value>` and, when the run config
`loss-file` names a path, written there as JSON `{"losses": [...], "rounds": n}`.
"""

import json
from logging import INFO
from pathlib import Path

from flwr.app import ArrayRecord, ConfigRecord, Context, MetricRecord
from flwr.common.logger import log
from flwr.serverapp import Grid, ServerApp
from flwr.serverapp.strategy import FedAvg

from flower_app.task import initial_weights, mse, validation_set

app = ServerApp()


@app.main()
def main(grid: Grid, context: Context) -> None:
    """Run FedAvg for `num-server-rounds` rounds on all nodes (at least two)."""
    num_rounds = int(context.run_config["num-server-rounds"])
    x_val, y_val = validation_set()
    losses: list[float] = []

    def evaluate(server_round: int, arrays: ArrayRecord) -> MetricRecord:
        loss = mse(arrays.to_numpy_ndarrays()[0], x_val, y_val)
        losses.append(loss)
        log(INFO, "GLOBAL_LOSS round=%d loss=%.6f", server_round, loss)
        return MetricRecord({"loss": loss})

    strategy = FedAvg(fraction_evaluate=0.0, min_train_nodes=2, min_available_nodes=2)
    strategy.start(
        grid=grid,
        initial_arrays=ArrayRecord([initial_weights()]),
        num_rounds=num_rounds,
        timeout=120,
        train_config=ConfigRecord({}),
        evaluate_fn=evaluate,
    )
    loss_file = str(context.run_config.get("loss-file", ""))
    if loss_file:
        Path(loss_file).write_text(json.dumps({"losses": losses, "rounds": num_rounds}))
