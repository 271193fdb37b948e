"""Table-driven tests for to_aws_expressions: AWS doc examples, normalisation, OR split."""

from __future__ import annotations

import pytest

from scheduler.schedule import parse_schedule, to_aws_expressions

# Examples from the EventBridge "Cron expressions reference" and rate-expression pages
# (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html,
#  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html).
AWS_DOC_EXAMPLES = [
    "cron(0 10 * * ? *)",
    "cron(15 12 * * ? *)",
    "cron(0 18 ? * MON-FRI *)",
    "cron(0 8 1 * ? *)",
    "cron(0/15 * * * ? *)",
    "cron(0/10 * ? * MON-FRI *)",
    "cron(0/5 8-17 ? * MON-FRI *)",
    "cron(0 9 ? * 2#1 *)",
    "cron(0 20 * * ? *)",
    "rate(1 minute)",
    "rate(5 minutes)",
    "rate(1 hour)",
    "rate(12 hours)",
    "rate(1 day)",
    "rate(7 days)",
]


@pytest.mark.parametrize("text", AWS_DOC_EXAMPLES)
def test_aws_doc_examples_round_trip_unchanged(text: str) -> None:
    assert to_aws_expressions(parse_schedule(text)) == (text,)


TRANSLATIONS = [
    # standard 5-field
    ("0 2 * * *", ("cron(0 2 * * ? *)",)),
    ("*/5 * * * *", ("cron(0/5 * * * ? *)",)),
    ("* * * * *", ("cron(* * * * ? *)",)),
    ("0 */2 * * *", ("cron(0 0/2 * * ? *)",)),
    ("5,20,35,50 * * * *", ("cron(5/15 * * * ? *)",)),
    ("0-4,10 * * * *", ("cron(0-4,10 * * * ? *)",)),
    ("0,30 9 * * *", ("cron(0,30 9 * * ? *)",)),
    ("30 9 * * 1-5", ("cron(30 9 ? * MON-FRI *)",)),
    ("0 0 * * 0", ("cron(0 0 ? * SUN *)",)),
    ("0 0 * * 7", ("cron(0 0 ? * SUN *)",)),
    ("0 0 * * 0,7", ("cron(0 0 ? * SUN *)",)),
    ("0 0 * * 6,0", ("cron(0 0 ? * SUN,SAT *)",)),
    ("0 0 * * 5-7", ("cron(0 0 ? * SUN,FRI-SAT *)",)),
    ("0 0 * * 0-6", ("cron(0 0 * * ? *)",)),
    ("0 0 1,15 * *", ("cron(0 0 1,15 * ? *)",)),
    ("0 0 * JAN,JUL *", ("cron(0 0 * 1,7 ? *)",)),
    ("0 0 1 */3 *", ("cron(0 0 1 1/3 ? *)",)),
    # standard OR semantics -> two expressions, day-of-month first
    ("0 2 1 * MON", ("cron(0 2 1 * ? *)", "cron(0 2 ? * MON *)")),
    ("0 0 13 * 5", ("cron(0 0 13 * ? *)", "cron(0 0 ? * FRI *)")),
    # written without a leading '*', both day fields OR (cron's rule) -> two rules
    ("0 0 1-31/2 * 1", ("cron(0 0 1/2 * ? *)", "cron(0 0 ? * MON *)")),
    # a day field starting with '*' makes cron AND them; a full other field drops out
    ("0 0 */2 * 0-6", ("cron(0 0 1/2 * ? *)",)),
    ("0 0 1-5 * */1", ("cron(0 0 1-5 * ? *)",)),
    ("0 0 * * */2", ("cron(0 0 ? * SUN,TUE,THU,SAT *)",)),
    ("0 0 1-31 * MON", ("cron(0 0 * * ? *)",)),
    ("0 0 1 * 0-6", ("cron(0 0 * * ? *)",)),
    ("15 6 1,15 JAN-MAR SAT,SUN", ("cron(15 6 1,15 1-3 ? *)", "cron(15 6 ? 1-3 SUN,SAT *)")),
    # macros
    ("@hourly", ("cron(0 * * * ? *)",)),
    ("@daily", ("cron(0 0 * * ? *)",)),
    ("@weekly", ("cron(0 0 ? * SUN *)",)),
    ("@monthly", ("cron(0 0 1 * ? *)",)),
    ("@yearly", ("cron(0 0 1 1 ? *)",)),
    ("@annually", ("cron(0 0 1 1 ? *)",)),
    # AWS form, normalised
    ("cron(0 18 ? * mon-fri *)", ("cron(0 18 ? * MON-FRI *)",)),
    ("cron(0 18 ? * 2-6 *)", ("cron(0 18 ? * MON-FRI *)",)),
    ("cron(0,15,30,45 * * * ? *)", ("cron(0/15 * * * ? *)",)),
    ("cron(*/15 * * * ? *)", ("cron(0/15 * * * ? *)",)),
    ("cron(0 0 * JAN-MAR ? *)", ("cron(0 0 * 1-3 ? *)",)),
    ("cron(0 0 ? * L *)", ("cron(0 0 ? * SAT *)",)),
    ("cron(0 0 ? * 1-7/2 *)", ("cron(0 0 ? * SUN,TUE,THU,SAT *)",)),
    ("cron(0 0 ? * FRIL *)", ("cron(0 0 ? * 6L *)",)),
    ("cron(0 0 ? * 6l *)", ("cron(0 0 ? * 6L *)",)),
    ("cron(0 0 ? * MON#2 *)", ("cron(0 0 ? * 2#2 *)",)),
    ("cron(0 0 L * ? *)", ("cron(0 0 L * ? *)",)),
    ("cron(0 0 LW * ? *)", ("cron(0 0 LW * ? *)",)),
    ("cron(0 0 15W * ? *)", ("cron(0 0 15W * ? *)",)),
    ("cron(0 0 29 2 ? *)", ("cron(0 0 29 2 ? *)",)),
    ("cron(0 0 * * ? 2026)", ("cron(0 0 * * ? 2026)",)),
    ("cron(0 0 * * ? 2026,2027,2028)", ("cron(0 0 * * ? 2026-2028)",)),
    ("cron(0 0 * * ? 1970-2199)", ("cron(0 0 * * ? *)",)),
    ("cron(0 0 * * ? 2190/3)", ("cron(0 0 * * ? 2190/3)",)),
    ("cron(  0   2 * *  ? * )", ("cron(0 2 * * ? *)",)),
    # rate normalised
    ("RATE(5 Minutes)", ("rate(5 minutes)",)),
    ("rate( 1 day )", ("rate(1 day)",)),
]


@pytest.mark.parametrize(("text", "expected"), TRANSLATIONS)
def test_translation(text: str, expected: tuple[str, ...]) -> None:
    assert to_aws_expressions(parse_schedule(text)) == expected


@pytest.mark.parametrize(("text", "_expected"), TRANSLATIONS)
def test_translation_is_valid_aws_and_stable(text: str, _expected: tuple[str, ...]) -> None:
    # Every emitted expression is accepted by our (AWS-strict) parser and is a fixed point.
    for expr in to_aws_expressions(parse_schedule(text)):
        assert to_aws_expressions(parse_schedule(expr)) == (expr,)


def test_at_translation() -> None:
    s = parse_schedule("at(2026-03-29T01:00:00)", allow_at=True)
    assert to_aws_expressions(s) == ("at(2026-03-29T01:00:00)",)


def test_output_is_deterministic() -> None:
    texts = [t for t, _ in TRANSLATIONS]
    first = [to_aws_expressions(parse_schedule(t)) for t in texts]
    second = [to_aws_expressions(parse_schedule(t)) for t in reversed(texts)]
    assert first == list(reversed(second))
