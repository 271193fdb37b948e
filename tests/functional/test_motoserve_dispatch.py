"""The emulator's app routes each request to its service, the first time and every time
after (it remembers each host's backend instead of asking moto twice a request)."""

from __future__ import annotations

import threading

from moto.server import MotoRequestHandler
from werkzeug.serving import make_server

from scheduler.awsclients import AwsClients
from scheduler.local.motoserve import emulator_app


def test_each_service_gets_its_own_requests_again_and_again() -> None:
    # GIVEN the emulator's app behind a real HTTP server
    server = make_server(
        "127.0.0.1", 0, emulator_app(), threaded=True, request_handler=MotoRequestHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        clients = AwsClients(region="us-east-1", endpoint_url=f"http://127.0.0.1:{server.port}")
        s3, ddb, sqs = clients.client("s3"), clients.client("dynamodb"), clients.client("sqs")
        lam, sts = clients.client("lambda"), clients.client("sts")
        # WHEN requests for five services interleave, each more than once
        for i in range(2):
            s3.create_bucket(Bucket=f"bucket-{i}")
            sqs.create_queue(QueueName=f"q{i}")
            # THEN every service answers with its own state, not another's
            assert len(s3.list_buckets()["Buckets"]) == i + 1
            assert len(sqs.list_queues()["QueueUrls"]) == i + 1
            assert ddb.list_tables()["TableNames"] == []
            assert lam.list_functions()["Functions"] == []
            assert sts.get_caller_identity()["Account"]
    finally:
        server.shutdown()
        thread.join()
