"""Read and apply the stage's alert topic (SNS).

``CreateTopic`` is idempotent for a topic this account owns under the same name, but only
with the same attributes and tags: with other tags SNS refuses ("Topic already exists
with different tags"; https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html).
So a topic is created with its ownership tags alone (the same on every retry of an
interrupted deploy), and its fingerprint tag is written by ``TagResource`` afterwards,
which is also how an update retags it. ``DeleteTopic`` of a missing topic is no error
(https://docs.aws.amazon.com/sns/latest/api/API_DeleteTopic.html); the delete is re-checked
on a fresh read of the topic's own tags right before it, as every delete is.
"""

from __future__ import annotations

from scheduler import contract
from scheduler.deploy import ops_topic
from scheduler.deploy.apply_data import tag_list
from scheduler.deploy.awsapi import AwsApi
from scheduler.deploy.ownership import Owner
from scheduler.errors import AwsCallError

_MISSING = frozenset({"NotFound", "NotFoundException", "ResourceNotFoundException"})
_OWNERSHIP_TAGS = (contract.TAG_MANAGED_BY, contract.TAG_STAGE, contract.TAG_PREFIX)


def read_topic(api: AwsApi, arn: str) -> dict[str, str] | None:
    """The topic's tags from SNS itself, or None when it does not exist."""
    try:
        api.call("sns", "get_topic_attributes", f"alert topic {arn}", TopicArn=arn)
        listed = api.call("sns", "list_tags_for_resource", f"alert topic {arn}", ResourceArn=arn)
    except AwsCallError as err:
        if err.code in _MISSING:
            return None
        raise
    return {t["Key"]: t["Value"] for t in listed.get("Tags", [])}


def put_topic(api: AwsApi, op: ops_topic.PutTopic) -> None:
    topic = op.topic
    res = f"alert topic {topic.name}"
    if op.action == "create":
        own = {k: v for k, v in topic.tags.items() if k in _OWNERSHIP_TAGS}
        api.call("sns", "create_topic", res, Name=topic.name, Tags=tag_list(own))
    api.call("sns", "tag_resource", res, ResourceArn=topic.arn, Tags=tag_list(topic.tags_with_spec))


def delete_topic(api: AwsApi, op: ops_topic.DeleteTopic, owner: Owner) -> str | None:
    """Delete the topic if it is still ours; the reason it was skipped otherwise."""
    tags = read_topic(api, op.arn)
    if tags is None:
        return None  # gone already: the same outcome
    if not owner.owns(tags, op.name):
        return "its ownership tags changed since the plan was made"
    api.call("sns", "delete_topic", f"alert topic {op.name}", TopicArn=op.arn)
    return None
