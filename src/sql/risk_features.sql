
-------------------------------------------------------------------------------
-- risk_features: learner-day features and withdrawal labels for the risk model (doc/risk_features.md)
-------------------------------------------------------------------------------
