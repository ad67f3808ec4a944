"""Every example of the EventBridge user guide's pattern pages, on every pattern engine.

Pages: "Amazon EventBridge event patterns", "Content filtering in event patterns" (and the pages
they link for arrays, null values and empty strings, and the comparison-operator table). Each
example is run by `compile_pattern(...).matches` and by a `RuleIndex` holding the rule among
distractors: `patterns[pattern]` and `patterns[index]`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from hexad.runtime.patterns import RuleIndex, compile_pattern

Matcher = Callable[[dict[str, Any]], bool]

EC2_EVENT: dict[str, Any] = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "111122223333",
    "time": "2017-12-22T18:43:48Z",
    "region": "us-west-1",
    "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
    "detail": {"instance-id": "i-1234567890abcdef0", "state": "terminated"},
}

CONTENT_EVENT: dict[str, Any] = {
    "version": "0",
    "id": "ddddd4-aaaa-7777-4444-345dd43cc333",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "012345679012",
    "time": "2017-10-02T16:24:49Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],
    "detail": {
        "c-count": 5,
        "d-count": 3,
        "x-limit": 301.8,
        "source-ip": "10.0.0.33",
        "instance-id": "i-000000aaaaaa00000",
        "state": "running",
    },
}

AUTOSCALING_EVENT: dict[str, Any] = {
    "version": "0",
    "id": "3e3c153a-8339-4e30-8c35-687ebef853fe",
    "detail-type": "EC2 Instance Launch Successful",
    "source": "aws.autoscaling",
    "account": "123456789012",
    "time": "2015-11-11T21:31:47Z",
    "region": "us-east-1",
    "resources": [],
    "detail": {"eventVersion": "", "responseElements": None},
}

MACIE_EVENT: dict[str, Any] = {
    "version": "0",
    "id": "0948ba87-d3b8-c6d4-f2da-732a1example",
    "detail-type": "Macie Finding",
    "source": "aws.macie",
    "account": "123456789012",
    "time": "2021-04-29T23:12:15Z",
    "region": "us-east-1",
    "resources": [],
    "detail": {
        "schemaVersion": "1.0",
        "type": "Policy:IAMUser/S3BucketEncryptionDisabled",
        "title": "Encryption is disabled for the S3 bucket",
        "severity": {"score": 1, "description": "Low"},
        "count": 2,
        "resourcesAffected": {
            "s3Bucket": {"name": "amzn-s3-demo-bucket", "defaultServerSideEncryption": None}
        },
    },
}

ARRAY_EVENT_RESOURCES = [
    "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:"
    "autoScalingGroupName/ASGTerminate",
    "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
]
ARRAY_PATTERN_RESOURCES = [
    "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
    "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f",
    "arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f",
]


def _with(base: dict[str, Any], **detail: Any) -> dict[str, Any]:
    """A copy of `base` whose detail has `detail`'s keys (underscores spelled as dashes) set."""
    event = copy.deepcopy(base)
    for key, value in detail.items():
        event["detail"][key.replace("_", "-")] = value
    return event


C = CONTENT_EVENT
CASES: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    # Event patterns page: the EC2 termination pattern.
    (
        "ec2-terminated",
        {
            "source": ["aws.ec2"],
            "detail-type": ["EC2 Instance State-change Notification"],
            "detail": {"state": ["terminated"]},
        },
        EC2_EVENT,
        True,
    ),
    (
        "ec2-terminated-other-state",
        {
            "source": ["aws.ec2"],
            "detail-type": ["EC2 Instance State-change Notification"],
            "detail": {"state": ["terminated"]},
        },
        _with(EC2_EVENT, state="running"),
        False,
    ),
    ("ec2-fields-absent-from-pattern-ignored", {"source": ["aws.ec2"]}, EC2_EVENT, True),
    ("ec2-values-are-case-sensitive", {"source": ["AWS.EC2"]}, EC2_EVENT, False),
    ("ec2-field-missing-in-event", {"source": ["aws.ec2"], "detail": {"missing": ["x"]}}, EC2_EVENT, False),
    ("ec2-state-one-of-two", {"detail": {"state": ["pending", "terminated"]}}, EC2_EVENT, True),
    ("ec2-state-none-of-two", {"detail": {"state": ["pending", "running"]}}, EC2_EVENT, False),
    # Matching on field values: null and empty strings.
    (
        "autoscaling-null-response",
        {
            "source": ["aws.autoscaling"],
            "detail-type": ["EC2 Instance Launch Successful"],
            "detail": {"responseElements": [None]},
        },
        AUTOSCALING_EVENT,
        True,
    ),
    ("empty-string-event-version", {"detail": {"eventVersion": [""]}}, AUTOSCALING_EVENT, True),
    ("empty-string-is-not-null", {"detail": {"eventVersion": [None]}}, AUTOSCALING_EVENT, False),
    ("null-is-not-empty-string", {"detail": {"responseElements": [""]}}, AUTOSCALING_EVENT, False),
    ("null-does-not-match-a-missing-field", {"detail": {"absent": [None]}}, AUTOSCALING_EVENT, False),
    ("last-name-is-empty", {"LastName": [""]}, {"LastName": ""}, True),
    ("last-name-not-empty", {"LastName": [""]}, {"LastName": "Doe"}, False),
    ("user-id-is-null", {"UserID": [None]}, {"UserID": None}, True),
    ("user-id-not-null", {"UserID": [None]}, {"UserID": "u-1"}, False),
    # Matching on field values: numbers and nested objects (Macie).
    (
        "macie-severity-and-count",
        {
            "source": ["aws.macie"],
            "detail-type": ["Macie Finding"],
            "detail": {"severity": {"score": [1]}, "count": [2]},
        },
        MACIE_EVENT,
        True,
    ),
    ("macie-score-differs", {"detail": {"severity": {"score": [7]}}}, MACIE_EVENT, False),
    (
        "macie-nested-null",
        {"detail": {"resourcesAffected": {"s3Bucket": {"defaultServerSideEncryption": [None]}}}},
        MACIE_EVENT,
        True,
    ),
    ("macie-number-is-not-string", {"detail": {"count": ["2"]}}, MACIE_EVENT, False),
    # Arrays in event patterns.
    (
        "array-intersection",
        {"resources": ARRAY_PATTERN_RESOURCES},
        {"resources": ARRAY_EVENT_RESOURCES},
        True,
    ),
    (
        "array-no-intersection",
        {"resources": ARRAY_PATTERN_RESOURCES[1:]},
        {"resources": ARRAY_EVENT_RESOURCES},
        False,
    ),
    ("array-empty-event-array", {"resources": ARRAY_PATTERN_RESOURCES}, {"resources": []}, False),
    # Comparison operator table.
    (
        "and-both",
        {"Location": ["New York"], "Day": ["Monday"]},
        {"Location": "New York", "Day": "Monday"},
        True,
    ),
    (
        "and-one",
        {"Location": ["New York"], "Day": ["Monday"]},
        {"Location": "New York", "Day": "Friday"},
        False,
    ),
    (
        "operator-table-anything-but",
        {"state": [{"anything-but": "initializing"}]},
        {"state": "running"},
        True,
    ),
    (
        "operator-table-anything-but-no",
        {"state": [{"anything-but": "initializing"}]},
        {"state": "initializing"},
        False,
    ),
    ("region-not-in-us", {"Region": [{"anything-but": {"prefix": "us-"}}]}, {"Region": "eu-west-1"}, True),
    (
        "region-not-in-us-no",
        {"Region": [{"anything-but": {"prefix": "us-"}}]},
        {"Region": "us-east-1"},
        False,
    ),
    ("file-not-png", {"FileName": [{"anything-but": {"suffix": ".png"}}]}, {"FileName": "a.jpg"}, True),
    ("file-not-png-no", {"FileName": [{"anything-but": {"suffix": ".png"}}]}, {"FileName": "a.png"}, False),
    (
        "state-not-initializing-any-case",
        {"state": [{"anything-but": {"equals-ignore-case": "initializing"}}]},
        {"state": "INITIALIZING"},
        False,
    ),
    (
        "state-not-initializing-any-case-yes",
        {"state": [{"anything-but": {"equals-ignore-case": "initializing"}}]},
        {"state": "Running"},
        True,
    ),
    (
        "path-not-lib",
        {"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]},
        {"FilePath": "/usr/bin/x"},
        True,
    ),
    (
        "path-not-lib-no",
        {"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]},
        {"FilePath": "/usr/lib/x"},
        False,
    ),
    ("region-in-us", {"Region": [{"prefix": "us-"}]}, {"Region": "us-west-2"}, True),
    ("region-in-us-no", {"Region": [{"prefix": "us-"}]}, {"Region": "eu-west-1"}, False),
    (
        "service-begins-eventb",
        {"service": [{"prefix": {"equals-ignore-case": "eventb"}}]},
        {"service": "EventBridge"},
        True,
    ),
    ("name-is-alice", {"Name": ["Alice"]}, {"Name": "Alice"}, True),
    ("name-is-alice-case", {"Name": ["Alice"]}, {"Name": "alice"}, False),
    ("name-alice-ignore-case", {"Name": [{"equals-ignore-case": "alice"}]}, {"Name": "ALICE"}, True),
    ("filename-ends-png", {"FileName": [{"suffix": ".png"}]}, {"FileName": "image.png"}, True),
    (
        "service-ends-tbridge",
        {"service": [{"suffix": {"equals-ignore-case": "tBridge"}}]},
        {"service": "EVENTBRIDGE"},
        True,
    ),
    ("product-name-exists", {"ProductName": [{"exists": True}]}, {"ProductName": "Widget"}, True),
    ("product-name-exists-no", {"ProductName": [{"exists": True}]}, {"Other": 1}, False),
    ("product-name-does-not-exist", {"ProductName": [{"exists": False}]}, {"Other": 1}, True),
    (
        "product-name-does-not-exist-no",
        {"ProductName": [{"exists": False}]},
        {"ProductName": "Widget"},
        False,
    ),
    ("weather-not-raining", {"Weather": [{"anything-but": ["Raining"]}]}, {"Weather": "Sunny"}, True),
    ("price-is-100", {"Price": [{"numeric": ["=", 100]}]}, {"Price": 100}, True),
    ("price-is-100-spelled-1e2", {"Price": [{"numeric": ["=", 100]}]}, {"Price": 1e2}, True),
    ("price-10-to-20", {"Price": [{"numeric": [">", 10, "<=", 20]}]}, {"Price": 20}, True),
    ("price-10-to-20-low-end-open", {"Price": [{"numeric": [">", 10, "<=", 20]}]}, {"Price": 10}, False),
    ("payment-credit-or-debit", {"PaymentType": ["Credit", "Debit"]}, {"PaymentType": "Debit"}, True),
    (
        "location-or-day",
        {"$or": [{"Location": ["New York"]}, {"Day": ["Monday"]}]},
        {"Location": "Boston", "Day": "Monday"},
        True,
    ),
    (
        "location-or-day-neither",
        {"$or": [{"Location": ["New York"]}, {"Day": ["Monday"]}]},
        {"Location": "Boston", "Day": "Friday"},
        False,
    ),
    ("png-in-dir", {"FileName": [{"wildcard": "dir/*.png"}]}, {"FileName": "dir/image.png"}, True),
    (
        "png-in-dir-subfolder",
        {"FileName": [{"wildcard": "dir/*.png"}]},
        {"FileName": "dir/sub/image.png"},
        True,
    ),
    ("png-in-other-dir", {"FileName": [{"wildcard": "dir/*.png"}]}, {"FileName": "other/image.png"}, False),
    # Content filtering page: prefix and suffix.
    ("time-prefix", {"time": [{"prefix": "2017-10-02"}]}, C, True),
    ("time-prefix-other-day", {"time": [{"prefix": "2017-10-03"}]}, C, False),
    (
        "autoscaling-europe",
        {"source": ["aws.autoscaling"], "region": [{"prefix": "eu-"}]},
        {"source": "aws.autoscaling", "region": "eu-central-1"},
        True,
    ),
    (
        "autoscaling-not-europe",
        {"source": ["aws.autoscaling"], "region": [{"prefix": "eu-"}]},
        {"source": "aws.autoscaling", "region": "us-east-1"},
        False,
    ),
    (
        "prefix-ignore-case-upper",
        {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]},
        {"service": "EVENTBRIDGE"},
        True,
    ),
    (
        "prefix-ignore-case-lower",
        {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]},
        {"service": "eventbridge"},
        True,
    ),
    (
        "prefix-ignore-case-mixed",
        {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]},
        {"service": "eVeNtBus"},
        True,
    ),
    (
        "prefix-ignore-case-no",
        {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]},
        {"service": "Events"},
        False,
    ),
    ("suffix-png", {"FileName": [{"suffix": ".png"}]}, {"FileName": "photo.png"}, True),
    ("suffix-png-no", {"FileName": [{"suffix": ".png"}]}, {"FileName": "photo.jpg"}, False),
    ("suffix-png-is-case-sensitive", {"FileName": [{"suffix": ".png"}]}, {"FileName": "photo.PNG"}, False),
    (
        "suffix-ignore-case-png",
        {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]},
        {"FileName": "photo.PNG"},
        True,
    ),
    (
        "suffix-ignore-case-png-no",
        {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]},
        {"FileName": "photo.PNGX"},
        False,
    ),
    # Content filtering page: anything-but.
    ("anything-but-string", {"detail": {"state": [{"anything-but": "initializing"}]}}, C, True),
    ("anything-but-string-excluded", {"detail": {"state": [{"anything-but": "running"}]}}, C, False),
    ("anything-but-number", {"detail": {"x-limit": [{"anything-but": 123}]}}, C, True),
    ("anything-but-number-excluded", {"detail": {"x-limit": [{"anything-but": 301.8}]}}, C, False),
    ("anything-but-strings", {"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}}, C, True),
    (
        "anything-but-strings-excluded",
        {"detail": {"state": [{"anything-but": ["stopped", "running"]}]}},
        C,
        False,
    ),
    ("anything-but-numbers", {"detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}}, C, True),
    ("anything-but-numbers-excluded", {"detail": {"x-limit": [{"anything-but": [100, 301.8]}]}}, C, False),
    ("anything-but-prefix", {"detail": {"state": [{"anything-but": {"prefix": "init"}}]}}, C, True),
    (
        "anything-but-prefix-excluded",
        {"detail": {"state": [{"anything-but": {"prefix": "init"}}]}},
        _with(C, state="initializing"),
        False,
    ),
    (
        "anything-but-suffix",
        {"FileName": [{"anything-but": {"suffix": ".txt"}}]},
        {"FileName": "a.png"},
        True,
    ),
    (
        "anything-but-suffix-excluded",
        {"FileName": [{"anything-but": {"suffix": ".txt"}}]},
        {"FileName": "a.txt"},
        False,
    ),
    (
        "anything-but-ignore-case-list",
        {"detail": {"state": [{"anything-but": {"equals-ignore-case": ["Stopped", "OverLoaded"]}}]}},
        C,
        True,
    ),
    (
        "anything-but-ignore-case-list-excluded",
        {"detail": {"state": [{"anything-but": {"equals-ignore-case": ["Stopped", "OverLoaded"]}}]}},
        _with(C, state="overloaded"),
        False,
    ),
    (
        "anything-but-wildcard-list",
        {"FilePath": [{"anything-but": {"wildcard": ["*/lib/*", "*/bin/*"]}}]},
        {"FilePath": "/home/user/notes.txt"},
        True,
    ),
    (
        "anything-but-wildcard-list-excluded",
        {"FilePath": [{"anything-but": {"wildcard": ["*/lib/*", "*/bin/*"]}}]},
        {"FilePath": "/usr/bin/env"},
        False,
    ),
    # Content filtering page: numeric.
    (
        "numeric-example",
        {
            "detail": {
                "c-count": [{"numeric": [">", 0, "<=", 5]}],
                "d-count": [{"numeric": ["<", 10]}],
                "x-limit": [{"numeric": ["=", 3.018e2]}],
            }
        },
        C,
        True,
    ),
    (
        "numeric-example-c-count-too-high",
        {"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}], "d-count": [{"numeric": ["<", 10]}]}},
        _with(C, c_count=6),
        False,
    ),
    (
        "numeric-example-x-limit-differs",
        {"detail": {"x-limit": [{"numeric": ["=", 3.018e2]}]}},
        _with(C, x_limit=301.9),
        False,
    ),
    # Content filtering page: IP addresses.
    ("cidr-ipv4", {"detail": {"source-ip": [{"cidr": "10.0.0.0/24"}]}}, C, True),
    ("cidr-ipv4-outside", {"detail": {"source-ip": [{"cidr": "10.0.1.0/24"}]}}, C, False),
    (
        "cidr-ipv6",
        {"sourceIPAddress": [{"cidr": "2001:db8::/32"}]},
        {"sourceIPAddress": "2001:db8:1::abcd"},
        True,
    ),
    (
        "cidr-ipv6-outside",
        {"sourceIPAddress": [{"cidr": "2001:db8::/32"}]},
        {"sourceIPAddress": "2001:db9::1"},
        False,
    ),
    # Content filtering page: exists.
    ("exists-true", {"detail": {"state": [{"exists": True}]}}, C, True),
    ("exists-false-on-present", {"detail": {"state": [{"exists": False}]}}, C, False),
    ("exists-true-c-count", {"detail": {"c-count": [{"exists": True}]}}, C, True),
    ("exists-false-c-count-missing", {"detail": {"c-count": [{"exists": False}]}}, EC2_EVENT, True),
    (
        "exists-false-c-count-is-an-object",
        {"detail": {"c-count": [{"exists": False}]}},
        _with(EC2_EVENT, c_count={"c1": 100}),
        True,
    ),
    (
        "exists-true-c-count-is-an-object",
        {"detail": {"c-count": [{"exists": True}]}},
        _with(EC2_EVENT, c_count={"c1": 100}),
        False,
    ),
    # Content filtering page: equals-ignore-case and wildcard.
    (
        "equals-ignore-case-detail-type",
        {"detail-type": [{"equals-ignore-case": "ec2 instance state-change notification"}]},
        C,
        True,
    ),
    ("equals-ignore-case-source", {"source": [{"equals-ignore-case": "AWS.EC2"}]}, C, True),
    ("equals-ignore-case-no", {"source": [{"equals-ignore-case": "aws.ec"}]}, C, False),
    (
        "wildcard-event-bus-arn",
        {"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]},
        {"EventBusArn": "arn:aws:events:us-east-1:123456789012:event-bus/default"},
        True,
    ),
    (
        "wildcard-event-bus-arn-other-region",
        {"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]},
        {"EventBusArn": "arn:aws:events:us-west-2:123456789012:event-bus/default"},
        False,
    ),
    (
        "wildcard-simple-service",
        {"source": [{"wildcard": "Simple*Service"}]},
        {"source": "SimpleQueueService"},
        True,
    ),
    (
        "wildcard-simple-service-empty-middle",
        {"source": [{"wildcard": "Simple*Service"}]},
        {"source": "SimpleService"},
        True,
    ),
    (
        "wildcard-simple-service-no",
        {"source": [{"wildcard": "Simple*Service"}]},
        {"source": "SimpleQueue"},
        False,
    ),
    # Content filtering page: the complex example.
    (
        "complex-example",
        {
            "time": [{"prefix": "2017-10-02"}],
            "detail": {
                "state": [{"anything-but": "initializing"}],
                "c-count": [{"numeric": [">", 0, "<=", 5]}],
                "d-count": [{"numeric": ["<", 10]}],
                "x-limit": [{"anything-but": [100, 200, 300]}],
                "source-ip": [{"cidr": "10.0.0.0/8"}],
            },
        },
        C,
        True,
    ),
    (
        "complex-example-x-limit-excluded",
        {
            "time": [{"prefix": "2017-10-02"}],
            "detail": {
                "state": [{"anything-but": "initializing"}],
                "x-limit": [{"anything-but": [100, 200, 300]}],
            },
        },
        _with(C, x_limit=300),
        False,
    ),
    # Content filtering page: $or.
    (
        "or-in-detail-first",
        {
            "detail": {
                "$or": [
                    {"c-count": [{"numeric": [">", 0, "<=", 5]}]},
                    {"d-count": [{"numeric": ["<", 10]}]},
                    {"x-limit": [{"numeric": ["=", 3.018e2]}]},
                ]
            }
        },
        _with(C, d_count=50, x_limit=1),
        True,
    ),
    (
        "or-in-detail-last",
        {
            "detail": {
                "$or": [
                    {"c-count": [{"numeric": [">", 0, "<=", 5]}]},
                    {"d-count": [{"numeric": ["<", 10]}]},
                    {"x-limit": [{"numeric": ["=", 3.018e2]}]},
                ]
            }
        },
        _with(C, c_count=9, d_count=50),
        True,
    ),
    (
        "or-in-detail-none",
        {
            "detail": {
                "$or": [
                    {"c-count": [{"numeric": [">", 0, "<=", 5]}]},
                    {"d-count": [{"numeric": ["<", 10]}]},
                    {"x-limit": [{"numeric": ["=", 3.018e2]}]},
                ]
            }
        },
        _with(C, c_count=9, d_count=50, x_limit=1),
        False,
    ),
    (
        "or-sources",
        {"$or": [{"source": ["aws.ec2"]}, {"source": ["aws.s3"]}]},
        {"source": "aws.s3"},
        True,
    ),
    (
        "or-sources-neither",
        {"$or": [{"source": ["aws.ec2"]}, {"source": ["aws.s3"]}]},
        {"source": "my.app"},
        False,
    ),
]

OR_EXAMPLES: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    (
        "or-source-and-metric-or-namespace",
        {
            "source": ["aws.cloudwatch"],
            "$or": [{"metricName": ["CPUUtilization", "ReadLatency"]}, {"namespace": ["AWS/EC2", "AWS/ES"]}],
        },
        {"source": "aws.cloudwatch", "namespace": "AWS/ES"},
        True,
    ),
    (
        "or-source-required",
        {
            "source": ["aws.cloudwatch"],
            "$or": [{"metricName": ["CPUUtilization", "ReadLatency"]}, {"namespace": ["AWS/EC2", "AWS/ES"]}],
        },
        {"source": "aws.ec2", "namespace": "AWS/ES"},
        False,
    ),
    (
        "or-parallel",
        {
            "$or": [{"metricName": ["CPUUtilization", "ReadLatency"]}, {"namespace": ["AWS/EC2", "AWS/ES"]}],
            "detail": {
                "$or": [{"source": ["aws.cloudwatch"]}, {"detail-type": ["CloudWatch Alarm State Change"]}]
            },
        },
        {"metricName": "ReadLatency", "detail": {"detail-type": "CloudWatch Alarm State Change"}},
        True,
    ),
    (
        "or-parallel-second-group-fails",
        {
            "$or": [{"metricName": ["CPUUtilization", "ReadLatency"]}, {"namespace": ["AWS/EC2", "AWS/ES"]}],
            "detail": {
                "$or": [{"source": ["aws.cloudwatch"]}, {"detail-type": ["CloudWatch Alarm State Change"]}]
            },
        },
        {"metricName": "ReadLatency", "detail": {"source": "aws.ec2"}},
        False,
    ),
    (
        "or-with-and-inside",
        {
            "source": ["aws.cloudwatch"],
            "$or": [
                {"metricName": ["CPUUtilization", "ReadLatency"]},
                {"metricType": ["MetricType"], "namespace": ["AWS/EC2", "AWS/ES"]},
                {"scope": ["Service"]},
            ],
        },
        {"source": "aws.cloudwatch", "metricType": "MetricType", "namespace": "AWS/EC2"},
        True,
    ),
    (
        "or-with-and-inside-half",
        {
            "source": ["aws.cloudwatch"],
            "$or": [
                {"metricName": ["CPUUtilization", "ReadLatency"]},
                {"metricType": ["MetricType"], "namespace": ["AWS/EC2", "AWS/ES"]},
                {"scope": ["Service"]},
            ],
        },
        {"source": "aws.cloudwatch", "metricType": "MetricType", "namespace": "AWS/Lambda"},
        False,
    ),
    (
        "or-nested",
        {
            "source": ["aws.cloudwatch"],
            "$or": [
                {"metricName": ["CPUUtilization", "ReadLatency"]},
                {
                    "metricType": ["MetricType"],
                    "namespace": ["AWS/EC2", "AWS/ES"],
                    "$or": [{"metricId": [1234]}, {"spaceId": [1000]}],
                },
                {"scope": ["Service"]},
            ],
        },
        {"source": "aws.cloudwatch", "metricType": "MetricType", "namespace": "AWS/ES", "spaceId": 1000},
        True,
    ),
    (
        "or-nested-inner-fails",
        {
            "source": ["aws.cloudwatch"],
            "$or": [
                {"metricName": ["CPUUtilization", "ReadLatency"]},
                {
                    "metricType": ["MetricType"],
                    "namespace": ["AWS/EC2", "AWS/ES"],
                    "$or": [{"metricId": [1234]}, {"spaceId": [1000]}],
                },
                {"scope": ["Service"]},
            ],
        },
        {"source": "aws.cloudwatch", "metricType": "MetricType", "namespace": "AWS/ES", "spaceId": 1001},
        False,
    ),
    (
        "or-nested-third-branch",
        {
            "source": ["aws.cloudwatch"],
            "$or": [
                {"metricName": ["CPUUtilization", "ReadLatency"]},
                {"metricType": ["MetricType"], "$or": [{"metricId": [1234]}, {"spaceId": [1000]}]},
                {"scope": ["Service"]},
            ],
        },
        {"source": "aws.cloudwatch", "scope": "Service"},
        True,
    ),
]


@pytest.fixture(params=["pattern", "index"])
def engine(request: pytest.FixtureRequest) -> Callable[[dict[str, Any]], Matcher]:
    """Builds a matcher for one pattern: a compiled `Pattern`, or a `RuleIndex` among distractors."""

    def build(pattern: dict[str, Any]) -> Matcher:
        if request.param == "pattern":
            return compile_pattern(pattern).matches
        index = RuleIndex()
        index.add("distractor-source", {"source": ["hexad.unrelated"]})
        index.add("distractor-exists", {"detail": {"never-there": [{"exists": True}]}})
        index.add("rule", json.dumps(pattern))
        return lambda event: "rule" in index.match(event)

    return build


@pytest.mark.parametrize(("pattern", "event", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_user_guide_examples(
    engine: Callable[[dict[str, Any]], Matcher],
    pattern: dict[str, Any],
    event: dict[str, Any],
    expected: bool,
) -> None:
    assert engine(pattern)(event) is expected


@pytest.mark.parametrize(
    ("pattern", "event", "expected"), [c[1:] for c in OR_EXAMPLES], ids=[c[0] for c in OR_EXAMPLES]
)
def test_or_examples(
    engine: Callable[[dict[str, Any]], Matcher],
    pattern: dict[str, Any],
    event: dict[str, Any],
    expected: bool,
) -> None:
    assert engine(pattern)(event) is expected


def test_distractors_do_not_leak_into_results() -> None:
    index = RuleIndex()
    index.add("ec2", {"source": ["aws.ec2"]})
    index.add("s3", {"source": ["aws.s3"]})
    assert index.match(EC2_EVENT) == {"ec2"}


def test_a_dotted_key_matches_the_same_dotted_key() -> None:
    pattern = compile_pattern({"detail": {"state.status": ["running"]}})
    assert pattern.matches({"detail": {"state.status": "running"}})
