-- The contact list: every customer who allows offers («Разрешить сообщать»), ranked by expected
-- profit at risk over the next months (var profit_at_risk_months), so marketing can work down the
-- list until the budget runs out. A customer who does not allow offers is never on it (they are
-- in site_personalisation_targets). The top reasons come from customer_reasons, which explains
-- the first var reasons_top_n of this list: null further down. Values are rounded for reading:
-- the probability to 3 decimals, profits to 2 (the running total sums the exact values).
with

candidates as (
    select * from {{ ref('target_candidates') }}
),

ranked as (
    select
        row_number() over (
            order by candidates.profit_at_risk desc, candidates.customer_id asc
        ) as priority_rank,
        candidates.customer_id,
        round(candidates.decline_probability, 3) as decline_probability,
        candidates.risk_band,
        round(candidates.profit, 2) as profit,
        round(candidates.profit_at_risk, 2) as profit_at_risk,
        round(sum(candidates.profit_at_risk) over (
            order by candidates.profit_at_risk desc, candidates.customer_id asc
            rows between unbounded preceding and current row
        ), 2) as cumulative_profit_at_risk,
        candidates.allow_offers,
        candidates.favourite_category,
        candidates.top_reason_1,
        candidates.top_reason_2,
        candidates.top_reason_3,
        candidates.reasons_ru,
        candidates.reasons_en,
        candidates.segments
    from candidates
    where candidates.allow_offers
)

select * from ranked
