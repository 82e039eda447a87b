"""A consumer process for the at-least-once test: it logs each record it is handed and,
with CRASH=1, dies inside the handler (before the commit) like a killed pod."""

import asyncio
import os

from faststream import AckPolicy

from cpaas.contracts import CloudEvent, MessageStatusChangedV1
from cpaas.platform.broker import make_broker, subscribe
from cpaas.platform.settings import KafkaSettings


async def main() -> None:
    broker = make_broker(KafkaSettings(bootstrap_servers=os.environ["BOOTSTRAP"]), client_id="crashy")
    done = asyncio.Event()

    @subscribe(broker, os.environ["TOPIC"], group_id="crashy-group", ack_policy=AckPolicy.NACK_ON_ERROR)
    async def handle(event: CloudEvent[MessageStatusChangedV1]) -> None:
        with open(os.environ["LOG"], "a") as log:
            log.write(event.data.message_id + "\n")
        if os.environ["CRASH"] == "1":
            os._exit(17)
        done.set()

    await broker.start()
    await asyncio.wait_for(done.wait(), 60)
    await broker.stop()


if __name__ == "__main__":
    asyncio.run(main())
