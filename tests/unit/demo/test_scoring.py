from hexad.demo.scoring import score_findings

TRUTH = {
    "signals": [
        {"kind": "churn_risk", "subject_type": "client", "subject_id": "CL-1", "details": {}},
        {"kind": "churn_risk", "subject_type": "client", "subject_id": "CL-2", "details": {}},
        {"kind": "duplicate_payment", "subject_type": "expense", "subject_id": "EX-9", "details": {}},
    ]
}


def test_precision_and_recall_per_kind() -> None:
    found = [
        ("churn_risk", "client", "CL-1"),
        ("churn_risk", "client", "CL-3"),
        ("spend_anomaly", "department", "IT"),
    ]
    scores = {s.kind: s for s in score_findings(found, TRUTH)}
    assert (scores["churn_risk"].precision, scores["churn_risk"].recall) == (0.5, 0.5)
    assert (scores["duplicate_payment"].found, scores["duplicate_payment"].recall) == (0, 0.0)
    assert scores["spend_anomaly"].precision == 0.0 and scores["spend_anomaly"].recall == 1.0


def test_subject_type_must_agree() -> None:
    scores = {s.kind: s for s in score_findings([("churn_risk", "agreement", "CL-1")], TRUTH)}
    assert scores["churn_risk"].correct == 0
