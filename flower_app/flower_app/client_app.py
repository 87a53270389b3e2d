"""ClientApp: trains the received global model on this site's partition.

The partition id comes from the SuperNode's node config (`partition-id`) when set, else from the
node id, so two SuperNodes started with identical arguments still hold different data.
"""

from flwr.app import ArrayRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp

from flower_app.task import load_partition, mse, train

app = ClientApp()


def _partition_id(context: Context) -> int:
    configured = context.node_config.get("partition-id")
    if configured is not None:
        return int(configured)
    return int(context.node_id % 1_000_003)


@app.train()
def train_fn(msg: Message, context: Context) -> Message:
    """One round of local training; replies the new weights and the loss before/after."""
    weights = msg.content["arrays"].to_numpy_ndarrays()[0]
    x, y = load_partition(_partition_id(context), str(context.node_config.get("data-dir", "")))
    loss_before = mse(weights, x, y)
    new_weights = train(
        weights,
        x,
        y,
        epochs=int(context.run_config["local-epochs"]),
        lr=float(context.run_config["learning-rate"]),
    )
    metrics = MetricRecord(
        {
            "train_loss": mse(new_weights, x, y),
            "loss_before": loss_before,
            "num-examples": len(y),
        }
    )
    content = RecordDict({"arrays": ArrayRecord([new_weights]), "metrics": metrics})
    return Message(content=content, reply_to=msg)
