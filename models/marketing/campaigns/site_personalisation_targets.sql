-- The at-risk customers (a band of var at_risk_bands) who do not allow offers: no message may be
-- sent to them, so they are reached only through channels that need no consent, such as what the
-- site shows them. Ranked and rounded like retention_targets; customer_reasons explains the
-- first var reasons_top_n.
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
    where
        not candidates.allow_offers
        and candidates.risk_band in {{ sql_list(var('at_risk_bands')) }}
)

select * from ranked
