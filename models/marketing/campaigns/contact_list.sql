-- The contact list: the customers at risk (a band of var at_risk_bands) who allow offers
-- («Разрешить сообщать»), ranked by expected profit at risk over the next months (var
-- profit_at_risk_months), so marketing can work down the list until the budget runs out; each
-- with the next best action (customer_actions). Places run 1..N; the running total ends at the
-- list's profit at risk. A customer who does not allow offers is never on it (site_list), nor is
-- a customer of this month's control group (campaign_assignment, var holdout_share): they get no
-- offer and are listed in control_group. The top reasons come from customer_reasons, which
-- explains the first var reasons_top_n of this list: null further down. Values are rounded for
-- reading: the probability to 3 decimals, profits to 2 (the running total sums the exact
-- values); the columns are those of control_group (macro campaign_arm_list).
{{ campaign_arm_list(
    'contacted',
    "candidates.allow_offers and candidates.risk_band in " ~ sql_list(var('at_risk_bands'))
) }}
