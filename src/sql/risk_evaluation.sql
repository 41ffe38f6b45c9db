
-------------------------------------------------------------------------------
-- risk_evaluation: evaluating scores and alerts against outcomes, and the bias report (doc/risk_evaluation.md)
-------------------------------------------------------------------------------
