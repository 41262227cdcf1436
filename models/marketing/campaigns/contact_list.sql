-- The contact list: the customers at risk (a band of var at_risk_bands) who allow offers
-- («Разрешить сообщать»), ranked by expected profit at risk over the next months (var
-- profit_at_risk_months), so marketing can work down the list until the budget runs out; each
-- with the next best action (customer_actions). Places run 1..N; the running total ends at the
-- list's profit at risk. A customer who does not allow offers is never on it (site_list). The
-- top reasons come from customer_reasons, which explains the first var reasons_top_n of this
-- list: null further down. Values are rounded for reading: the probability to 3 decimals,
-- profits to 2 (the running total sums the exact values).
with

candidates as (
    select * from {{ ref('target_candidates') }}
),

actions as (
    select * from {{ ref('customer_actions') }}
),

listed as (
    select candidates.*
    from candidates
    where
        candidates.allow_offers
        and candidates.risk_band in {{ sql_list(var('at_risk_bands')) }}
),

ranked as (
    select
        row_number() over (
            order by listed.profit_at_risk desc, listed.customer_id asc
        ) as priority_rank,
        listed.customer_id,
        round(listed.decline_probability, 3) as decline_probability,
        listed.risk_band,
        round(listed.profit, 2) as profit,
        round(listed.profit_at_risk, 2) as profit_at_risk,
        round(sum(listed.profit_at_risk) over (
            order by listed.profit_at_risk desc, listed.customer_id asc
            rows between unbounded preceding and current row
        ), 2) as cumulative_profit_at_risk,
        listed.allow_offers,
        listed.favourite_category,
        actions.action_code,
        actions.action_ru,
        actions.action_en,
        actions.action_reason_code,
        actions.action_reason_ru,
        actions.action_reason_en,
        listed.top_reason_1,
        listed.top_reason_2,
        listed.top_reason_3,
        listed.reasons_ru,
        listed.reasons_en,
        listed.context_ru,
        listed.context_en,
        listed.segments,
        listed.segments_ru,
        listed.segments_en
    from listed
    inner join actions on listed.customer_id = actions.customer_id
)

select * from ranked
