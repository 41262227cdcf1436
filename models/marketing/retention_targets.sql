-- The contact list: every customer who allows offers («Разрешить сообщать»), ranked by expected
-- profit at risk over the next months (var profit_at_risk_months), so marketing can work down the
-- list until the budget runs out. A customer who does not allow offers is never on it (they are
-- in site_personalisation_targets). The top reasons come from customer_reasons, which explains
-- the first var reasons_top_n of this list: null further down.
{{ ranked_targets('customers.allow_offers') }}
