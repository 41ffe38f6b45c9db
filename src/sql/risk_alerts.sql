
-------------------------------------------------------------------------------
-- risk_alerts: the churn-risk template, the coach queue's probability and the withdrawal forecast (doc/risk_model.md)
-------------------------------------------------------------------------------
