-- The at-risk customers (a band of var at_risk_bands) who do not allow offers: no message may be
-- sent to them, so they are reached only through channels that need no consent, such as what the
-- site shows them. Ranked by profit at risk like retention_targets; customer_reasons explains
-- the first var reasons_top_n.
{{ ranked_targets(
    "not customers.allow_offers and customers.risk_band in " ~ sql_list(var('at_risk_bands'))
) }}
